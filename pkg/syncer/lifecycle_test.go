package syncer

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// synced creates one Bugsink issue, syncs it (Gitea issue #1) and returns
// its id and the watcher's notification count after the create.
func synced(t *testing.T, e *env, opts Options) (string, int) {
	t.Helper()
	e.bs.AddProject("p-backend", "P")
	id := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", Value: "v", LastSeen: e.now.Add(-time.Hour)})
	if rep := e.run(t, opts); rep.Synced != 1 {
		t.Fatalf("first run synced %d", rep.Synced)
	}
	return id, e.gt.WatcherNotifications()
}

// recurs lets an event arrive a minute later (Bugsink reopens the issue
// when it is resolved) and moves the clock on.
func recurs(e *env, id string) time.Time {
	e.now = e.now.Add(15 * time.Minute)
	at := e.now.Add(-time.Minute)
	e.bs.Ingest(id, at, "")
	return at
}

func regressionComments(e *env, number int) int {
	n := 0
	for _, c := range e.gt.Comments(number) {
		if strings.Contains(c.Body, "<!-- bsync-regression: ") {
			n++
		}
	}
	return n
}

// Both kinds of pass: every run after the first incremental, or every run
// a full pass.
func TestHotErrorWithItsIssueOpenCostsNoCommentAndNoNotification(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: PassIncremental, true: PassFull}[full], func(t *testing.T) { testHotError(t, full) })
	}
}

func testHotError(t *testing.T, full bool) {
	e := newEnv(t)
	opts := Options{FiguresEvery: FiguresEveryRun}
	id, notes := synced(t, e, opts)
	// A person adds to the issue's description; it must survive every run.
	note := "\n\nSeen on staging too; repro in the admin panel.\n"
	e.gt.EditIssueBody(1, e.gt.Issues()[0].Body+note)
	var last time.Time
	for run := 1; run <= 10; run++ {
		last = recurs(e, id)
		rep := e.run(t, Options{Full: full, FiguresEvery: FiguresEveryRun})
		want := map[bool]string{false: PassIncremental, true: PassFull}[full]
		if rep.Recurring != 1 || rep.Regressed != 0 || rep.Skipped != 1 || len(rep.Errors) != 0 || rep.Pass != want {
			t.Fatalf("run %d: recurring %d regressed %d skipped %d errors %v pass %s", run, rep.Recurring, rep.Regressed, rep.Skipped, rep.Errors, rep.Pass)
		}
		if is, _ := e.bs.Issue(id); !is.IsResolved {
			t.Fatalf("run %d: not resolved again in Bugsink", run)
		}
	}
	gi := e.gt.Issues()[0]
	if n := len(e.gt.Comments(1)); n != 0 {
		t.Errorf("%d comments on an open issue whose error keeps happening", n)
	}
	if n := e.gt.WatcherNotifications() - notes; n != 0 {
		t.Errorf("a watcher got %d notifications", n)
	}
	for _, want := range []string{"**Total Occurrences**: 11", "**Last Seen**: " + shown(last),
		"**Last Recurred**: " + shown(e.now) + " (back 10 time(s)", note} {
		if !strings.Contains(gi.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, gi.Body)
		}
	}
	if gi.State != "open" || strings.Count(gi.Body, render.FiguresStart) != 1 || strings.Count(gi.Body, render.Marker(id)) != 1 {
		t.Errorf("state %s, body:\n%s", gi.State, gi.Body)
	}
	if n := e.bs.ResolveCount(id); n != 11 {
		t.Errorf("resolved %d times in Bugsink, want 11 (create + 10 returns)", n)
	}
	entry, _, _ := e.store.Get(t.Context(), id)
	if r := entry.Record; r.Recurrences != 10 || r.Regressions != 0 || r.EventCount != 11 || r.ResolvedAt.IsZero() {
		t.Errorf("record %+v", r)
	}
}

