package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RunRecord is what one `bsync sync` leaves behind for `bsync status`.
type RunRecord struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	DurationMS int64     `json:"duration_ms"`
	// Outcome is one of ok, partial, failed, locked, disabled, interrupted.
	Outcome   string   `json:"outcome"`
	DryRun    bool     `json:"dry_run,omitempty"`
	Synced    int      `json:"synced"`
	Skipped   int      `json:"skipped"`
	Failed    int      `json:"failed"`
	Regressed int      `json:"regressed,omitempty"`
	Resolved  int      `json:"re_resolved,omitempty"`
	Deferred  int      `json:"deferred,omitempty"`
	Errors    []string `json:"errors,omitempty"`
	// Pass is the kind of pass that ran: full, incremental or mixed.
	Pass    string `json:"pass,omitempty"`
	Version string `json:"version,omitempty"`
	Host    string `json:"host,omitempty"`
}

// SaveRun prepends the run to the history (trimmed to RunHistoryLen) and,
// with asLast, also stores it as the last run, in one transaction.
func (s *Store) SaveRun(ctx context.Context, r RunRecord, asLast bool) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode run record: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	if asLast {
		pipe.Set(ctx, LastRunKey, b, 0)
	}
	pipe.LPush(ctx, RunHistoryKey, b)
	pipe.LTrim(ctx, RunHistoryKey, 0, RunHistoryLen-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis write run record: %w", err)
	}
	return nil
}

// LastRun returns the newest run record, or nil when no run was recorded.
func (s *Store) LastRun(ctx context.Context) (*RunRecord, error) {
	v, err := s.rdb.Get(ctx, LastRunKey).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis read last run: %w", err)
	}
	var r RunRecord
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return nil, fmt.Errorf("last run record is unreadable: %w", err)
	}
	return &r, nil
}

// History returns up to n of the newest run records, newest first.
func (s *Store) History(ctx context.Context, n int) ([]RunRecord, error) {
	vals, err := s.rdb.LRange(ctx, RunHistoryKey, 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis read run history: %w", err)
	}
	out := make([]RunRecord, 0, len(vals))
	for _, v := range vals {
		var r RunRecord
		if json.Unmarshal([]byte(v), &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}
