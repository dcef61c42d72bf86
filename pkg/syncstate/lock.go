package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// LockInfo describes who holds the run lock. Token is the owner's secret
// handle; the rest is for people reading `bsync status`.
type LockInfo struct {
	Token     string    `json:"token"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
}

// ErrLockHeld means another run holds the lock.
var ErrLockHeld = errors.New("another bsync sync holds the run lock")

// releaseScript deletes the lock only when it still holds the caller's value.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// Lock is a held run lock.
type Lock struct {
	s     *Store
	value string
	Info  LockInfo
}

// AcquireLock takes the run lock for ttl (longer than the longest run). It
// returns ErrLockHeld, with the holder, when another run has it.
func (s *Store) AcquireLock(ctx context.Context, info LockInfo, ttl time.Duration) (*Lock, *LockInfo, error) {
	b, err := json.Marshal(info)
	if err != nil {
		return nil, nil, err
	}
	ok, err := s.rdb.SetNX(ctx, LockKey, b, ttl).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("redis take run lock: %w", err)
	}
	if !ok {
		holder, _ := s.LockHolder(ctx)
		return nil, holder, ErrLockHeld
	}
	return &Lock{s: s, value: string(b), Info: info}, nil, nil
}

// Release gives the lock up if this run still owns it; a lock that expired
// and was taken by another run is left alone.
func (l *Lock) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, l.s.rdb, []string{LockKey}, l.value).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redis release run lock: %w", err)
	}
	return nil
}

// LockHolder returns the current holder, or nil when the lock is free.
func (s *Store) LockHolder(ctx context.Context) (*LockInfo, error) {
	info, err := getJSON[LockInfo](ctx, s, LockKey, "run lock")
	if errors.Is(err, errUnreadable) {
		return &LockInfo{Host: "unknown"}, nil // held, by a writer we cannot read
	}
	return info, err
}
