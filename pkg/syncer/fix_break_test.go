package syncer

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/httpfault"
)

// Attempts to get a false or a missed regression out of "a fix is a fix
// until it ships", on the fakes where they inject faults.

// A Gitea compare that fails through its retries (a restart, an outage)
// is no answer about the release: the return waits for the next run
// instead of being reported as a regression it may not be.
func TestFixBreakCompareServerErrorIsNoRegression(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	recursOn(e, id, "1.0.0", time.Minute)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: http.StatusBadGateway, PathContains: "/compare/", Times: 50})
	rep := e.run(t, Options{})
	if rep.Regressed != 0 || len(rep.Errors) != 1 || rep.Errors[0].Stage != StageFix {
		t.Fatalf("compare failing: regressed %d awaiting %d errors %v", rep.Regressed, rep.AwaitingFix, rep.Errors)
	}
	if gi := e.gt.Issues()[0]; gi.State != "closed" || regressionComments(e, 1) != 0 {
		t.Fatalf("a failed compare touched the fixed issue: %s, %d comments", gi.State, regressionComments(e, 1))
	}
	e.gt.Faults.Clear()
	runExpect(t, e, "the next run, compare answering", 1, 0)
}

// The same for Bugsink's release list when the issue was closed by hand.
func TestFixBreakReleaseListServerErrorIsNoRegression(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.SetIssueState(1, "closed")
	recursOn(e, id, "1.0.0", time.Minute)
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: http.StatusInternalServerError, PathContains: "/releases/", Times: 50})
	rep := e.run(t, Options{})
	if rep.Regressed != 0 || len(rep.Errors) != 1 || rep.Errors[0].Stage != StageFix {
		t.Fatalf("release list failing: regressed %d awaiting %d errors %v", rep.Regressed, rep.AwaitingFix, rep.Errors)
	}
	e.bs.Faults.Clear()
	runExpect(t, e, "the next run, releases answering", 1, 0)
}

// A token without read:repository (supported: the report warns, issues
// carry no code links) cannot read the pull request that closed an issue
// nor compare releases with a fix. That is no reason to stop the run, nor
// to call the old release's return a regression: the release is judged by
// when Bugsink first saw it, as for a close by hand.
func TestFixBreakTokenWithoutReadRepository(t *testing.T) {
	for name, closeIt := range map[string]func(e *env){
		"pull request": func(e *env) { e.gt.CloseByPullRequest(1, fixSHA) },
		"commit":       func(e *env) { e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1") },
	} {
		t.Run(name, func(t *testing.T) {
			e, id := fixEnv(t)
			e.gt.ContainCommits("v1.0.0")
			e.gt.ContainCommits("v1.0.1", fixSHA)
			e.gc = gitea.New(e.gt.URL, giteatest.IssueOnlyToken, "acme", "app", apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond, Timeout: 2 * time.Second})
			closeIt(e)
			e.now = e.now.Add(time.Minute)
			recursOn(e, id, "1.0.0", time.Second)
			rep, err := e.engine(Options{}).Run(t.Context())
			if err != nil {
				t.Fatalf("the run stopped: %v", err)
			}
			if rep.AwaitingFix != 1 || rep.Regressed != 0 || len(rep.Errors) != 0 {
				t.Fatalf("the old release without read:repository: awaiting %d regressed %d errors %v warnings %v", rep.AwaitingFix, rep.Regressed, rep.Errors, rep.Warnings)
			}
			recursOn(e, id, "1.0.1", time.Second)
			runExpect(t, e, "a release first seen after the close", 0, 1)
		})
	}
}

// A release named after a branch is no fixed point: Gitea's compare
// resolves the branch at its commit now, which contains a fix pushed after
// the old deployment was built. It is judged by date (the real pair:
// TestRealFixBreakBranchRelease).
func TestFixBreakBranchReleaseIsJudgedByDate(t *testing.T) {
	e := newEnv(t)
	// An hour ago on the wall clock (the fake closes issues at the time of
	// the call): release main is first seen well before the close.
	e.now = time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	id, _ := synced(t, e, Options{})
	e.gt.Commit("main", map[string]string{"shop/price.py": "def price(s): ...\n"})
	recursOn(e, id, "main", 0)
	if rep := e.run(t, Options{}); rep.Recurring != 1 {
		t.Fatalf("setup: recurring %d errors %v", rep.Recurring, rep.Errors)
	}
	fix := e.gt.Commit("main", map[string]string{"shop/price.py": "def price(s): return float(s)\n"})
	e.gt.CloseByCommit(1, fix, "Fix price parsing, fixes #1")
	e.now = time.Now().UTC().Add(time.Minute)
	recursOn(e, id, "main", time.Second)
	runExpect(t, e, "the old deployment of main", 1, 0)
}

