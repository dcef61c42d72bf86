package syncstate

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// CountKey caches the number of mapping keys together with the database
// size at the moment it was counted. Counting 100,000 keys with SCAN costs
// over 100 ms of Redis time; the cache makes `bsync status` one round trip.
// The cache is trusted only while DBSIZE still matches, so keys written or
// removed by anything else (an older writer, redis-cli) make status count
// again rather than report a stale number.
const CountKey = "bugsink:meta:count"

// RefreshCount counts the mapping keys with SCAN and caches the result.
// The sync calls it at the end of a run, when it has written its keys. A
// cache that still matches the database size is kept without a scan (a
// run that wrote no mapping costs two round trips here, not a SCAN).
func (s *Store) RefreshCount(ctx context.Context) (int, error) {
	if n, ok, err := s.cachedCount(ctx); err == nil && ok {
		return n, nil
	}
	// The cache key must exist before DBSIZE is read, so writing it does
	// not change the size it records.
	if err := s.rdb.HSetNX(ctx, CountKey, "count", -1).Err(); err != nil {
		return 0, fmt.Errorf("redis prepare count cache: %w", err)
	}
	n, err := s.CountMappings(ctx)
	if err != nil {
		return 0, err
	}
	size, err := s.rdb.DBSize(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("redis dbsize: %w", err)
	}
	if err := s.rdb.HSet(ctx, CountKey, "count", n, "dbsize", size, "at", s.now().UTC().Format(time.RFC3339)).Err(); err != nil {
		return 0, fmt.Errorf("redis write count cache: %w", err)
	}
	return n, nil
}

// FastCount returns the number of mapping keys: from the cache in one round
// trip when the database size has not changed since it was counted, else by
// counting (read-only).
func (s *Store) FastCount(ctx context.Context) (n int, cached bool, err error) {
	if n, ok, err := s.cachedCount(ctx); err != nil || ok {
		return n, ok, err
	}
	n, err = s.CountMappings(ctx)
	return n, false, err
}

// cachedCount reads the cached count in one round trip; ok is false when
// there is none or the database size has changed since it was taken. It
// never scans, so a caller that counts afterwards counts once.
func (s *Store) cachedCount(ctx context.Context) (n int, ok bool, err error) {
	var meta *redis.MapStringStringCmd
	var size *redis.IntCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		meta = p.HGetAll(ctx, CountKey)
		size = p.DBSize(ctx)
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("redis read count cache: %w", err)
	}
	m := meta.Val()
	count, cerr := strconv.Atoi(m["count"])
	dbsize, derr := strconv.ParseInt(m["dbsize"], 10, 64)
	if cerr == nil && derr == nil && count >= 0 && dbsize == size.Val() {
		return count, true, nil
	}
	return 0, false, nil
}
