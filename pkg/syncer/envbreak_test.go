package syncer

import (
	"strings"
	"testing"
	"time"

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