func TestClosedIssueRecurringIsOneCommentAndAReopenPerClose(t *testing.T) {
	e := newEnv(t)
	id, _ := synced(t, e, Options{})
	e.gt.CloseIssueAt(1, e.now) // a person's close notifies too
	notes := e.gt.WatcherNotifications()
	recurs(e, id)
	rep := e.run(t, Options{})
	if rep.Regressed != 1 || rep.Recurring != 0 || !rep.Regressions[0].Reopened {
		t.Fatalf("regressed %d recurring %d %+v", rep.Regressed, rep.Recurring, rep.Regressions)
	}
	if gi := e.gt.Issues()[0]; gi.State != "open" {
		t.Errorf("state %s", gi.State)
	}
	cs := e.gt.Comments(1)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "**New Occurrences**: 1 since") || !strings.Contains(cs[0].Body, "<!-- bsync-regression: "+id) {
		t.Fatalf("comments %+v", cs)
	}
	if n := e.gt.WatcherNotifications() - notes; n != 2 {
		t.Errorf("%d notifications, want 2 (the comment and the reopen)", n)
	}
	// Repeats while it stays open are not news.
	for i := 0; i < 3; i++ {
		recurs(e, id)
		if rep := e.run(t, Options{}); rep.Recurring != 1 || rep.Regressed != 0 {
			t.Fatalf("repeat %d: recurring %d regressed %d", i, rep.Recurring, rep.Regressed)
		}
	}
	if n := len(e.gt.Comments(1)); n != 1 || e.gt.WatcherNotifications()-notes != 2 {
		t.Errorf("after repeats: %d comments, %d notifications", n, e.gt.WatcherNotifications()-notes)
	}
	// A second fix that does not hold is news again.
	e.now = e.now.Add(time.Hour)
	e.gt.CloseIssueAt(1, e.now)
	recurs(e, id)
	if rep := e.run(t, Options{}); rep.Regressed != 1 {
		t.Errorf("second close: regressed %d", rep.Regressed)
	}
	if n := regressionComments(e, 1); n != 2 {
		t.Errorf("%d regression comments after two closes", n)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved || e.bs.ResolveCount(id) != 6 {
		t.Errorf("resolved %v, %d resolves, want 6 (create + 5 returns)", is.IsResolved, e.bs.ResolveCount(id))
	}
	entry, _, _ := e.store.Get(t.Context(), id)
	if entry.Record.Regressions != 2 || entry.Record.Recurrences != 5 {
		t.Errorf("record %+v", entry.Record)
	}
}

