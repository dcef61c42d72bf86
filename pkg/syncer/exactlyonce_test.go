package syncer

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/httpfault"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// markerCount returns how many Gitea issues carry each Bugsink issue's marker.
func (e *env) markerCount() map[string]int {
	out := map[string]int{}
	for _, gi := range e.gt.Issues() {
		for _, m := range reMarker.FindAllStringSubmatch(gi.Body, -1) {
			out[m[1]]++
		}
	}
	return out
}

func (e *env) pendingKeys(t *testing.T) []string {
	keys, err := e.redis.Client(t, 15).Keys(t.Context(), syncstate.PendingPrefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// assertExactlyOnce checks every wanted issue has one Gitea issue and one
// mapping pointing at it, and that no reservation is left.
func (e *env) assertExactlyOnce(t *testing.T, wanted []string) {
	t.Helper()
	counts := e.markerCount()
	issues := e.gt.Issues()
	for _, id := range wanted {
		if counts[id] != 1 {
			t.Errorf("%s has %d gitea issues", id, counts[id])
		}
		entry, ok, err := e.store.Get(t.Context(), id)
		if err != nil || !ok || entry.Record == nil {
			t.Errorf("%s not mapped (%v)", id, err)
			continue
		}
		n := entry.Record.GiteaIssueNumber
		if n < 1 || n > len(issues) || !strings.Contains(issues[n-1].Body, render.Marker(id)) {
			t.Errorf("%s maps to #%d, which is not its issue", id, n)
		}
	}
	if p := e.pendingKeys(t); len(p) != 0 {
		t.Errorf("reservations left behind: %v", p)
	}
}

func seedProject(e *env, n int) []string {
	e.bs.AddProject("shop-backend", "Shop")
	var ids []string
	for i := 0; i < n; i++ {
		ids = append(ids, e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "v", LastSeen: e.now.Add(-time.Hour)}))
	}
	return ids
}

func TestCrashBetweenCreateAndRecordIsAdoptedNotDuplicated(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 2)
	e.run(t, Options{}) // state complete, both synced
	// A third issue: a run created its Gitea issue and died before recording.
	id := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "crash"})
	if err := e.store.Reserve(t.Context(), id, syncstate.Reservation{At: e.now, Run: "dead"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "[E] crash", Body: "body\n\n" + render.Marker(id) + "\n"}); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, Options{})
	if rep.Synced != 1 || rep.Adopted != 1 || !rep.Created[0].Adopted || rep.Created[0].GiteaIssueNumber != 3 {
		t.Fatalf("report %+v", rep.Created)
	}
	e.assertExactlyOnce(t, append(ids, id))
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("adopted issue not resolved")
	}
}

func TestReservationWithoutGiteaIssueCreatesOnce(t *testing.T) {
	e := newEnv(t)
	e.gt.Close()
	ids := seedProject(e, 1)
	e.gt = newGitea(t, e, 5*time.Second) // a slow search index: the DB walk must find nothing and not block
	e.run(t, Options{})
	id := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E"})
	e.store.Reserve(t.Context(), id, syncstate.Reservation{At: e.now}, nil)
	// Within the grace the issue waits: the create may still be landing.
	if rep := e.run(t, Options{}); rep.Deferred != 1 || rep.Synced != 0 || len(e.gt.Issues()) != 1 {
		t.Fatalf("within the grace: deferred %d synced %d", rep.Deferred, rep.Synced)
	}
	e.now = e.now.Add(DefaultPendingGrace)
	rep := e.run(t, Options{})
	if rep.Synced != 1 || rep.Adopted != 0 {
		t.Fatalf("synced %d adopted %d", rep.Synced, rep.Adopted)
	}
	e.assertExactlyOnce(t, append(ids, id))
}

func TestLostAnswerOnCreateIsFoundDespiteIndexLag(t *testing.T) {
	e := newEnv(t)
	e.gt.Close()
	e.gt = newGitea(t, e, 2*time.Second) // bleve-like lag: search cannot see the new issue yet
	ids := seedProject(e, 3)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.DropAfter, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	rep := e.run(t, Options{Concurrency: 1})
	if rep.Synced != 3 || rep.Failed != 0 || rep.Adopted != 1 {
		t.Fatalf("synced %d failed %d adopted %d errors %+v", rep.Synced, rep.Failed, rep.Adopted, rep.Errors)
	}
	e.assertExactlyOnce(t, ids)
}

func TestAmbiguousCreateFailureKeepsReservationAndNextRunCreatesOnce(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 2)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 502, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	rep := e.run(t, Options{Concurrency: 1})
	if rep.Failed != 1 || len(e.pendingKeys(t)) != 1 {
		t.Fatalf("failed %d, reservations %v", rep.Failed, e.pendingKeys(t))
	}
	e.now = e.now.Add(time.Hour)
	rep2 := e.run(t, Options{})
	if rep2.Synced != 1 || rep2.Adopted != 0 {
		t.Fatalf("second run synced %d adopted %d", rep2.Synced, rep2.Adopted)
	}
	e.assertExactlyOnce(t, ids)
}

