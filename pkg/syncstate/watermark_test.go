package syncstate_test

import (
	"errors"
	"testing"
	"time"

	"bsync/pkg/syncstate"
)

func TestWatermarkRoundTrip(t *testing.T) {
	s, srv, _ := newStore(t)
	ctx := t.Context()
	if _, ok, err := s.Watermark(ctx, 3); ok || err != nil {
		t.Fatalf("a new store has a watermark: %v %v", ok, err)
	}
	w := syncstate.Watermark{Slug: "shop", LastSeen: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), DigestOrder: 42, Settings: "x"}
	if err := s.SetWatermark(ctx, 3, w); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Watermark(ctx, 3)
	if err != nil || !ok || got.Slug != "shop" || !got.LastSeen.Equal(w.LastSeen) || got.DigestOrder != 42 {
		t.Errorf("read back %+v %v %v", got, ok, err)
	}
	if keys, _ := srv.Client(t, 15).Keys(ctx, "bugsink:watermark:*").Result(); len(keys) != 1 || keys[0] != "bugsink:watermark:3" {
		t.Errorf("keys %v", keys)
	}
	srv.Client(t, 15).Set(ctx, syncstate.WatermarkKey(3), "{", 0)
	if _, _, err := s.Watermark(ctx, 3); !errors.Is(err, syncstate.ErrBadWatermark) {
		t.Errorf("unreadable watermark: %v", err)
	}
}

func TestForgetWatermarks(t *testing.T) {
	s, srv, _ := newStore(t)
	ctx := t.Context()
	for _, id := range []int{1, 2} {
		if err := s.SetWatermark(ctx, id, syncstate.Watermark{Slug: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Client(t, 15).Set(ctx, "bugsink:synced:00000000-0000-4000-8000-000000000001", "{}", 0)
	if n, err := s.ForgetWatermarks(ctx); n != 2 || err != nil {
		t.Fatalf("forgot %d, %v", n, err)
	}
	if keys, _ := srv.Client(t, 15).Keys(ctx, "bugsink:*").Result(); len(keys) != 1 {
		t.Errorf("left %v, want the mapping alone", keys)
	}
}

func TestLeftoversChangeInOneRoundTrip(t *testing.T) {
	s, srv, hook := newStore(t)
	ctx := t.Context()
	add := syncstate.LeftoverChange{"a": {Run: "r1", Stage: "resolve"}, "b": {Run: "r1", Stage: "deferred"}}
	if err := s.ChangeLeftovers(ctx, 7, add); err != nil {
		t.Fatal(err)
	}
	before := hook.n.Load()
	if err := s.ChangeLeftovers(ctx, 7, syncstate.LeftoverChange{"a": nil, "c": {Run: "r2", Stage: "waiting"}}); err != nil {
		t.Fatal(err)
	}
	if n := hook.n.Load() - before; n != 1 {
		t.Errorf("%d round trips for one change", n)
	}
	got, err := s.Leftovers(ctx, 7)
	if err != nil || len(got) != 2 || got["b"].Stage != "deferred" || got["c"].Run != "r2" {
		t.Errorf("leftovers %v %v", got, err)
	}
	if err := s.ChangeLeftovers(ctx, 7, syncstate.LeftoverChange{"b": nil, "c": nil}); err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.Client(t, 15).Exists(ctx, syncstate.LeftoverKey(7)).Result(); n != 0 {
		t.Error("an empty leftover set is still a key")
	}
}