func TestWontFixIssueRecurringIsOneCommentAndStaysClosed(t *testing.T) {
	e := newEnv(t)
	opts := Options{WontFixLabels: []string{"wontfix"}, FiguresEvery: FiguresEveryRun}
	id, _ := synced(t, e, opts)
	e.gt.AddIssueLabel(1, e.gt.AddLabel("wontfix", "#000000"))
	e.gt.CloseIssueAt(1, e.now)
	notes := e.gt.WatcherNotifications()
	for i := 0; i < 3; i++ {
		recurs(e, id)
		rep := e.run(t, opts)
		if i == 0 && (rep.Regressed != 1 || !rep.Regressions[0].WontFix || rep.Regressions[0].Reopened) {
			t.Fatalf("first return: %+v", rep.Regressions)
		}
		if i > 0 && (rep.Regressed != 0 || rep.Recurring != 1) {
			t.Fatalf("return %d: regressed %d recurring %d", i, rep.Regressed, rep.Recurring)
		}
	}
	gi := e.gt.Issues()[0]
	if gi.State != "closed" || len(e.gt.Comments(1)) != 1 {
		t.Errorf("state %s, %d comments", gi.State, len(e.gt.Comments(1)))
	}
	if n := e.gt.WatcherNotifications() - notes; n != 1 {
		t.Errorf("%d notifications, want 1 (the comment)", n)
	}
	if !strings.Contains(gi.Body, "**Total Occurrences**: 4") {
		t.Errorf("figures not current:\n%s", gi.Body)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved || e.bs.ResolveCount(id) != 4 {
		t.Errorf("resolved %v, %d resolves, want 4 (create + 3 returns)", is.IsResolved, e.bs.ResolveCount(id))
	}
}

func TestPersonsReopenInBugsinkIsLeftAlone(t *testing.T) {
	e := newEnv(t)
	id, notes := synced(t, e, Options{})
	e.bs.Reopen(id)
	rep := e.run(t, Options{})
	if rep.ReopenedInBugsink != 1 || rep.Resolved != 0 || rep.Projects[0].Reopened != 1 {
		t.Fatalf("reopened_in_bugsink %d re_resolved %d", rep.ReopenedInBugsink, rep.Resolved)
	}
	e.bs.ResetRequests()
	e.gt.ResetRequests()
	for i := 0; i < 3; i++ {
		if rep := e.run(t, Options{}); rep.ReopenedInBugsink != 0 || rep.Skipped != 1 {
			t.Fatalf("later run: reopened_in_bugsink %d skipped %d", rep.ReopenedInBugsink, rep.Skipped)
		}
	}
	if n := e.bs.CountRequests(http.MethodPost, ""); n != 0 {
		t.Errorf("%d writes to Bugsink after a person's reopen", n)
	}
	if n := len(e.gt.Requests()); n != 0 {
		t.Errorf("%d Gitea requests for an issue left alone", n)
	}
	if is, _ := e.bs.Issue(id); is.IsResolved {
		t.Error("a person's reopen was undone")
	}
	// It happens again: the figures follow, the person's decision stands.
	recurs(e, id)
	rep = e.run(t, Options{})
	if rep.Recurring != 1 || e.bs.CountRequests(http.MethodPost, "/resolve") != 0 {
		t.Errorf("recurring %d, resolves %d", rep.Recurring, e.bs.CountRequests(http.MethodPost, "/resolve"))
	}
	if is, _ := e.bs.Issue(id); is.IsResolved || len(e.gt.Comments(1)) != 0 || e.gt.WatcherNotifications() != notes {
		t.Errorf("resolved %v, comments %d, notifications %d", is.IsResolved, len(e.gt.Comments(1)), e.gt.WatcherNotifications()-notes)
	}
}

func TestResolveThatFailedIsRetried(t *testing.T) {
	e := newEnv(t)
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPost, PathContains: "/resolve/", Status: 500, Times: 1})
	id, _ := synced(t, e, Options{})
	if is, _ := e.bs.Issue(id); is.IsResolved {
		t.Fatal("the failed resolve took")
	}
	if rep := e.run(t, Options{}); rep.Resolved != 1 || rep.ReopenedInBugsink != 0 {
		t.Fatalf("re_resolved %d reopened_in_bugsink %d", rep.Resolved, rep.ReopenedInBugsink)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("not resolved on the retry")
	}
}

func TestOldMappingsKeepWorking(t *testing.T) {
	e := newEnv(t)
	id, _ := synced(t, e, Options{})
	// A mapping as an older writer left it (no record of the resolve).
	entry, _, _ := e.store.Get(t.Context(), id)
	old := syncstate.Record{GiteaIssueNumber: 1, SyncedAt: entry.Record.SyncedAt, Project: "p-backend", Title: entry.Record.Title}
	if err := e.store.Put(t.Context(), id, old); err != nil {
		t.Fatal(err)
	}
	e.bs.Reopen(id) // or its resolve never took: the mapping cannot tell
	if rep := e.run(t, Options{}); rep.Resolved != 1 || rep.ReopenedInBugsink != 0 {
		t.Fatalf("re_resolved %d reopened_in_bugsink %d", rep.Resolved, rep.ReopenedInBugsink)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("not resolved again")
	}
	entry, _, _ = e.store.Get(t.Context(), id)
	if entry.Record.ResolvedAt.IsZero() || entry.Record.GiteaIssueNumber != 1 {
		t.Errorf("record %+v", entry.Record)
	}
	// From now on the mapping knows: a reopen is a person's.
	e.bs.Reopen(id)
	if rep := e.run(t, Options{}); rep.ReopenedInBugsink != 1 || rep.Resolved != 0 {
		t.Errorf("re_resolved %d reopened_in_bugsink %d", rep.Resolved, rep.ReopenedInBugsink)
	}
}