func TestDefiniteCreateFailureClearsReservation(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 1)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 422, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	rep := e.run(t, Options{})
	if rep.Failed != 1 || len(e.pendingKeys(t)) != 0 {
		t.Errorf("failed %d, reservations %v", rep.Failed, e.pendingKeys(t))
	}
}

func TestSyncAfterWipeDoesNotDuplicate(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	e.run(t, Options{})
	var wanted []string
	for _, id := range e.bs.IssueIDs() {
		if e.markerCount()[id] == 1 {
			wanted = append(wanted, id)
		}
	}
	// Redis loses everything; Bugsink reopens two issues (one regressed,
	// one whose resolve never took) and a new one appears.
	e.redis.Client(t, 15).FlushDB(t.Context())
	e.bs.Reopen(wanted[0])
	e.bs.Regress(wanted[1], time.Now().Add(time.Hour)) // after the Gitea issue was created (real clock)
	fresh := e.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "new"})
	rep := e.run(t, Options{})
	if rep.Reindex == nil || rep.Reindex.Found != 10 || rep.Reindex.Written != 10 {
		t.Fatalf("reindex %+v", rep.Reindex)
	}
	if rep.Synced != 1 || rep.Created[0].BugsinkIssueID != fresh {
		t.Errorf("synced %d: %+v", rep.Synced, rep.Created)
	}
	if rep.Recurring != 1 || rep.Resolved != 1 {
		t.Errorf("recurring %d re-resolved %d", rep.Recurring, rep.Resolved)
	}
	e.assertExactlyOnce(t, append(wanted, fresh))
}

func TestReindexNeverOverwritesAndReportsDuplicates(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 3)
	e.run(t, Options{})
	// A hand-made duplicate of the first issue, and a mapping that points elsewhere.
	e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "dup", Body: render.Marker(ids[0]) + "\n"})
	e.store.Put(t.Context(), ids[1], syncstate.Record{GiteaIssueNumber: 99, SyncedAt: e.now})
	e.store.Delete(t.Context(), []string{ids[2]})
	rr, _, err := e.engine(Options{}).Reindex(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if rr.Scanned != 4 || rr.Found != 3 || rr.Written != 1 || rr.Existing != 1 || len(rr.Conflicts) != 1 || len(rr.Duplicates) != 1 {
		t.Fatalf("reindex %+v", rr)
	}
	if c := rr.Conflicts[0]; c.BugsinkIssueID != ids[1] || c.MappedNumber != 99 {
		t.Errorf("conflict %+v", c)
	}
	if entry, _, _ := e.store.Get(t.Context(), ids[1]); entry.Record.GiteaIssueNumber != 99 {
		t.Error("reindex overwrote a mapping")
	}
	if entry, _, _ := e.store.Get(t.Context(), ids[2]); entry.Record == nil || entry.Record.Project != "shop-backend" {
		t.Errorf("rebuilt record %+v", entry.Record)
	}
}

func TestBackLinkOnceAndBestEffort(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 3)
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 500, PathContains: "/issue-comments/", Times: 1})
	rep := e.run(t, Options{BackLink: true, Concurrency: 1})
	if rep.Synced != 3 || rep.Failed != 0 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "back-link") {
		t.Fatalf("synced %d failed %d warnings %v", rep.Synced, rep.Failed, rep.Warnings)
	}
	cs := e.bs.Comments()
	if len(cs) != 2 || !strings.Contains(cs[0].Comment, "/issues/") {
		t.Errorf("comments %+v", cs)
	}
	e.run(t, Options{BackLink: true})
	if len(e.bs.Comments()) != 2 {
		t.Error("back-links repeated on the next run")
	}
	e2 := newEnv(t)
	seedProject(e2, 1)
	e2.run(t, Options{BackLink: false})
	if len(e2.bs.Comments()) != 0 {
		t.Error("back-link left although switched off")
	}
}

// failingStore fails Reserve after n successful calls.
type failingStore struct {
	StateStore
	left atomic.Int32
}

func (f *failingStore) Reserve(ctx context.Context, id string, r syncstate.Reservation, replaces *syncstate.Reservation) error {
	if f.left.Add(-1) < 0 {
		return errors.New("redis: connection refused")
	}
	return f.StateStore.Reserve(ctx, id, r, replaces)
}

func TestStateFailureMidRunStopsGiteaWrites(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 6)
	fs := &failingStore{StateStore: e.store}
	fs.left.Store(2)
	eng := e.engine(Options{Concurrency: 1})
	eng.State = fs
	rep, err := eng.Run(t.Context())
	var fe *FatalError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want FatalError", err)
	}
	if n := len(e.gt.Issues()); n != 2 || rep.Synced != 2 {
		t.Errorf("%d gitea issues (synced %d) after the state failed on the third; want 2", n, rep.Synced)
	}
}
