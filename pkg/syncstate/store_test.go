package syncstate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// countHook counts round trips (a pipeline counts once).
type countHook struct{ n atomic.Int32 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

func newStore(t *testing.T) (*syncstate.Store, *redistest.Server, *countHook) {
	t.Helper()
	srv := redistest.Start(t)
	opts, err := syncstate.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	hook := &countHook{}
	rdb.AddHook(hook)
	t.Cleanup(func() { rdb.Close() })
	return syncstate.NewWithClient(rdb), srv, hook
}

func TestParseURLDefaultsToDB15(t *testing.T) {
	cases := map[string]int{
		"redis://127.0.0.1:6379":       15,
		"redis://127.0.0.1:6379/":      15,
		"redis://127.0.0.1:6379/3":     3,
		"redis://127.0.0.1:6379/0":     0,
		"redis://127.0.0.1:6379?db=4":  4,
		"redis://:pw@127.0.0.1:6379/2": 2,
	}
	for in, want := range cases {
		opts, err := syncstate.ParseURL(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if opts.DB != want {
			t.Errorf("%s: db %d, want %d", in, opts.DB, want)
		}
	}
}

func TestParseURLErrorsHideThePassword(t *testing.T) {
	_, err := syncstate.ParseURL("redis://user:sup3rsecret@127.0.0.1:6379/notanumber")
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "sup3rsecret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestRecordReadsAndKeepsTheOlderWritersFormat(t *testing.T) {
	store, srv, _ := newStore(t)
	raw := srv.Client(t, 15)
	id := "3f1c9a7e-22b4-4c1e-9a7e-22b43f1c9a7e"
	legacy := `{"gitea_issue_number":17,"synced_at":"2026-01-16T05:03:02.123Z","project":"flyer-crawler-frontend-test","title":"[TypeError] t.map is not a function","worker":"bull-7"}`
	if err := raw.Set(t.Context(), "bugsink:synced:"+id, legacy, 0).Err(); err != nil {
		t.Fatal(err)
	}
	e, ok, err := store.Get(t.Context(), id)
	if err != nil || !ok || e.Record == nil {
		t.Fatalf("get: ok=%v err=%v entry=%+v", ok, err, e)
	}
	r := e.Record
	if r.GiteaIssueNumber != 17 || r.Project != "flyer-crawler-frontend-test" || !r.SyncedAt.Equal(time.Date(2026, 1, 16, 5, 3, 2, 123e6, time.UTC)) {
		t.Errorf("record = %+v", r)
	}
	// Writing it back keeps the older writer's field and the four names and types.
	r.Regressions = 1
	if err := store.Put(t.Context(), id, *r); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	s, _ := raw.Get(t.Context(), "bugsink:synced:"+id).Result()
	if err := json.Unmarshal([]byte(s), &back); err != nil {
		t.Fatal(err)
	}
	if back["worker"] != "bull-7" || back["gitea_issue_number"] != float64(17) || back["regressions"] != float64(1) {
		t.Errorf("written back: %s", s)
	}
	if _, err := time.Parse(time.RFC3339, back["synced_at"].(string)); err != nil || !strings.HasSuffix(back["synced_at"].(string), "Z") {
		t.Errorf("synced_at %v is not RFC 3339 UTC", back["synced_at"])
	}
}

func TestLookupIsOneRoundTripPerPage(t *testing.T) {
	store, _, hook := newStore(t)
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	for _, id := range ids[:100] {
		if err := store.Put(t.Context(), id, syncstate.Record{GiteaIssueNumber: 1, SyncedAt: time.Now(), Project: "p", Title: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	hook.n.Store(0)
	found, err := store.LookupState(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 100 {
		t.Errorf("found %d mappings, want 100", len(found))
	}
	if n := hook.n.Load(); n != 1 {
		t.Errorf("%d round trips for a page of 250, want 1", n)
	}
}

func TestUnreadableRecordStillCountsAsMapped(t *testing.T) {
	store, srv, _ := newStore(t)
	id := "00000000-0000-4000-8000-000000000001"
	srv.Client(t, 15).Set(t.Context(), "bugsink:synced:"+id, "not json", 0)
	found, err := store.LookupState(t.Context(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	e, ok := found[id].Entry, found[id].Entry.Mapped()
	if !ok || e.Err == nil || e.Record != nil {
		t.Errorf("entry = %+v, ok=%v; want present with an error", e, ok)
	}
}

func TestDeleteReportsWhatExisted(t *testing.T) {
	store, _, _ := newStore(t)
	a, b := "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
	store.Put(t.Context(), a, syncstate.Record{SyncedAt: time.Now()})
	deleted, err := store.Delete(t.Context(), []string{a, b})
	if err != nil || len(deleted) != 1 || deleted[0] != a {
		t.Errorf("deleted %v, err %v; want [a]", deleted, err)
	}
	if _, ok, _ := store.Get(t.Context(), a); ok {
		t.Error("a still mapped")
	}
}

func TestMappingsStreamAllAndCountIncludesOtherWriters(t *testing.T) {
	store, srv, _ := newStore(t)
	for _, id := range []string{"c0000000-0000-4000-8000-000000000000", "a0000000-0000-4000-8000-000000000000"} {
		store.Put(t.Context(), id, syncstate.Record{GiteaIssueNumber: 2, SyncedAt: time.Now(), Project: "p"})
	}
	raw := srv.Client(t, 15)
	raw.Set(t.Context(), "bugsink:synced:b0000000-0000-4000-8000-000000000000", `{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"old","title":"x"}`, 0)
	raw.Set(t.Context(), "bugsink:other", "x", 0)
	srv.Client(t, 0).Set(t.Context(), "bugsink:synced:d0000000-0000-4000-8000-000000000000", "{}", 0) // another db
	n, err := store.CountMappings(t.Context())
	if err != nil || n != 3 {
		t.Errorf("count = %d, %v; want 3", n, err)
	}
	var seen []string
	for e, err := range store.Mappings(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Record == nil {
			t.Fatalf("%s: %v", e.ID, e.Err)
		}
		seen = append(seen, e.ID[:1])
	}
	slices.Sort(seen)
	if strings.Join(seen, "") != "abc" {
		t.Errorf("streamed %v, want a b c", seen)
	}
}

func TestLockIsExclusiveAndReleasedOnlyByItsOwner(t *testing.T) {
	store, _, _ := newStore(t)
	ctx := t.Context()
	first, _, err := store.AcquireLock(ctx, syncstate.LockInfo{Token: "one", Host: "h1", PID: 1}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, holder, err := store.AcquireLock(ctx, syncstate.LockInfo{Token: "two"}, time.Minute)
	if !errors.Is(err, syncstate.ErrLockHeld) || holder == nil || holder.Host != "h1" {
		t.Fatalf("second acquire: %v holder %+v", err, holder)
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if h, _ := store.LockHolder(ctx); h != nil {
		t.Errorf("lock still held by %+v after release", h)
	}
	// The first owner's handle is now stale: it must not free the new lock.
	_, _, err = store.AcquireLock(ctx, syncstate.LockInfo{Token: "two"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Release(ctx); err != nil { // the old owner releases again
		t.Fatal(err)
	}
	if h, _ := store.LockHolder(ctx); h == nil || h.Token != "two" {
		t.Errorf("the old owner's release freed the new owner's lock (holder %+v)", h)
	}
}

func TestLockExpires(t *testing.T) {
	store, srv, _ := newStore(t)
	if _, _, err := store.AcquireLock(t.Context(), syncstate.LockInfo{Token: "x"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	// Redis expires the key by its TTL; the test checks the TTL is set,
	// rather than waiting for it.
	ttl, err := srv.Client(t, 15).PTTL(t.Context(), syncstate.LockKey).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("lock TTL %v, %v; want (0, 1m]", ttl, err)
	}
}

func TestRunRecords(t *testing.T) {
	store, srv, _ := newStore(t)
	ctx := t.Context()
	if r, err := store.LastRun(ctx); r != nil || err != nil {
		t.Fatalf("empty store: %v %v", r, err)
	}
	ok := syncstate.RunRecord{Outcome: "ok", Synced: 3, FinishedAt: time.Now().UTC()}
	store.SaveRun(ctx, ok, true)
	store.SaveRun(ctx, syncstate.RunRecord{Outcome: "locked"}, false)
	last, err := store.LastRun(ctx)
	if err != nil || last.Outcome != "ok" || last.Synced != 3 {
		t.Errorf("last = %+v, %v; want the ok run (a locked run is history only)", last, err)
	}
	h, _ := srv.Client(t, 15).LRange(ctx, syncstate.RunHistoryKey, 0, -1).Result()
	if len(h) != 2 || !strings.Contains(h[0], `"outcome":"locked"`) {
		t.Errorf("history = %q", h)
	}
}

func TestUnreachableRedisIsAnError(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	store, err := syncstate.Open("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Ping(t.Context()); err == nil {
		t.Error("ping of a closed port succeeded")
	}
}

func TestCountCacheStaysCorrect(t *testing.T) {
	store, srv, _ := newStore(t)
	ctx := t.Context()
	for i := 0; i < 5; i++ {
		store.Put(ctx, fmt.Sprintf("00000000-0000-4000-8000-%012d", i), syncstate.Record{SyncedAt: time.Now()})
	}
	store.SaveRun(ctx, syncstate.RunRecord{Outcome: "ok"}, true)
	if n, err := store.RefreshCount(ctx); err != nil || n != 5 {
		t.Fatalf("refresh: %d %v", n, err)
	}
	if n, cached, err := store.FastCount(ctx); n != 5 || !cached || err != nil {
		t.Errorf("after refresh: %d cached=%v %v", n, cached, err)
	}
	// forget keeps the cache exact.
	store.Delete(ctx, []string{"00000000-0000-4000-8000-000000000000", "00000000-0000-4000-8000-999999999999"})
	if n, cached, _ := store.FastCount(ctx); n != 4 || !cached {
		t.Errorf("after forget: %d cached=%v, want 4 from the cache", n, cached)
	}
	// Another writer adds a key: the cache is not trusted, the count is right.
	srv.Client(t, 15).Set(ctx, "bugsink:synced:aaaaaaaa-0000-4000-8000-000000000000", `{}`, 0)
	if n, cached, _ := store.FastCount(ctx); n != 5 || cached {
		t.Errorf("after a foreign write: %d cached=%v, want 5 counted", n, cached)
	}
}

// scanHook counts SCAN commands.
type scanHook struct{ n atomic.Int32 }

func (h *scanHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *scanHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "scan") {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *scanHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestRefreshOfAStaleCountScansOnce(t *testing.T) {
	srv := redistest.Start(t)
	opts, err := syncstate.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	hook := &scanHook{}
	rdb.AddHook(hook)
	store := syncstate.NewWithClient(rdb)
	ctx := t.Context()
	// Fewer keys than one SCAN step: a full scan is exactly one SCAN.
	for i := 0; i < 3; i++ {
		store.Put(ctx, fmt.Sprintf("00000000-0000-4000-8000-%012d", i), syncstate.Record{SyncedAt: time.Now()})
	}
	for _, stage := range []string{"no cache yet", "cache made stale by a write"} {
		hook.n.Store(0)
		if n, err := store.RefreshCount(ctx); err != nil || n < 3 {
			t.Fatalf("%s: refresh %d %v", stage, n, err)
		}
		if got := hook.n.Load(); got != 1 {
			t.Errorf("%s: refresh ran %d SCAN(s), want 1", stage, got)
		}
		store.Put(ctx, fmt.Sprintf("00000000-0000-4000-8000-%012d", 10), syncstate.Record{SyncedAt: time.Now()})
	}
}

func TestTheStoreReadsTheInjectedClock(t *testing.T) {
	srv := redistest.Start(t)
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	store, err := syncstate.Open(srv.URL(), syncstate.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.MarkStateComplete(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RefreshCount(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw := srv.Client(t, 15)
	state, _ := raw.Get(t.Context(), syncstate.StateKey).Result()
	counted, _ := raw.HGet(t.Context(), syncstate.CountKey, "at").Result()
	if !strings.Contains(state, `"at":"2031-05-06T07:08:09Z"`) || counted != "2031-05-06T07:08:09Z" {
		t.Errorf("state marker %s, count cache at %q; want the injected time", state, counted)
	}
}