func TestFiguresWithoutIntactMarkersAreLeftAlone(t *testing.T) {
	e := newEnv(t)
	id, _ := synced(t, e, Options{})
	mine := "A person rewrote this description; " + render.FiguresStart + " appears only once.\n" + render.Marker(id) + "\n"
	e.gt.EditIssueBody(1, mine)
	recurs(e, id)
	rep := e.run(t, Options{})
	if rep.Recurring != 1 || len(rep.Errors) != 0 {
		t.Fatalf("recurring %d errors %v", rep.Recurring, rep.Errors)
	}
	if b := e.gt.Issues()[0].Body; b != mine {
		t.Errorf("a person's body was rewritten:\n%s", b)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "no longer kept current") {
		t.Errorf("warnings %q, want one about the broken markers", rep.Warnings)
	}
	// A body with no markers at all (an issue from before them) is quiet.
	e.gt.EditIssueBody(1, "old description\n"+render.Marker(id)+"\n")
	recurs(e, id)
	if rep := e.run(t, Options{}); len(rep.Warnings) != 0 {
		t.Errorf("warnings %q for an issue without markers", rep.Warnings)
	}
}

func TestNextReleaseModeFollowsBugsinkReleases(t *testing.T) {
	e := newEnv(t)
	opts := Options{ResolveMode: ResolveNextRelease}
	e.bs.AddProject("p-backend", "P")
	id := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-2 * time.Hour)})
	e.bs.Ingest(id, e.now.Add(-time.Hour), "1.0")
	if rep := e.run(t, opts); rep.Synced != 1 || e.bs.CountRequests(http.MethodPost, "/resolve-next/") != 1 {
		t.Fatalf("synced %d, resolve-next %d", rep.Synced, e.bs.CountRequests(http.MethodPost, "/resolve-next/"))
	}
	// More of the same release: Bugsink keeps it resolved, nothing to do.
	e.now = e.now.Add(15 * time.Minute)
	if e.bs.Ingest(id, e.now, "1.0") {
		t.Fatal("an event of the known release reopened it")
	}
	if rep := e.run(t, opts); rep.Recurring != 0 || rep.Skipped != 0 {
		t.Errorf("recurring %d skipped %d", rep.Recurring, rep.Skipped)
	}
	// A newer release: it is back.
	recursAt := e.now.Add(time.Minute)
	e.now = e.now.Add(15 * time.Minute)
	if !e.bs.Ingest(id, recursAt, "1.1") {
		t.Fatal("an event of a newer release did not reopen it")
	}
	if rep := e.run(t, opts); rep.Recurring != 1 || len(e.gt.Comments(1)) != 0 {
		t.Errorf("recurring %d, comments %d", rep.Recurring, len(e.gt.Comments(1)))
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved || e.bs.CountRequests(http.MethodPost, "/resolve-next/") != 2 || e.bs.CountRequests(http.MethodPost, "/resolve/") != 0 {
		t.Errorf("resolved %v, resolve-next %d, resolve %d", is.IsResolved, e.bs.CountRequests(http.MethodPost, "/resolve-next/"), e.bs.CountRequests(http.MethodPost, "/resolve/"))
	}
	if !strings.Contains(e.gt.Issues()[0].Body, "**Total Occurrences**: 4") {
		t.Errorf("figures:\n%s", e.gt.Issues()[0].Body)
	}
}

func TestNextReleaseWithoutReleasesNeverComesBack(t *testing.T) {
	e := newEnv(t)
	opts := Options{ResolveMode: ResolveNextRelease}
	id, _ := synced(t, e, opts)
	for i := 0; i < 3; i++ {
		if recurs(e, id); e.run(t, opts).Recurring != 0 {
			t.Fatal("came back without a release")
		}
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved || is.DigestedEventCount != 4 {
		t.Errorf("resolved %v, count %d", is.IsResolved, is.DigestedEventCount)
	}
}

// shown is a time as an issue body shows it.
func shown(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" }
