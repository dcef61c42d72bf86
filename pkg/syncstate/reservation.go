package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// PendingPrefix + Bugsink issue UUID → JSON Reservation. A reservation is
// written before a Gitea issue is created and removed in the same
// transaction that writes the mapping, so one left behind means a run
// stopped in between: the next run looks for the issue in Gitea first.
const PendingPrefix = "bugsink:pending:"

// StateKey marks a state that is known to be complete. It is written once
// the Gitea repository was scanned for bsync's markers; a store without it
// (new, or wiped) is rebuilt from Gitea before anything is created.
const StateKey = "bugsink:meta:state"

// PendingKey returns the reservation key of a Bugsink issue.
func PendingKey(issueID string) string { return PendingPrefix + issueID }

// Reservation records that a run is about to create a Gitea issue.
type Reservation struct {
	At  time.Time `json:"at"`
	Run string    `json:"run"`

	// raw is the value as read (LookupState), so that a run taking the
	// reservation over names exactly the one it found.
	raw string
}

// Reservations are refused (Reserve) rather than written over what is
// there.
var (
	// ErrMapped means the issue has a mapping: it was created already.
	ErrMapped = errors.New("the issue is mapped already")
	// ErrReserved means another create holds the issue's reservation (or
	// the one the caller read is gone or changed).
	ErrReserved = errors.New("another create holds the issue's reservation")
)

// reserveScript writes a reservation unless the issue is mapped, or is
// reserved other than the caller expects: ARGV[2] is the value the caller
// read and takes over, "" for none. One atomic step, so two creates of one
// issue cannot both hold its reservation.
var reserveScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then
  return "mapped"
end
local cur = redis.call("GET", KEYS[2])
if (cur or "") ~= ARGV[2] then
  return "reserved"
end
redis.call("SET", KEYS[2], ARGV[1])
return "ok"`)

// Reserve writes a reservation for issueID right before its Gitea issue is
// created. replaces is the reservation the caller found and takes over
// (one left by an interrupted run), nil for none. It refuses with ErrMapped
// when the issue is mapped, and with ErrReserved when its reservation is
// not the one named: a reservation is never silently overwritten.
func (s *Store) Reserve(ctx context.Context, issueID string, r Reservation, replaces *Reservation) error {
	b, _ := json.Marshal(r)
	want := ""
	if replaces != nil {
		want = replaces.raw
		if want == "" {
			old, _ := json.Marshal(replaces)
			want = string(old)
		}
	}
	got, err := reserveScript.Run(ctx, s.rdb, []string{MappingKey(issueID), PendingKey(issueID)}, b, want).Text()
	switch {
	case err != nil:
		return fmt.Errorf("redis reserve %s: %w", issueID, err)
	case got == "mapped":
		return fmt.Errorf("reserve %s: %w", issueID, ErrMapped)
	case got == "reserved":
		return fmt.Errorf("reserve %s: %w", issueID, ErrReserved)
	}
	return nil
}

// ClearReservation removes a reservation (the create definitely failed).
func (s *Store) ClearReservation(ctx context.Context, issueID string) error {
	if err := s.rdb.Del(ctx, PendingKey(issueID)).Err(); err != nil {
		return fmt.Errorf("redis clear reservation %s: %w", issueID, err)
	}
	return nil
}

// Commit writes a mapping and removes the issue's reservation atomically.
func (s *Store) Commit(ctx context.Context, issueID string, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode mapping %s: %w", issueID, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, MappingKey(issueID), b, 0)
		p.Del(ctx, PendingKey(issueID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis write mapping %s: %w", issueID, err)
	}
	return nil
}

// StateComplete reports whether the state was marked complete.
func (s *Store) StateComplete(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, StateKey).Result()
	if err != nil {
		return false, fmt.Errorf("redis read state marker: %w", err)
	}
	return n == 1, nil
}

// MarkStateComplete writes the state marker.
func (s *Store) MarkStateComplete(ctx context.Context, by string) error {
	v, _ := json.Marshal(map[string]string{"at": FormatTime(s.now()), "by": by})
	if err := s.rdb.Set(ctx, StateKey, v, 0).Err(); err != nil {
		return fmt.Errorf("redis write state marker: %w", err)
	}
	return nil
}
