package syncer

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/httpfault"
)

// Gitea's API takes no precondition on a body edit, so bsync reads the
// issue again right before writing its figures: a person's edit that lands
// between bsync's first read and its write is kept, and the next run
// updates the figures around it.
func TestPersonsEditBetweenReadAndWriteIsNotOverwritten(t *testing.T) {
	e := newEnv(t)
	opts := Options{FiguresEvery: FiguresEveryRun}
	id, _ := synced(t, e, opts)
	var mine string
	reads := 0
	e.gt.OnIssueRead(func(is *giteatest.Issue, _ int) {
		if reads++; reads == 2 {
			mine = is.Body + "\nA person's note, saved while bsync was at work.\n"
			is.Body = mine
		}
	})
	recurs(e, id)
	if rep := e.run(t, opts); rep.Recurring != 1 || len(rep.Errors) != 0 {
		t.Fatalf("recurring %d errors %v", rep.Recurring, rep.Errors)
	}
	if reads != 2 {
		t.Fatalf("%d reads of the issue, want 2 (the issue, then again before the write)", reads)
	}
	if got := e.gt.Issues()[0].Body; got != mine {
		t.Fatalf("a person's edit was overwritten:\n%s", got)
	}
	recurs(e, id)
	e.run(t, opts)
	got := e.gt.Issues()[0].Body
	if !strings.Contains(got, "A person's note") || !strings.Contains(got, "**Total Occurrences**: 3") {
		t.Errorf("the next run did not update the figures around the person's note:\n%s", got)
	}
}

// Each figures rewrite fires Gitea's "issues: edited" webhook: a hot error
// rewrites them at most once per FiguresEvery, but a regression's at once.
func TestFiguresAreRewrittenAtMostOncePerInterval(t *testing.T) {
	e := newEnv(t)
	opts := Options{FiguresEvery: time.Hour}
	id, _ := synced(t, e, opts)
	e.gt.ResetRequests()
	for run := 1; run <= 10; run++ { // 15 minutes apart: 2.5 hours
		recurs(e, id)
		if rep := e.run(t, opts); rep.Recurring != 1 {
			t.Fatalf("run %d: recurring %d", run, rep.Recurring)
		}
	}
	// Written at 0:15, then not before 1:15 and 2:15.
	if n := e.gt.CountRequests(http.MethodPatch, "/issues/1"); n != 3 {
		t.Errorf("%d body edits in 2.5 hours at one per hour, want 3", n)
	}
	if b := e.gt.Issues()[0].Body; !strings.Contains(b, "**Total Occurrences**: 10") {
		t.Errorf("figures of 2:15 not written:\n%s", b)
	}
	// A regression is news: its figures are written at once.
	e.gt.CloseIssueAt(1, e.now)
	recurs(e, id)
	if rep := e.run(t, opts); rep.Regressed != 1 {
		t.Fatalf("regressed %d", rep.Regressed)
	}
	if b := e.gt.Issues()[0].Body; !strings.Contains(b, "**Total Occurrences**: 12") {
		t.Errorf("a regression's figures were held back:\n%s", b)
	}
}

// In next-release mode Bugsink keeps digesting events of the known release
// while the issue is resolved, so last_seen grows; a person's Reopen then
// is not a return of the error.
func TestNextReleasePersonsReopenIsNotARecurrence(t *testing.T) {
	e := newEnv(t)
	opts := Options{ResolveMode: ResolveNextRelease, FiguresEvery: FiguresEveryRun}
	e.bs.AddProject("p-backend", "P")
	id := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-2 * time.Hour)})
	e.bs.Ingest(id, e.now.Add(-time.Hour), "1.0")
	if rep := e.run(t, opts); rep.Synced != 1 {
		t.Fatalf("synced %d", rep.Synced)
	}
	e.now = e.now.Add(15 * time.Minute)
	if e.bs.Ingest(id, e.now.Add(-time.Minute), "1.0") {
		t.Fatal("an event of the known release reopened it")
	}
	e.bs.Reopen(id)
	notes := e.gt.WatcherNotifications()
	rep := e.run(t, opts)
	if rep.ReopenedInBugsink != 1 || rep.Recurring != 0 || rep.Regressed != 0 || len(rep.Errors) != 0 {
		t.Fatalf("reopened_in_bugsink %d recurring %d regressed %d errors %v", rep.ReopenedInBugsink, rep.Recurring, rep.Regressed, rep.Errors)
	}
	if is, _ := e.bs.Issue(id); is.IsResolved || e.bs.CountRequests(http.MethodPost, "/resolve-next/") != 1 {
		t.Errorf("a person's reopen was undone (resolved %v, resolve-next %d)", is.IsResolved, e.bs.CountRequests(http.MethodPost, "/resolve-next/"))
	}
	if n := len(e.gt.Comments(1)); n != 0 || e.gt.WatcherNotifications() != notes {
		t.Errorf("%d comments, %d notifications", n, e.gt.WatcherNotifications()-notes)
	}
	// Later runs with no new event: nothing to count.
	if rep := e.run(t, opts); rep.Recurring != 0 || rep.ReopenedInBugsink != 0 {
		t.Errorf("later run: recurring %d reopened_in_bugsink %d", rep.Recurring, rep.ReopenedInBugsink)
	}
}

