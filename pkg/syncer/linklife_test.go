package syncer

import (
	"strings"
	"testing"
	"time"
)

// shared makes one Gitea issue of a test and a production issue (test
// first) and returns their ids and its number.
func shared(t *testing.T, e *env, opts Options) (test, prod string, number int) {
	t.Helper()
	test = e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	e.run(t, opts)
	e.now = e.now.Add(3 * time.Hour)
	prod = e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	if rep := e.run(t, opts); rep.Linked != 1 {
		t.Fatalf("linked %d", rep.Linked)
	}
	return test, prod, sharedIssue(t, e, test, prod).Number
}

// A recurrence while the shared issue is open is quiet: its row and the
// summed figures change, no comment.
func TestLinkRecurrenceRewritesItsRow(t *testing.T) {
	e := linkEnv(t)
	opts := linkOpts
	opts.FiguresEvery = FiguresEveryRun
	_, prod, n := shared(t, e, opts)
	comments := len(e.gt.Comments(n))
	recurs(e, prod)
	rep := e.run(t, opts)
	if rep.Recurring != 1 || rep.Regressed != 0 || len(rep.Errors) != 0 {
		t.Fatalf("recurring %d regressed %d errors %v", rep.Recurring, rep.Regressed, rep.Errors)
	}
	gi := e.gt.Issues()[n-1]
	if len(e.gt.Comments(n)) != comments {
		t.Error("a recurrence of an open shared issue commented")
	}
	if !strings.Contains(gi.Body, "**Total Occurrences**: 3") || !strings.Contains(gi.Body, "| 2 | [issue]") {
		t.Errorf("figures not summed or row not rewritten:\n%s", gi.Body)
	}
	sharedIssue(t, e, e.bs.IssueIDs()[0], prod)
}

// Both environments come back after a close: one regression comment for
// that close, naming one environment it came back in (the one bsync works
// on first in the run, not necessarily the earlier event); a later
// close and return in one environment is news again.
func TestLinkRegressionOneCommentPerClose(t *testing.T) {
	for _, wontfix := range []bool{false, true} {
		e := linkEnv(t)
		opts := linkOpts
		opts.WontFixLabels = []string{"wontfix"}
		test, prod, n := shared(t, e, opts)
		if wontfix {
			e.gt.AddIssueLabel(n, e.gt.AddLabel("wontfix", "#000000"))
		}
		e.gt.CloseIssueAt(n, e.now)
		recurs(e, test)
		e.bs.Ingest(prod, e.now.Add(-30*time.Second), "")
		if rep := e.run(t, opts); len(rep.Errors) != 0 {
			t.Fatalf("errors %v", rep.Errors)
		}
		if got := regressionComments(e, n); got != 1 {
			t.Fatalf("wontfix %v: %d regression comments for one close, want 1", wontfix, got)
		}
		gi := e.gt.Issues()[n-1]
		if want := map[bool]string{false: "open", true: "closed"}[wontfix]; gi.State != want {
			t.Errorf("wontfix %v: state %s", wontfix, gi.State)
		}
		last := e.gt.Comments(n)[len(e.gt.Comments(n))-1].Body
		inProd := strings.Contains(last, "again in `production` (flyer-crawler-backend)")
		inTest := strings.Contains(last, "again in `test` (flyer-crawler-backend-test)")
		if inProd == inTest {
			t.Errorf("the comment does not say where it came back:\n%s", last)
		}
		if wontfix {
			continue
		}
		e.now = e.now.Add(time.Hour)
		e.gt.CloseIssueAt(n, e.now)
		recurs(e, prod)
		e.run(t, opts)
		if got := regressionComments(e, n); got != 2 {
			t.Fatalf("%d regression comments after a second close, want 2", got)
		}
		last = e.gt.Comments(n)[len(e.gt.Comments(n))-1].Body
		if !strings.Contains(last, "again in `production`") {
			t.Errorf("the second comment does not name production:\n%s", last)
		}
	}
}

// A person's Reopen of one environment's issue in Bugsink is left alone;
// the other environment's issue goes on as before.
func TestLinkReopenInBugsinkIsPerIssue(t *testing.T) {
	e := linkEnv(t)
	test, prod, _ := shared(t, e, linkOpts)
	e.bs.Reopen(test)
	rep := e.run(t, linkOpts)
	if rep.ReopenedInBugsink != 1 {
		t.Fatalf("reopened_in_bugsink %d", rep.ReopenedInBugsink)
	}
	if is, _ := e.bs.Issue(test); is.IsResolved {
		t.Error("bsync resolved an issue a person reopened")
	}
	recurs(e, prod)
	if rep := e.run(t, linkOpts); rep.Recurring != 1 {
		t.Errorf("the other environment's return: recurring %d", rep.Recurring)
	}
	if is, _ := e.bs.Issue(prod); !is.IsResolved {
		t.Error("the other environment's issue was not resolved again")
	}
}
