package syncer

import (
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

func TestThresholds(t *testing.T) {
	payload := func(level string) map[string]any {
		p := bugsinktest.DefaultPayload("E", "v")
		p["level"] = level
		return p
	}
	cases := []struct {
		name  string
		opts  Options
		spec  bugsinktest.IssueSpec
		below bool
	}{
		{"occurrences under", Options{MinOccurrences: 5}, bugsinktest.IssueSpec{Count: 4}, true},
		{"occurrences met", Options{MinOccurrences: 5}, bugsinktest.IssueSpec{Count: 5}, false},
		{"level under", Options{MinLevel: "error"}, bugsinktest.IssueSpec{Data: payload("warning")}, true},
		{"level met", Options{MinLevel: "error"}, bugsinktest.IssueSpec{Data: payload("fatal")}, false},
		{"level missing counts as error", Options{MinLevel: "error"}, bugsinktest.IssueSpec{Data: map[string]any{"platform": "python"}}, false},
		{"too old", Options{MaxAge: 24 * time.Hour}, bugsinktest.IssueSpec{LastSeen: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}, true},
		{"recent", Options{MaxAge: 24 * time.Hour}, bugsinktest.IssueSpec{LastSeen: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bs.AddProject("p", "P")
			tc.spec.Type = "E"
			id := e.bs.AddIssue("p", tc.spec)
			rep := e.run(t, tc.opts)
			if tc.below {
				if rep.BelowThreshold != 1 || rep.Synced != 0 || rep.Failed != 0 || len(e.gt.Issues()) != 0 {
					t.Fatalf("below %d synced %d failed %d", rep.BelowThreshold, rep.Synced, rep.Failed)
				}
				if is, _ := e.bs.Issue(id); is.IsResolved {
					t.Error("an issue below threshold was resolved")
				}
				if rep.Projects[0].Below != 1 {
					t.Errorf("project report %+v", rep.Projects[0])
				}
			} else if rep.Synced != 1 || rep.BelowThreshold != 0 {
				t.Fatalf("below %d synced %d", rep.BelowThreshold, rep.Synced)
			}
		})
	}
}

func TestExcludeProjects(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	rep := e.run(t, Options{ExcludeProjects: []string{"flyer-crawler-frontend", "flyer-crawler-frontend-test"}})
	if len(rep.Projects) != 4 || rep.Synced != 6 {
		t.Errorf("%d projects, synced %d", len(rep.Projects), rep.Synced)
	}
	for _, p := range rep.Projects {
		if strings.Contains(p.Slug, "frontend") {
			t.Errorf("excluded project %s synced", p.Slug)
		}
	}
	if _, err := e.engine(Options{ExcludeProjects: []string{"ghost"}}).Run(t.Context()); err == nil {
		t.Error("an unknown excluded slug was accepted")
	}
}

func TestMaxCreateDefersTheRestOldestFirst(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("a-backend", "A")
	e.bs.AddProject("b-frontend", "B")
	// Interleave ages across projects: the oldest must go first, whatever the project.
	var byAge []string
	for i := 0; i < 7; i++ {
		slug := []string{"b-frontend", "a-backend"}[i%2]
		byAge = append(byAge, e.bs.AddIssue(slug, bugsinktest.IssueSpec{Type: "E", FirstSeen: e.now.Add(-time.Duration(100-i) * time.Hour), LastSeen: e.now.Add(-time.Hour)}))
	}
	want := [][]string{byAge[0:3], byAge[3:6], byAge[6:7]}
	for run, ids := range want {
		rep := e.run(t, Options{MaxCreate: 3, Concurrency: 2})
		var got []string
		for _, c := range rep.Created {
			got = append(got, c.BugsinkIssueID)
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("run %d created %v, want the oldest %v", run+1, got, ids)
		}
		if wantDeferred := 7 - 3*(run+1); rep.Deferred != max(wantDeferred, 0) {
			t.Errorf("run %d deferred %d, want %d", run+1, rep.Deferred, max(wantDeferred, 0))
		}
	}
	if n := len(e.gt.Issues()); n != 7 {
		t.Errorf("%d gitea issues, want 7", n)
	}
}