// A newer release after bsync's resolve-next is a recurrence, as before.
func TestNextReleaseNewerReleaseIsARecurrence(t *testing.T) {
	e := newEnv(t)
	opts := Options{ResolveMode: ResolveNextRelease, FiguresEvery: FiguresEveryRun}
	e.bs.AddProject("p-backend", "P")
	id := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-2 * time.Hour)})
	e.bs.Ingest(id, e.now.Add(-time.Hour), "1.0")
	e.run(t, opts)
	entry, _, _ := e.store.Get(t.Context(), id)
	if r := entry.Record.ResolvedRelease; r == nil || *r != "1.0" {
		t.Fatalf("resolved release %v", r)
	}
	e.now = e.now.Add(15 * time.Minute)
	if !e.bs.Ingest(id, e.now.Add(-time.Minute), "1.1") {
		t.Fatal("a newer release did not reopen it")
	}
	if rep := e.run(t, opts); rep.Recurring != 1 || rep.ReopenedInBugsink != 0 {
		t.Errorf("recurring %d reopened_in_bugsink %d", rep.Recurring, rep.ReopenedInBugsink)
	}
	entry, _, _ = e.store.Get(t.Context(), id)
	if r := entry.Record.ResolvedRelease; r == nil || *r != "1.1" {
		t.Errorf("resolved release after the return %v", r)
	}
}

// Gitea answers closed_at null for a closed issue without a close time:
// each new close must still be news once, and bsync's own writes on a
// won't-fix issue that stays closed must not look like a new close.
func TestCloseWithoutClosedAtIsReportedPerClose(t *testing.T) {
	e := newEnv(t)
	opts := Options{WontFixLabels: []string{"wontfix"}, FiguresEvery: FiguresEveryRun}
	id, _ := synced(t, e, opts)
	e.gt.CloseIssueAt(1, e.now)
	e.gt.ClearClosedAt(1)
	recurs(e, id)
	if rep := e.run(t, opts); rep.Regressed != 1 {
		t.Fatalf("first close: regressed %d", rep.Regressed)
	}
	e.now = e.now.Add(time.Hour)
	e.gt.CloseIssueAt(1, e.now)
	e.gt.ClearClosedAt(1)
	recurs(e, id)
	if rep := e.run(t, opts); rep.Regressed != 1 {
		t.Fatalf("second close: regressed %d", rep.Regressed)
	}
	if n := regressionComments(e, 1); n != 2 {
		t.Errorf("%d regression comments after two closes", n)
	}
	// Won't fix: it stays closed, and bsync's comment and figures edits
	// (which move updated_at) are no new close.
	e.gt.AddIssueLabel(1, e.gt.AddLabel("wontfix", "#000000"))
	e.now = e.now.Add(time.Hour)
	e.gt.CloseIssueAt(1, e.now)
	e.gt.ClearClosedAt(1)
	for i := 0; i < 3; i++ {
		recurs(e, id)
		rep := e.run(t, opts)
		if want := map[bool]int{true: 1, false: 0}[i == 0]; rep.Regressed != want {
			t.Fatalf("won't-fix return %d: regressed %d", i, rep.Regressed)
		}
	}
	if n := regressionComments(e, 1); n != 3 {
		t.Errorf("%d regression comments, want 3", n)
	}
}

