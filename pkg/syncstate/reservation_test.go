package syncstate_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"bsync/pkg/syncstate"
)

// A reservation is taken only where there is neither a mapping nor a
// reservation other than the one the caller read: a second create of the
// same issue is refused rather than overwriting the first one's
// reservation, and a run taking over one left behind takes over exactly
// that one.
func TestAReservationIsNeverOverwritten(t *testing.T) {
	s, srv, _ := newStore(t)
	ctx := t.Context()
	const id = "0b8e4a9c-1d2f-4a6b-9c8d-7e6f5a4b3c2d"
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	first := syncstate.Reservation{At: at, Run: "run-a"}
	if err := s.Reserve(ctx, id, first, nil); err != nil {
		t.Fatal(err)
	}
	second := syncstate.Reservation{At: at.Add(time.Second), Run: "run-b"}
	if err := s.Reserve(ctx, id, second, nil); !errors.Is(err, syncstate.ErrReserved) {
		t.Fatalf("a second reservation over the first: %v, want ErrReserved", err)
	}
	raw, _ := srv.Client(t, 15).Get(ctx, syncstate.PendingKey(id)).Result()
	if !strings.Contains(raw, `"run":"run-a"`) {
		t.Fatalf("the first reservation was overwritten: %s", raw)
	}
	// A later run takes over the reservation it found (read back here as
	// LookupState reads it), and only that one.
	states, err := s.LookupState(ctx, []string{id})
	if err != nil || states[id].Pending == nil {
		t.Fatalf("lookup %v, %v", states, err)
	}
	found := states[id].Pending
	if err := s.Reserve(ctx, id, second, found); err != nil {
		t.Fatalf("taking over the reservation read: %v", err)
	}
	third := syncstate.Reservation{At: at.Add(2 * time.Second), Run: "run-c"}
	if err := s.Reserve(ctx, id, third, found); !errors.Is(err, syncstate.ErrReserved) {
		t.Fatalf("taking over a reservation that changed since it was read: %v, want ErrReserved", err)
	}
	if err := s.Commit(ctx, id, syncstate.Record{GiteaIssueNumber: 7, SyncedAt: at, Project: "p", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, id, third, nil); !errors.Is(err, syncstate.ErrMapped) {
		t.Fatalf("a reservation for a mapped issue: %v, want ErrMapped", err)
	}
	if n, _ := srv.Client(t, 15).Exists(ctx, syncstate.PendingKey(id)).Result(); n != 0 {
		t.Error("a reservation was written beside the mapping")
	}
	// The value keeps its format: {"at": RFC 3339, "run": …}.
	if err := s.Reserve(ctx, "1b8e4a9c-1d2f-4a6b-9c8d-7e6f5a4b3c2d", first, nil); err != nil {
		t.Fatal(err)
	}
	raw, _ = srv.Client(t, 15).Get(ctx, syncstate.PendingKey("1b8e4a9c-1d2f-4a6b-9c8d-7e6f5a4b3c2d")).Result()
	if raw != `{"at":"2026-11-29T12:00:00Z","run":"run-a"}` {
		t.Errorf("reservation value %s", raw)
	}
}
