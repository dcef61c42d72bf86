package syncer

import (
	"context"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/syncstate"
)

func escapeComments(e *env, number int) int {
	n := 0
	for _, c := range e.gt.Comments(number) {
		if strings.Contains(c.Body, "<!-- bsync-escaped: ") {
			n++
		}
	}
	return n
}

// A bug's first arrival in an environment after its Gitea issue was
// closed is a return: one comment naming where it arrived, and the reopen
// unless won't fix; with the other environment back in the same run too,
// still one comment and one regression for the close.
func TestLinkArrivalAfterCloseIsAReturn(t *testing.T) {
	for _, order := range []string{"test first", "production first", "both at once"} {
		for _, wontfix := range []bool{false, true} {
			t.Run(order, func(t *testing.T) {
				e := linkEnv(t)
				opts := linkOpts
				opts.WontFixLabels = []string{"wontfix"}
				a, b := testSlug, prodSlug
				if order == "production first" {
					a, b = b, a
				}
				first := e.addError(a, "boom", e.now.Add(-2*time.Hour))
				e.run(t, opts)
				n := e.gt.Issues()[0].Number
				if wontfix {
					e.gt.AddIssueLabel(n, e.gt.AddLabel("wontfix", "#000000"))
				}
				e.gt.CloseIssueAt(n, e.now)
				e.now = e.now.Add(3 * time.Hour)
				if order == "both at once" {
					e.bs.Ingest(first, e.now.Add(-30*time.Minute), "")
				}
				second := e.addError(b, "boom", e.now.Add(-time.Hour))
				rep := e.run(t, opts)
				if len(rep.Errors) != 0 || rep.Linked != 1 {
					t.Fatalf("errors %v, linked %d", rep.Errors, rep.Linked)
				}
				sharedIssue(t, e, first, second)
				if got := regressionComments(e, n); got != 1 {
					t.Errorf("wontfix %v: %d regression comments, want 1", wontfix, got)
				}
				if rep.Regressed != 1 {
					t.Errorf("wontfix %v: regressed %d, want 1 (one close)", wontfix, rep.Regressed)
				}
				if escapeComments(e, n) != 0 {
					t.Error("an escape comment besides the return's")
				}
				gi := e.gt.Issues()[n-1]
				if want := map[bool]string{false: "open", true: "closed"}[wontfix]; gi.State != want {
					t.Errorf("wontfix %v: state %s, want %s", wontfix, gi.State, want)
				}
				if order != "both at once" {
					last := ""
					if cs := e.gt.Comments(n); len(cs) > 0 {
						last = cs[len(cs)-1].Body
					}
					if env := map[string]string{testSlug: "`test`", prodSlug: "`production`"}[b]; !strings.Contains(last, "reached "+env) {
						t.Errorf("the comment does not say it reached %s:\n%s", env, last)
					}
				}
				if rep := e.run(t, opts); rep.Regressed != 0 || regressionComments(e, n) != 1 {
					t.Errorf("a later run: regressed %d, %d comments", rep.Regressed, regressionComments(e, n))
				}
			})
		}
	}
}

// A pair that arrived together is filed together: a join deferred by
// --max-create to a later run, or one that finds its issue closed since,
// is not news (no escape comment, no return).
func TestLinkDeferredJoinIsNotNews(t *testing.T) {
	for _, closed := range []bool{false, true} {
		e := linkEnv(t)
		test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
		prod := e.addError(prodSlug, "boom", e.now.Add(-90*time.Minute))
		opts := linkOpts
		opts.MaxCreate = 1
		e.run(t, opts)
		if len(e.gt.Issues()) != 1 {
			t.Fatalf("%d issues after a capped run", len(e.gt.Issues()))
		}
		n := e.gt.Issues()[0].Number
		if closed {
			e.gt.CloseIssueAt(n, e.now.Add(time.Minute))
		}
		e.now = e.now.Add(15 * time.Minute)
		rep := e.run(t, opts)
		if rep.Linked != 1 || len(rep.Errors) != 0 {
			t.Fatalf("linked %d, errors %v", rep.Linked, rep.Errors)
		}
		sharedIssue(t, e, test, prod)
		if n := len(e.gt.Comments(n)); n != 0 || rep.Regressed != 0 {
			t.Errorf("closed %v: %d comments, regressed %d; want none: the pair arrived together", closed, n, rep.Regressed)
		}
	}
}

// Production was there before: after `forget` of its Bugsink issue, its
// return joins again without saying it now reached production.
func TestLinkNoEscapeAfterForgetOfProduction(t *testing.T) {
	e := linkEnv(t)
	prod := e.addError(prodSlug, "boom", e.now.Add(-2*time.Hour))
	e.run(t, linkOpts)
	e.now = e.now.Add(3 * time.Hour)
	test := e.addError(testSlug, "boom", e.now.Add(-time.Hour))
	e.run(t, linkOpts)
	n := sharedIssue(t, e, prod, test).Number
	e.forget(t, prod)
	e.bs.Reopen(prod)
	recurs(e, prod)
	rep := e.run(t, linkOpts)
	if rep.Linked != 1 || len(rep.Errors) != 0 {
		t.Fatalf("linked %d, errors %v", rep.Linked, rep.Errors)
	}
	if got := len(e.gt.Comments(n)); got != 0 {
		t.Errorf("%d comments after production's forget and return, want none:\n%v", got, e.gt.Comments(n))
	}
}