// A person reopened the Gitea issue before bsync could comment on its
// close: that close is over. No comment about it is written later, and
// nothing claims bsync reopened it.
func TestPersonsGiteaReopenBeforeTheCommentDropsThatClose(t *testing.T) {
	e := newEnv(t)
	opts := Options{FiguresEvery: FiguresEveryRun}
	id, _ := synced(t, e, opts)
	e.gt.CloseIssueAt(1, e.now)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPost, PathContains: "/comments", Status: 422, Times: 1})
	recurs(e, id)
	if rep := e.run(t, opts); rep.Regressed != 0 || len(rep.Errors) != 1 {
		t.Fatalf("regressed %d errors %v", rep.Regressed, rep.Errors)
	}
	e.gt.SetIssueState(1, "open") // a person
	e.now = e.now.Add(30 * 24 * time.Hour)
	recurs(e, id)
	rep := e.run(t, opts)
	if rep.Regressed != 0 || rep.Recurring != 1 || len(rep.Errors) != 0 {
		t.Fatalf("regressed %d recurring %d errors %v", rep.Regressed, rep.Recurring, rep.Errors)
	}
	if n := len(e.gt.Comments(1)); n != 0 {
		t.Errorf("%d comments about a close a person had answered a month ago", n)
	}
	entry, _, _ := e.store.Get(t.Context(), id)
	if r := entry.Record; r.PendingClose != "" || r.ReopeningClose != "" {
		t.Errorf("record %+v", r)
	}
}

// bsync commented, its reopen was refused, and a person reopened the
// issue: the regression is counted once, not as bsync's reopen.
func TestPersonsGiteaReopenAfterTheCommentIsNotBsyncs(t *testing.T) {
	e := newEnv(t)
	opts := Options{FiguresEvery: FiguresEveryRun}
	id, _ := synced(t, e, opts)
	e.gt.CloseIssueAt(1, e.now)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPatch, PathContains: "/issues/1", Status: 403, Times: 1})
	recurs(e, id)
	if rep := e.run(t, opts); rep.Regressed != 0 || len(rep.Errors) != 1 || rep.Errors[0].Stage != "regression_reopen" {
		t.Fatalf("regressed %d errors %v", rep.Regressed, rep.Errors)
	}
	e.gt.SetIssueState(1, "open") // a person
	recurs(e, id)
	rep := e.run(t, opts)
	if rep.Regressed != 1 || rep.Regressions[0].Reopened {
		t.Fatalf("regressed %d %+v", rep.Regressed, rep.Regressions)
	}
	if n := regressionComments(e, 1); n != 1 {
		t.Errorf("%d regression comments", n)
	}
}

// A run stopped right after bsync's own reopen: the next run counts it as
// bsync's.
func TestBsyncsReopenFinishedByTheNextRun(t *testing.T) {
	e := newEnv(t)
	opts := Options{FiguresEvery: FiguresEveryRun}
	id, _ := synced(t, e, opts)
	e.gt.CloseIssueAt(1, e.now)
	// The answer to the reopen is lost after Gitea did it.
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPatch, PathContains: "/issues/1", Status: 500, Times: 10})
	recurs(e, id)
	e.run(t, opts)
	e.gt.SetIssueState(1, "open") // as the lost request did
	e.gt.Faults.Clear()
	recurs(e, id)
	rep := e.run(t, opts)
	if rep.Regressed != 1 || !rep.Regressions[0].Reopened {
		t.Fatalf("regressed %d %+v", rep.Regressed, rep.Regressions)
	}
	if n := regressionComments(e, 1); n != 1 {
		t.Errorf("%d regression comments", n)
	}
}

// Left unset, FiguresEvery is DefaultFiguresEvery.
func TestFiguresEveryDefaultsToSixHours(t *testing.T) {
	e := newEnv(t)
	id, _ := synced(t, e, Options{})
	e.gt.ResetRequests()
	for run := 1; run <= 25; run++ { // 15 minutes apart: 6h15
		recurs(e, id)
		e.run(t, Options{})
	}
	// Written at 0:15 and 6:15.
	if n := e.gt.CountRequests(http.MethodPatch, "/issues/1"); n != 2 {
		t.Errorf("%d body edits in 6h15, want 2", n)
	}
}
