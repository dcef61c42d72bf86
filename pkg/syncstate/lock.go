package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
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
	// BootID names the holder's boot of its host (Linux's
	// /proc/sys/kernel/random/boot_id): a pid is known dead only on the
	// same boot of the same host.
	BootID string `json:"boot_id,omitempty"`
}

// BootID returns this boot's id, "" where the system does not tell.
func BootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Gone reports whether the holder h is known to be dead as seen from
// me: the same host and boot, and its pid no longer exists. A holder on
// another host, or one that cannot be checked, is never called gone.
func (h *LockInfo) Gone(me LockInfo) bool {
	if h == nil || h.Host == "" || h.Host != me.Host || h.BootID == "" || h.BootID != me.BootID || h.PID <= 0 {
		return false
	}
	// Signal 0 checks that the pid exists; EPERM means it does (another
	// user's process).
	return errors.Is(syscall.Kill(h.PID, 0), syscall.ESRCH)
}

// ErrLockHeld means another run holds the lock.
var ErrLockHeld = errors.New("another bsync sync holds the run lock")

// releaseScript deletes the lock only when it still holds the caller's value.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// takeOverScript replaces the lock's value only when it still is the dead
// holder's, so two runs that both found it dead cannot both take it.
var takeOverScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
  return 1
end
return 0`)

// Lock is a held run lock.
type Lock struct {
	s     *Store
	value string
	Info  LockInfo
	// TookOver is the dead holder whose lock this run took over, if any.
	TookOver *LockInfo
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
		return s.takeOverDead(ctx, info, string(b), ttl)
	}
	return &Lock{s: s, value: string(b), Info: info}, nil, nil
}

// takeOverDead takes the lock from a holder known to be dead (same host
// and boot, pid gone: a crashed or killed run), at once rather than when
// its TTL ends; any other holder makes ErrLockHeld.
func (s *Store) takeOverDead(ctx context.Context, info LockInfo, value string, ttl time.Duration) (*Lock, *LockInfo, error) {
	raw, err := s.rdb.Get(ctx, LockKey).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil, ErrLockHeld // released just now; the next run takes it
	}
	if err != nil {
		return nil, nil, fmt.Errorf("redis read run lock: %w", err)
	}
	var holder LockInfo
	if json.Unmarshal([]byte(raw), &holder) != nil {
		return nil, &LockInfo{Host: "unknown"}, ErrLockHeld
	}
	if !holder.Gone(info) {
		return nil, &holder, ErrLockHeld
	}
	took, err := takeOverScript.Run(ctx, s.rdb, []string{LockKey}, raw, value, ttl.Milliseconds()).Int()
	if err != nil {
		return nil, nil, fmt.Errorf("redis take over run lock: %w", err)
	}
	if took != 1 {
		return nil, &holder, ErrLockHeld
	}
	return &Lock{s: s, value: value, Info: info, TookOver: &holder}, nil, nil
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
