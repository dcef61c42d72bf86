package syncer

import (
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// After a forget of every issue of a bug, the test environment's return
// files the bug anew (#2) while the closed #1 still carries production's
// marker. When the state is then lost, the rebuild must not tie
// production to the stale #1: its return would reopen #1 beside the live
// #2, two open tickets for one bug. It joins #2.
func TestLostStateAfterRefileKeepsTheBugOnTheLiveIssue(t *testing.T) {
	e := linkEnv(t)
	test := e.addError(testSlug, "boom", e.now.Add(-3*time.Hour))
	prod := e.addError(prodSlug, "boom", e.now.Add(-3*time.Hour))
	e.run(t, linkOpts)
	sharedIssue(t, e, test, prod)
	e.gt.CloseIssueAt(1, e.now)
	e.forget(t, test, prod)
	recurs(e, test)
	e.run(t, linkOpts)
	if len(e.gt.Issues()) != 2 || strings.Contains(e.gt.Issues()[1].Body, render.Marker(prod)) {
		t.Fatalf("%d gitea issues after the refile, want 2, production's marker only in #1", len(e.gt.Issues()))
	}
	if err := e.redis.Client(t, syncstate.DefaultDB).FlushDB(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	e.run(t, linkOpts)
	e.now = time.Now().Add(time.Hour)
	recurs(e, prod)
	rep := e.run(t, linkOpts)
	if len(rep.Errors) != 0 {
		t.Fatalf("errors %v", rep.Errors)
	}
	if gi := e.gt.Issues()[0]; gi.State != "closed" {
		t.Errorf("production's return reopened the stale #1 beside the live #2")
	}
	if entry, _, _ := e.store.Get(t.Context(), prod); entry.Record == nil || entry.Record.GiteaIssueNumber != 2 {
		t.Errorf("production mapped to %+v, want #2 (the bug's live issue)", entry.Record)
	}
	if !strings.Contains(e.gt.Issues()[1].Body, render.Marker(prod)) {
		t.Errorf("#2 does not carry production's marker")
	}
}

// Production was on the shared issue before its close; its issue is
// forgotten and comes back after the close. The one regression comment
// says it occurred again in production, not that it reached production
// (Bugsink first saw it there before the close).
func TestLinkForgottenReturnAfterCloseIsNoArrival(t *testing.T) {
	e := linkEnv(t)
	test := e.addError(testSlug, "boom", e.now.Add(-3*time.Hour))
	prod := e.addError(prodSlug, "boom", e.now.Add(-3*time.Hour))
	e.run(t, linkOpts)
	n := sharedIssue(t, e, test, prod).Number
	e.gt.CloseIssueAt(n, e.now)
	e.forget(t, prod)
	recurs(e, prod)
	rep := e.run(t, linkOpts)
	if rep.Regressed != 1 || len(rep.Errors) != 0 {
		t.Fatalf("regressed %d, errors %v", rep.Regressed, rep.Errors)
	}
	cs := e.gt.Comments(n)
	if len(cs) != 1 || strings.Contains(cs[0].Body, "reached") || !strings.Contains(cs[0].Body, "occurred again in `production`") {
		t.Errorf("comments %v, want the one saying it occurred again in production", cs)
	}
}

// Test's issue returns after the close and production sees the bug for the
// first time, in one run: whichever is worked first, the issue's comments
// say that the bug reached production (the defect escaped), not only that
// it occurred again in test.
func TestLinkBothAtOnceAfterCloseSaysProduction(t *testing.T) {
	for _, order := range [][]string{{testSlug, prodSlug}, {prodSlug, testSlug}} {
		e := linkEnv(t)
		test := e.addError(testSlug, "boom", e.now.Add(-3*time.Hour))
		opts := linkOpts
		opts.Projects = order
		e.run(t, opts)
		e.gt.CloseIssueAt(1, e.now)
		recurs(e, test)
		e.bs.AddIssue(prodSlug, bugsinktest.IssueSpec{Type: "ValueError", Value: "boom", FirstSeen: e.now.Add(-2 * time.Minute), LastSeen: e.now.Add(-time.Minute)})
		rep := e.run(t, opts)
		if rep.Regressed != 1 || len(rep.Errors) != 0 {
			t.Fatalf("order %v: regressed %d, errors %v", order, rep.Regressed, rep.Errors)
		}
		said := false
		for _, c := range e.gt.Comments(1) {
			said = said || strings.Contains(c.Body, "reached `production`") || strings.Contains(c.Body, "<!-- bsync-escaped: ")
		}
		if !said || e.gt.Issues()[0].State != "open" {
			t.Errorf("order %v: no comment says the bug reached production (state %s): %v", order, e.gt.Issues()[0].State, e.gt.Comments(1))
		}
	}
}
