package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// WatermarkPrefix + Bugsink project id → JSON Watermark: how far the last
// complete listing of the project reached, so the next run lists only what
// changed since.
const WatermarkPrefix = "bugsink:watermark:"

// WatermarkKey returns the watermark key of a Bugsink project.
func WatermarkKey(projectID int) string { return WatermarkPrefix + strconv.Itoa(projectID) }

// Watermark is what the last complete listing of one project saw. Its
// times are Bugsink's own (last_seen is the server's ingestion time), never
// the bsync host's clock, except FullAt and At.
type Watermark struct {
	// Slug is the project's slug when the watermark was written.
	Slug string `json:"slug"`
	// LastSeen is the newest last_seen of the project's issues when the
	// listing began.
	LastSeen time.Time `json:"last_seen"`
	// DigestOrder is the highest digest_order the listing saw (Bugsink
	// numbers a project's issues 1, 2, … as it first digests them).
	DigestOrder int `json:"digest_order"`
	// FullAt is when the last full listing of the project finished.
	FullAt time.Time `json:"full_at"`
	// Settings names the settings that decide which issues are wanted
	// (thresholds, muted issues): a change calls for a full listing.
	Settings string `json:"settings"`
	// At is when this watermark was written.
	At time.Time `json:"at"`
}

// Watermark reads a project's watermark. ok is false when there is none;
// an unreadable one is returned as an error wrapping ErrBadWatermark.
func (s *Store) Watermark(ctx context.Context, projectID int) (w Watermark, ok bool, err error) {
	v, err := s.rdb.Get(ctx, WatermarkKey(projectID)).Result()
	if errors.Is(err, redis.Nil) {
		return Watermark{}, false, nil
	}
	if err != nil {
		return Watermark{}, false, fmt.Errorf("redis read watermark of project %d: %w", projectID, err)
	}
	if err := json.Unmarshal([]byte(v), &w); err != nil {
		return Watermark{}, false, fmt.Errorf("%w of project %d: %w", ErrBadWatermark, projectID, err)
	}
	return w, true, nil
}

// ErrBadWatermark means a stored watermark cannot be read.
var ErrBadWatermark = errors.New("unreadable watermark")

// SetWatermark writes a project's watermark.
func (s *Store) SetWatermark(ctx context.Context, projectID int, w Watermark) error {
	b, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("encode watermark of project %d: %w", projectID, err)
	}
	if err := s.rdb.Set(ctx, WatermarkKey(projectID), b, 0).Err(); err != nil {
		return fmt.Errorf("redis write watermark of project %d: %w", projectID, err)
	}
	return nil
}

// ForgetWatermarks removes every project's watermark, so that the next run
// lists every project in full (after mappings were forgotten, say: their
// issues would not show in an incremental listing). It returns how many
// there were.
func (s *Store) ForgetWatermarks(ctx context.Context) (int, error) {
	var keys []string
	it := s.rdb.Scan(ctx, 0, WatermarkPrefix+"*", scanBatch).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		return 0, fmt.Errorf("redis scan watermarks: %w", err)
	}
	if len(keys) == 0 {
		return 0, nil
	}
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return 0, fmt.Errorf("redis delete watermarks: %w", err)
	}
	return len(keys), nil
}