// After a forget of every issue of a bug and a refile, two Gitea issues
// carry its markers: reindex maps the open, most recent one and reports
// the other, so the next return goes to the live issue.
func TestReindexPrefersTheOpenRecentIssue(t *testing.T) {
	e := linkEnv(t)
	test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	e.run(t, linkOpts)
	e.gt.CloseIssueAt(1, e.now)
	e.forget(t, test)
	recurs(e, test)
	e.run(t, linkOpts)
	if len(e.gt.Issues()) != 2 {
		t.Fatalf("%d gitea issues after the refile, want 2", len(e.gt.Issues()))
	}
	if err := e.redis.Client(t, syncstate.DefaultDB).FlushDB(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, linkOpts)
	if rep.Reindex == nil || len(rep.Reindex.Duplicates) != 1 || rep.Reindex.Duplicates[0].Mapped != 2 {
		t.Fatalf("reindex %+v, want #2 mapped and the duplicate reported", rep.Reindex)
	}
	if entry, _, _ := e.store.Get(t.Context(), test); entry.Record == nil || entry.Record.GiteaIssueNumber != 2 {
		t.Fatalf("mapping %+v, want #2", entry.Record)
	}
	e.now = time.Now().Add(time.Hour)
	recurs(e, test)
	if rep := e.run(t, linkOpts); rep.Regressed != 0 || rep.Recurring != 1 {
		t.Errorf("the return: regressed %d, recurring %d; want it recorded on the open issue", rep.Regressed, rep.Recurring)
	}
	if e.gt.Issues()[0].State != "closed" {
		t.Error("the stale issue was reopened")
	}
}

// An issue below BSYNC_MIN_OCCURRENCES still joins its bug's Gitea issue
// when the bug was filed from another environment (with and without
// --max-create); one whose bug is not filed stays below the threshold.
func TestLinkBelowMinOccurrencesJoinsAFiledBug(t *testing.T) {
	for _, capped := range []bool{false, true} {
		e := linkEnv(t)
		opts := linkOpts
		opts.MinOccurrences = 3
		if capped {
			opts.MaxCreate = 5
		}
		spec := func(value string, count int, last time.Time) bugsinktest.IssueSpec {
			return bugsinktest.IssueSpec{Type: "ValueError", Value: value, Count: count, FirstSeen: last.Add(-time.Hour), LastSeen: last}
		}
		test := e.bs.AddIssue(testSlug, spec("boom", 5, e.now.Add(-2*time.Hour)))
		e.run(t, opts)
		e.now = e.now.Add(3 * time.Hour)
		prod := e.bs.AddIssue(prodSlug, spec("boom", 1, e.now.Add(-time.Hour)))
		lone := e.bs.AddIssue(prodSlug, spec("another boom", 1, e.now.Add(-time.Hour)))
		rep := e.run(t, opts)
		if rep.Linked != 1 || rep.BelowThreshold != 1 || len(rep.Errors) != 0 {
			t.Fatalf("capped %v: linked %d, below %d, errors %v; want the production issue joined, the other left", capped, rep.Linked, rep.BelowThreshold, rep.Errors)
		}
		sharedIssue(t, e, test, prod)
		if _, ok, _ := e.store.Get(t.Context(), lone); ok || len(e.gt.Issues()) != 1 {
			t.Errorf("capped %v: the lone issue below the threshold was filed", capped)
		}
	}
}

// A return by arrival whose join is stopped after any of its writes
// (reservation, claim, label, body, mapping, comment, reopen, resolve)
// ends, once later runs finish it, with one regression comment for the
// close and the issue reopened.
func TestLinkArrivalAfterCloseSurvivesACrash(t *testing.T) {
	for after := 1; ; after++ {
		e := linkEnv(t)
		a := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
		e.run(t, linkOpts)
		e.gt.CloseIssueAt(1, e.now)
		e.now = e.now.Add(3 * time.Hour)
		b := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
		c := &crash{after: after}
		eng := e.engine(linkOpts)
		eng.Gitea, eng.Bugsink, eng.State = linkCrashGitea{crashGitea{eng.Gitea, c}}, crashBugsink{eng.Bugsink, c}, arrivalCrashState{linkCrashState{crashState{eng.State, c}}}
		_, _ = eng.Run(t.Context())
		if !c.dead {
			if after < 6 {
				t.Fatalf("the return made only %d writes", after-1)
			}
			break
		}
		e.now = e.now.Add(DefaultPendingGrace + time.Minute)
		for i := 0; i < 2; i++ {
			if rep := e.run(t, linkOpts); len(rep.Errors) != 0 {
				t.Fatalf("crash after write %d: run %d errors %v", after, i, rep.Errors)
			}
		}
		gi := sharedIssue(t, e, a, b)
		if n := regressionComments(e, gi.Number); n != 1 || gi.State != "open" {
			t.Errorf("crash after write %d: %d regression comments, state %s; want 1, open", after, n, gi.State)
		}
	}
}

// arrivalCrashState is linkCrashState whose clean-ups die with the run
// too (a real crash clears no reservation).
type arrivalCrashState struct{ linkCrashState }

func (s arrivalCrashState) ClearReservation(ctx context.Context, id string) error {
	if s.c.isDead() {
		return errCrashed
	}
	return s.StateStore.ClearReservation(ctx, id)
}

func (c *crash) isDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}