// An issue awaiting its fix is left unresolved in Bugsink: its later
// events are no return "after being resolved", and the figures may not
// count each run that saw one as such.
func TestFixBreakAwaitingRunsAreNoRecurrences(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	e.now = e.now.Add(time.Minute)
	before := recurrences(t, e, id)
	for run := 1; run <= 3; run++ {
		recursOn(e, id, "1.0.0", time.Second)
		if rep := e.run(t, Options{FiguresEvery: FiguresEveryRun}); rep.AwaitingFix != 1 {
			t.Fatalf("run %d: awaiting %d errors %v", run, rep.AwaitingFix, rep.Errors)
		}
	}
	// Resolved after the setup's return, it came back once.
	if n := recurrences(t, e, id); n != before+1 {
		t.Errorf("recurrences %d after three runs awaiting the fix, want %d", n, before+1)
	}
	if body := e.gt.Issues()[0].Body; !strings.Contains(body, fmt.Sprintf("(back %d time(s) after being resolved in Bugsink)", before+1)) {
		t.Errorf("the figures count the runs awaiting the fix as returns after a resolve:\n%s", body)
	}
	recursOn(e, id, "1.0.1", time.Second)
	if rep := e.run(t, Options{}); rep.Regressed != 1 {
		t.Fatalf("regressed %d errors %v", rep.Regressed, rep.Errors)
	}
	if n := recurrences(t, e, id); n != before+1 {
		t.Errorf("recurrences %d after the regression of an issue left unresolved, want %d", n, before+1)
	}
}

func recurrences(t *testing.T, e *env, id string) int {
	t.Helper()
	entry, _, err := e.store.Get(t.Context(), id)
	if err != nil || entry.Record == nil {
		t.Fatalf("read the mapping of %s: %v", id, err)
	}
	return entry.Record.Recurrences
}

// An issue whose timeline is longer than the client reads (a bot's
// comments) is not stuck at stage fix on every run: what closed it is
// read from the entries since the close.
func TestFixBreakLongTimelineIsNotStuck(t *testing.T) {
	e, id := fixEnv(t)
	hourAgo := time.Now().UTC().Add(-time.Hour)
	e.gt.SetClock(func() time.Time { return hourAgo })
	for i := range 20 * 50 {
		if _, err := e.gc.Comment(t.Context(), 1, fmt.Sprintf("build %d passed", i)); err != nil {
			t.Fatal(err)
		}
	}
	e.gt.SetClock(nil)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	e.now = e.now.Add(time.Minute)
	recursOn(e, id, "1.0.0", time.Second)
	runExpect(t, e, "a long timeline", 1, 0)
	recursOn(e, id, "1.0.1", time.Second)
	runExpect(t, e, "a long timeline, the fixed release", 0, 1)
}

// Two issues of two projects closed by hand in one second (Gitea's bulk
// close), whose events name the same release: a release is judged by
// date in its own project, where Bugsink may have first seen it before
// the close in one and after it in the other.
func TestFixBreakBulkCloseAcrossProjects(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	e.bs.AddProject("p-backend", "P")
	e.bs.AddProject("p-frontend", "F")
	back := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", Value: "v", LastSeen: e.now.Add(-time.Hour)})
	front := e.bs.AddIssue("p-frontend", bugsinktest.IssueSpec{Type: "F", Value: "w", LastSeen: e.now.Add(-time.Hour)})
	recursOn(e, back, "1.0.0", 0) // the backend runs 1.0.0 before the close
	if rep := e.run(t, Options{}); rep.Synced != 2 || len(rep.Errors) != 0 {
		t.Fatalf("setup: synced %d errors %v", rep.Synced, rep.Errors)
	}
	closed := time.Now().UTC().Truncate(time.Second)
	e.gt.CloseIssueAt(1, closed)
	e.gt.CloseIssueAt(2, closed)
	e.now = closed.Add(time.Minute)
	recursOn(e, back, "1.0.0", 0)
	recursOn(e, front, "1.0.0", 0) // the frontend's first 1.0.0, after the close
	rep := e.run(t, Options{})
	if rep.Regressed != 1 || rep.AwaitingFix != 1 || len(rep.Errors) != 0 {
		t.Fatalf("one release name in two projects: regressed %d awaiting %d errors %v warnings %v", rep.Regressed, rep.AwaitingFix, rep.Errors, rep.Warnings)
	}
	for _, r := range rep.Regressions {
		if r.BugsinkIssueID != front {
			t.Errorf("the backend's old release was reported as a regression: %+v", r)
		}
	}
}
