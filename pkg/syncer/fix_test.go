package syncer

import (
	"strings"
	"testing"
	"time"
)

// A fix is a fix until it ships (docs/regressions.md): on the fakes, held
// to Gitea 1.25.4's timeline and compare and Bugsink 2.5.0's release list.

const fixSHA = "6d732a7e1ed65b6c94c85852ec7f1f6d8485bd4e"

// fixEnv is an env on the wall clock (the fake Gitea closes issues at the
// time of the call) with one issue synced as Gitea #1, its event from
// release 1.0.0.
func fixEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	e.now = time.Now().UTC().Truncate(time.Second)
	id, _ := synced(t, e, Options{})
	recursOn(e, id, "1.0.0", 0)
	if rep := e.run(t, Options{}); rep.Recurring != 1 {
		t.Fatalf("setup: recurring %d, want 1", rep.Recurring)
	}
	return e, id
}

// runExpect runs a sync and fails unless it counted awaiting returns
// awaiting their fix and regressed regressions, with no error.
func runExpect(t *testing.T, e *env, what string, awaiting, regressed int) *Report {
	t.Helper()
	rep := e.run(t, Options{})
	if rep.AwaitingFix != awaiting || rep.Regressed != regressed || len(rep.Errors) != 0 {
		t.Fatalf("%s: awaiting %d regressed %d errors %v; want awaiting %d, regressed %d",
			what, rep.AwaitingFix, rep.Regressed, rep.Errors, awaiting, regressed)
	}
	return rep
}

// recursOn lets an event of release arrive (at the clock, plus after),
// then moves the clock on by a run's interval.
func recursOn(e *env, id, release string, after time.Duration) {
	e.bs.Ingest(id, e.now.Add(after), release)
	e.now = e.now.Add(15 * time.Minute)
}

func TestFixedByCommitIsQuietOnTheOldReleaseAndNewsOnTheFixedOne(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	e.now = e.now.Add(time.Minute)
	notes := e.gt.WatcherNotifications()
	for run := 1; run <= 3; run++ {
		recursOn(e, id, "1.0.0", time.Second)
		rep := e.run(t, Options{FiguresEvery: FiguresEveryRun})
		if rep.AwaitingFix != 1 || rep.Regressed != 0 || rep.Recurring != 0 || len(rep.Errors) != 0 {
			t.Fatalf("run %d on the old release: awaiting %d regressed %d recurring %d errors %v", run, rep.AwaitingFix, rep.Regressed, rep.Recurring, rep.Errors)
		}
		if gi := e.gt.Issues()[0]; gi.State != "closed" {
			t.Fatalf("run %d: the fixed issue was reopened", run)
		}
		if is, _ := e.bs.Issue(id); is.IsResolved {
			t.Fatalf("run %d: resolved in Bugsink while the old release still reports it", run)
		}
	}
	if n := regressionComments(e, 1); n != 0 {
		t.Fatalf("%d regression comments while only the old release reported it", n)
	}
	if n := e.gt.WatcherNotifications() - notes; n != 0 {
		t.Errorf("%d notifications while only the old release reported it", n)
	}
	if body := e.gt.Issues()[0].Body; !strings.Contains(body, "seen again only on releases without the fix: `1.0.0`") {
		t.Errorf("the figures do not say it is still seen on the old release:\n%s", body)
	}

	recursOn(e, id, "1.0.1", time.Second)
	rep := e.run(t, Options{})
	if rep.Regressed != 1 || rep.AwaitingFix != 0 {
		t.Fatalf("the fixed release failing: regressed %d awaiting %d errors %v", rep.Regressed, rep.AwaitingFix, rep.Errors)
	}
	if gi := e.gt.Issues()[0]; gi.State != "open" {
		t.Error("the regression did not reopen the issue")
	}
	if n := regressionComments(e, 1); n != 1 {
		t.Errorf("%d regression comments, want 1", n)
	}
	if cs := e.gt.Comments(1); len(cs) == 0 || !strings.Contains(cs[len(cs)-1].Body, "- **Release**: `1.0.1` (`v1.0.1` contains the fix `6d732a7e1e`)") {
		t.Errorf("the regression comment does not name the release and the fix:\n%v", cs)
	}
	if body := e.gt.Issues()[0].Body; strings.Contains(body, "without the fix") {
		t.Errorf("the awaiting line outlived the regression:\n%s", body)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("a reported regression is not resolved in Bugsink again")
	}
}

