package bugsink_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
)

func versions(rs []bugsink.Release) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Version)
	}
	return out
}

// TestReleasesNewestFirstAcrossPages: every release of the project, newest
// date first, each dated at the first event that named it; "" only once
// an event named none; the page cap leaves the oldest out.
func TestReleasesNewestFirstAcrossPages(t *testing.T) {
	srv, c := newPair(t, bugsinktest.WithPageSize(2))
	pid := srv.AddProject("p", "P")
	srv.AddProject("q", "Q")
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	data := bugsinktest.DefaultPayload("KeyError", "'x'")
	data["release"] = "1.0.0"
	id := srv.AddIssue("p", bugsinktest.IssueSpec{Type: "KeyError", FirstSeen: t0, LastSeen: t0, Data: data})
	srv.AddIssue("q", bugsinktest.IssueSpec{Type: "Other", FirstSeen: t0, LastSeen: t0})
	rs, err := c.Releases(t.Context(), pid, 10)
	if err != nil || !slices.Equal(versions(rs), []string{"1.0.0"}) || !rs[0].DateReleased.Equal(t0) {
		t.Fatalf("after one event of 1.0.0: %+v, %v", rs, err)
	}
	srv.Ingest(id, t0.Add(time.Minute), "")
	srv.Ingest(id, t0.Add(2*time.Minute), "1.1.0")
	srv.Ingest(id, t0.Add(3*time.Minute), "1.0.0")
	rs, err = c.Releases(t.Context(), pid, 10)
	if err != nil || !slices.Equal(versions(rs), []string{"1.1.0", "", "1.0.0"}) || !rs[1].DateReleased.Equal(t0.Add(time.Minute)) {
		t.Fatalf("releases: %+v, %v", rs, err)
	}
	if rs, err := c.Releases(t.Context(), pid, 1); err != nil || !slices.Equal(versions(rs), []string{"1.1.0", ""}) {
		t.Errorf("one page: %+v, %v", rs, err)
	}
	if rs, err := c.Releases(t.Context(), 99, 10); err != nil || len(rs) != 0 {
		t.Errorf("an unknown project: %+v, %v", rs, err)
	}
}

// TestIssueEventsNewestFirst: the newest events of an issue, as many as
// asked, with their digest order and times.
func TestIssueEventsNewestFirst(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	id := srv.AddIssue("p", bugsinktest.IssueSpec{Type: "E", FirstSeen: t0, LastSeen: t0})
	for i := 1; i <= 3; i++ {
		srv.Ingest(id, t0.Add(time.Duration(i)*time.Minute), "1.0.0")
	}
	evs, err := c.IssueEvents(t.Context(), id, 2)
	if err != nil || len(evs) != 2 || evs[0].DigestOrder != 4 || evs[1].DigestOrder != 3 || !evs[0].IngestedAt.Equal(t0.Add(3*time.Minute)) || evs[0].ID == "" {
		t.Fatalf("events: %+v, %v", evs, err)
	}
	ev, err := c.Event(t.Context(), evs[0].ID)
	if err != nil || ev.Data.Release != "1.0.0" {
		t.Errorf("newest event's release: %+v, %v", ev, err)
	}
	if evs, err := c.IssueEvents(t.Context(), id, 1000); err != nil || len(evs) != 4 {
		t.Errorf("all of them: %d, %v", len(evs), err)
	}
	if _, err := c.IssueEvents(t.Context(), "not-an-issue", 5); err == nil {
		t.Error("an issue id Bugsink refuses read without an error")
	}
}

func TestReleaseVersionIsBugsinksSanitizedName(t *testing.T) {
	long := strings.Repeat("a", 260)
	for in, want := range map[string]string{
		"1.0.1": "1.0.1", "web/1.0.1": "web1.0.1", "a\\b\tc\nd": "abcd", ".": "sanitized", "..": "sanitized",
		" ": "sanitized", "./": "sanitized", long: long[:200], "": "",
	} {
		if got := bugsink.ReleaseVersion(in); got != want {
			t.Errorf("ReleaseVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
