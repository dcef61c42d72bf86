package syncer

import (
	"sync"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// An interrupted create whose issue crosses BSYNC_MAX_AGE between its
// listing and its create (the queue under --max-create is created after
// every project was listed) is still looked for in Gitea first: the
// listing found it young enough, and the Gitea issue the interrupted run
// made is adopted, never filed a second time.
func TestInterruptedCreateCrossingMaxAgeIsAdoptedNotDuplicated(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("shop-backend", "Shop")
	const maxAge = 24 * time.Hour
	// Young enough at the listing, by half an hour.
	id := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "crash", LastSeen: e.now.Add(-maxAge + 30*time.Minute)})
	if err := e.store.Reserve(t.Context(), id, syncstate.Reservation{At: e.now.Add(-time.Hour), Run: "dead"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "[E] crash", Body: "body\n\n" + render.Marker(id) + "\n"}); err != nil {
		t.Fatal(err)
	}
	// A mapped issue whose resolve did not take: worked on while the page
	// is listed, so the clock moves on before the queue is created.
	other := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "F", Value: "other", LastSeen: e.now.Add(-time.Hour)})
	if err := e.store.Commit(t.Context(), other, syncstate.Record{GiteaIssueNumber: 99, LastSeen: e.now.Add(-time.Hour), SyncedAt: e.now.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkStateComplete(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := e.now
	eng := e.engine(Options{MaxCreate: 5, MaxAge: maxAge})
	eng.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	eng.Opts.Progress = func(string, int, int) { mu.Lock(); now = e.now.Add(time.Hour); mu.Unlock() }
	rep, err := eng.Run(t.Context())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := e.markerCount()[id]; n != 1 {
		t.Fatalf("%d gitea issues carry the marker of %s, want 1 (report: synced %d adopted %d below %d)", n, id, rep.Synced, rep.Adopted, rep.BelowThreshold)
	}
	if rep.Adopted != 1 {
		t.Errorf("adopted %d, want the interrupted create's issue taken over", rep.Adopted)
	}
}
