package syncstate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Outcome is how a run ended.
type Outcome string

// The outcomes a run record and the metrics name.
const (
	OutcomeOK          Outcome = "ok"          // every issue worked
	OutcomePartial     Outcome = "partial"     // some issues failed; the others are done
	OutcomeFailed      Outcome = "failed"      // the run stopped on an error
	OutcomeTimeout     Outcome = "timeout"     // the run's --timeout expired
	OutcomeInterrupted Outcome = "interrupted" // SIGINT or SIGTERM
	OutcomeLocked      Outcome = "locked"      // another run held the lock; nothing was done
	OutcomeDisabled    Outcome = "disabled"    // BUGSINK_SYNC_ENABLED is off (metrics only)
)

// RunRecord is what one `bsync sync` leaves behind for `bsync status`.
type RunRecord struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	DurationMS int64     `json:"duration_ms"`
	Outcome    Outcome   `json:"outcome"`
	DryRun     bool      `json:"dry_run,omitempty"`
	Synced     int       `json:"synced"`
	Skipped    int       `json:"skipped"`
	Failed     int       `json:"failed"`
	Regressed  int       `json:"regressed,omitempty"`
	Resolved   int       `json:"re_resolved,omitempty"`
	Deferred   int       `json:"deferred,omitempty"`
	Errors     []string  `json:"errors,omitempty"`
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
	return getJSON[RunRecord](ctx, s, LastRunKey, "last run record")
}