// Both orders in one run's window: an event of the fixed release followed
// by more of the old one is still news.
func TestFixedReleaseFollowedByOldOnesInOneRunIsNews(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	e.bs.Ingest(id, e.now.Add(time.Minute), "1.0.1")
	e.bs.Ingest(id, e.now.Add(2*time.Minute), "1.0.0")
	e.bs.Ingest(id, e.now.Add(3*time.Minute), "1.0.0")
	e.now = e.now.Add(15 * time.Minute)
	rep := e.run(t, Options{})
	if rep.Regressed != 1 || rep.AwaitingFix != 0 {
		t.Fatalf("regressed %d awaiting %d errors %v warnings %v", rep.Regressed, rep.AwaitingFix, rep.Errors, rep.Warnings)
	}
}

// A merged pull request's merge commit is the fix (a squash or rebase
// merge has no commit of the pull request on the branch).
func TestFixedByPullRequestIsJudgedByItsMergeCommit(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByPullRequest(1, fixSHA)
	recursOn(e, id, "1.0.0", time.Minute)
	runExpect(t, e, "old release after a merged fix", 1, 0)
	recursOn(e, id, "v1.0.1", time.Minute)
	runExpect(t, e, "the release with the merge", 0, 1)
}

// Closed by hand: a release Bugsink knew at the close cannot carry the
// fix; one first seen after it may.
func TestClosedByHandJudgesByWhenBugsinkFirstSawTheRelease(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.SetIssueState(1, "closed")
	recursOn(e, id, "1.0.0", time.Minute)
	runExpect(t, e, "a release known before the close", 1, 0)
	recursOn(e, id, "1.1.0", time.Minute)
	runExpect(t, e, "a release first seen after the close", 0, 1)
}

// Without a release, it cannot be told: a regression as before, and the
// run says why.
func TestReturnWithoutReleaseIsARegressionAndSaysWhy(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	recursOn(e, id, "", time.Minute)
	rep := e.run(t, Options{})
	if rep.Regressed != 1 {
		t.Fatalf("regressed %d awaiting %d errors %v", rep.Regressed, rep.AwaitingFix, rep.Errors)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "the event names no release") {
		t.Errorf("the run does not say why it could not judge:\n%s", w)
	}
}

// An issue awaiting its fix is looked at on every run (it stays a
// leftover) and resolved once the old release has been quiet for a day.
func TestAwaitingFixIsResolvedAfterADayWithoutEvents(t *testing.T) {
	e, id := fixEnv(t)
	e.gt.ContainCommits("v1.0.0")
	e.gt.ContainCommits("v1.0.1", fixSHA)
	e.gt.CloseByCommit(1, fixSHA, "Fix price parsing, fixes #1")
	recursOn(e, id, "1.0.0", time.Minute)
	if rep := e.run(t, Options{}); rep.AwaitingFix != 1 {
		t.Fatalf("awaiting %d errors %v", rep.AwaitingFix, rep.Errors)
	}
	e.now = e.now.Add(2 * time.Hour)
	if rep := e.run(t, Options{}); rep.Resolved != 0 || rep.AwaitingFix != 0 {
		t.Fatalf("two hours on: re_resolved %d awaiting %d", rep.Resolved, rep.AwaitingFix)
	}
	if is, _ := e.bs.Issue(id); is.IsResolved {
		t.Fatal("resolved two hours after the old release's last event")
	}
	e.now = e.now.Add(23 * time.Hour)
	rep := e.run(t, Options{})
	if rep.Resolved != 1 || rep.Pass != PassIncremental {
		t.Fatalf("a day on, incremental: re_resolved %d pass %s errors %v", rep.Resolved, rep.Pass, rep.Errors)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("not resolved in Bugsink after a day without events")
	}
	if gi := e.gt.Issues()[0]; gi.State != "closed" || regressionComments(e, 1) != 0 {
		t.Errorf("the fixed issue was touched: state %s, %d regression comments", gi.State, regressionComments(e, 1))
	}
}

// Gitea's close time has whole seconds: a release Bugsink first saw in the
// close's own second was there at the close, and cannot carry its fix.
func TestReleaseFirstSeenInTheCloseSecondPredatesIt(t *testing.T) {
	e, id := fixEnv(t)
	closed := e.now.Add(time.Minute)
	e.gt.CloseIssueAt(1, closed)
	e.bs.Ingest(id, closed.Add(400*time.Millisecond), "1.2.0")
	e.now = closed.Add(15 * time.Minute)
	runExpect(t, e, "a release first seen in the close's second", 1, 0)
	e.bs.Ingest(id, closed.Add(time.Second), "1.2.1")
	runExpect(t, e, "a release first seen the second after the close", 0, 1)
}
