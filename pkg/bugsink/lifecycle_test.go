package bugsink_test

import (
	"net/http"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

func TestResolveNextLeavesKnownReleasesAloneAndANewOneReopens(t *testing.T) {
	srv, c := newPair(t)
	pid := srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{Type: "E"})
	if has, err := c.HasReleases(t.Context(), pid); err != nil || has {
		t.Fatalf("releases before any: %v %v", has, err)
	}
	srv.Ingest(id, time.Now(), "1.0")
	if has, err := c.HasReleases(t.Context(), pid); err != nil || !has {
		t.Fatalf("releases after 1.0: %v %v", has, err)
	}
	if err := c.ResolveNext(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveNext(t.Context(), id); err != nil {
		t.Errorf("already resolved: %v", err)
	}
	if srv.Ingest(id, time.Now(), "1.0") {
		t.Error("an event of the current release reopened it")
	}
	is, _ := srv.Issue(id)
	if !is.IsResolved || is.DigestedEventCount != 3 {
		t.Errorf("resolved %v count %d: events still count on a resolved issue", is.IsResolved, is.DigestedEventCount)
	}
	if !srv.Ingest(id, time.Now(), "1.1") {
		t.Error("an event of a newer release did not reopen it")
	}
	if n := srv.CountRequests(http.MethodPost, "/resolve-next/"); n != 2 {
		t.Errorf("%d resolve-next requests", n)
	}
}

func TestPlainResolveReopensOnAnyEventAndAPersonsReopenChangesNothingElse(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{Type: "E"})
	srv.Ingest(id, time.Now(), "2.0")
	if err := c.Resolve(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	before, _ := srv.Issue(id)
	srv.Reopen(id)
	after, _ := srv.Issue(id)
	if after.IsResolved || !after.LastSeen.Equal(before.LastSeen) || after.DigestedEventCount != before.DigestedEventCount {
		t.Errorf("reopen: %+v", after)
	}
	if err := c.Resolve(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if !srv.Ingest(id, time.Now(), "1.0") {
		t.Error("an event after a plain resolve did not reopen it")
	}
}
