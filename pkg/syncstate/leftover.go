package syncstate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// LeftoverPrefix + Bugsink project id → hash of Bugsink issue UUID → JSON
// Leftover: the project's issues that still want work (a failed step, a
// create deferred by --max-create or whose outcome is not known yet, a
// resolve to retry). An incremental run re-reads each of them on its own.
const LeftoverPrefix = "bugsink:leftover:"

// LeftoverKey returns the leftover hash of a Bugsink project.
func LeftoverKey(projectID int) string { return LeftoverPrefix + strconv.Itoa(projectID) }

// Leftover says why an issue still wants work, and which run said so.
type Leftover struct {
	Run   string    `json:"run"`
	Stage string    `json:"stage"`
	At    time.Time `json:"at"`
}

// LeftoverChange adds (Leftover non-nil) or removes (nil) issues from a
// project's leftover set.
type LeftoverChange map[string]*Leftover

// ChangeLeftovers applies changes to a project's leftover set in one round
// trip.
func (s *Store) ChangeLeftovers(ctx context.Context, projectID int, changes LeftoverChange) error {
	if len(changes) == 0 {
		return nil
	}
	key := LeftoverKey(projectID)
	var set []any
	var del []string
	for id, l := range changes {
		if l == nil {
			del = append(del, id)
			continue
		}
		b, _ := json.Marshal(l)
		set = append(set, id, string(b))
	}
	pipe := s.rdb.TxPipeline()
	if len(set) > 0 {
		pipe.HSet(ctx, key, set...)
	}
	if len(del) > 0 {
		pipe.HDel(ctx, key, del...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis update leftovers of project %d: %w", projectID, err)
	}
	return nil
}

// Leftovers returns a project's leftover set, by issue id. It holds the
// work still to do, which does not grow with the project's history.
func (s *Store) Leftovers(ctx context.Context, projectID int) (map[string]Leftover, error) {
	m, err := s.rdb.HGetAll(ctx, LeftoverKey(projectID)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis read leftovers of project %d: %w", projectID, err)
	}
	out := make(map[string]Leftover, len(m))
	for id, v := range m {
		var l Leftover
		_ = json.Unmarshal([]byte(v), &l) // an unreadable entry is still work
		out[id] = l
	}
	return out, nil
}

// LeftoverCount returns how many issues a project's leftover set holds.
func (s *Store) LeftoverCount(ctx context.Context, projectID int) (int, error) {
	n, err := s.rdb.HLen(ctx, LeftoverKey(projectID)).Result()
	if err != nil {
		return 0, fmt.Errorf("redis count leftovers of project %d: %w", projectID, err)
	}
	return int(n), nil
}
