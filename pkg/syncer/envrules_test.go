package syncer

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// Components are applications: shop-frontend and blog-frontend-test are
// two (one issue each), flyer-crawler-backend-staging is the backend in
// staging (its own environment, linked with production).
func TestLinkComponentsByApplication(t *testing.T) {
	e := newEnv(t)
	for _, s := range []string{"shop-frontend", "blog-frontend-test", "flyer-crawler-backend-staging", prodSlug} {
		e.bs.AddProject(s, s)
	}
	e.addError("shop-frontend", "boom", e.now.Add(-time.Hour))
	e.addError("blog-frontend-test", "boom", e.now.Add(-time.Hour))
	stag := e.addError("flyer-crawler-backend-staging", "boom", e.now.Add(-2*time.Hour))
	e.run(t, linkOpts)
	e.now = e.now.Add(3 * time.Hour)
	prod := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	rep := e.run(t, linkOpts)
	if n := len(e.gt.Issues()); n != 3 || rep.Linked != 1 {
		t.Fatalf("%d gitea issues, %d linked; want 3 and 1 (two applications apart, staging joined by production)", n, rep.Linked)
	}
	gi := sharedIssue(t, e, stag, prod)
	labels := e.gt.LabelNames(gi.Number)
	if !slices.Contains(labels, "env:staging") || !slices.Contains(labels, "env:production") {
		t.Errorf("labels %v, want env:staging and env:production", labels)
	}
	if n := len(e.gt.Comments(gi.Number)); n != 1 {
		t.Errorf("%d comments, want the one saying it reached production from staging", n)
	}
}

// Two projects of one run in one application and environment (api and
// api-prod are both production) are linked with no other: their rows
// would name one environment twice.
func TestLinkLeavesTwoProjectsOfOnePlaceApart(t *testing.T) {
	e := newEnv(t)
	for _, s := range []string{"api", "api-prod", "api-test"} {
		e.bs.AddProject(s, s)
	}
	for _, s := range []string{"api", "api-prod", "api-test"} {
		e.addError(s, "boom", e.now.Add(-time.Hour))
	}
	if rep := e.run(t, linkOpts); len(e.gt.Issues()) != 3 || rep.Linked != 0 {
		t.Fatalf("%d gitea issues, %d linked; want 3 apart", len(e.gt.Issues()), rep.Linked)
	}
}

// A slug BSYNC_COMPONENTS names that Bugsink does not know stops the run
// before anything is written, naming it.
func TestUnknownComponentSlugStopsTheRun(t *testing.T) {
	e := linkEnv(t)
	e.addError(testSlug, "boom", e.now)
	opts := linkOpts
	opts.Components = map[string]string{prodSlug: "backend", "flyer-crawler-backnd-test": "backend"}
	_, err := e.engine(opts).Run(t.Context())
	var up *UnknownProjectsError
	if !errors.As(err, &up) || !slices.Equal(up.Unknown, []string{"flyer-crawler-backnd-test"}) || up.Setting != "BSYNC_COMPONENTS" {
		t.Fatalf("run: %v, want the unknown component slug named", err)
	}
	if len(e.gt.Issues()) != 0 {
		t.Error("issues were created")
	}
}

// legacyState turns the state and body of the shared issue of test (made
// by this version) into what an earlier version left: the bug under the
// id the label rule gave it, its member recorded with project. It returns
// that id.
func legacyState(t *testing.T, e *env, test, project string) string {
	t.Helper()
	eng := e.engine(linkOpts)
	if err := eng.SelectProjects(t.Context()); err != nil {
		t.Fatal(err)
	}
	var p bugsink.Project
	for _, q := range *eng.selected {
		if q.Slug == testSlug {
			p = q
		}
	}
	is, err := e.bc.Issue(t.Context(), test)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.bc.LatestEvent(t.Context(), test)
	if err != nil {
		t.Fatal(err)
	}
	link := (&preparer{Engine: eng}).linkFor(p, *is, ev)
	if link.bug == "" || link.legacy == "" || link.legacy == link.bug {
		t.Fatalf("link %+v: want a new and a legacy id", link)
	}
	rdb := e.redis.Client(t, syncstate.DefaultDB)
	if err := rdb.Rename(t.Context(), syncstate.BugKey(link.bug), syncstate.BugKey(link.legacy)).Err(); err != nil {
		t.Fatal(err)
	}
	entry, _, _ := e.store.Get(t.Context(), test)
	rec := *entry.Record
	rec.BugID, rec.Project = link.legacy, project
	if err := e.store.Put(t.Context(), test, rec); err != nil {
		t.Fatal(err)
	}
	gi := e.gt.Issues()[rec.GiteaIssueNumber-1]
	body := strings.ReplaceAll(gi.Body, render.BugMarker(link.bug), render.BugMarker(link.legacy))
	if err := e.gc.EditBody(t.Context(), gi.Number, body); err != nil {
		t.Fatal(err)
	}
	return link.legacy
}

// A bug filed by an earlier version (its id from the label rule) is still
// joined by a new environment's issue of the same application; one whose
// recorded issues are of another application is not.
func TestLinkJoinsABugFiledUnderTheLabelRule(t *testing.T) {
	for _, other := range []bool{false, true} {
		e := linkEnv(t)
		test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
		e.run(t, linkOpts)
		project := testSlug
		if other {
			project = "shop-backend-test"
		}
		legacy := legacyState(t, e, test, project)
		e.now = e.now.Add(3 * time.Hour)
		prod := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
		rep := e.run(t, linkOpts)
		if other {
			if len(e.gt.Issues()) != 2 || rep.Linked != 0 {
				t.Errorf("another application's legacy bug: %d issues, %d linked; want 2 apart", len(e.gt.Issues()), rep.Linked)
			}
			continue
		}
		if len(e.gt.Issues()) != 1 || rep.Linked != 1 {
			t.Fatalf("%d gitea issues, %d linked; want the legacy bug joined", len(e.gt.Issues()), rep.Linked)
		}
		sharedIssue(t, e, test, prod)
		if entry, _, _ := e.store.Get(t.Context(), prod); entry.Record.BugID != legacy {
			t.Errorf("joined under bug %s, want the legacy %s", entry.Record.BugID, legacy)
		}
	}
}

func TestLegacyRules(t *testing.T) {
	if got := legacyComponent([]string{"source:bugsink", "env:test", "bug:backend", "team:a"}, []string{SourceLabel}); got != "labels bug:backend,team:a" {
		t.Errorf("legacyComponent = %q", got)
	}
	for _, labels := range [][]string{{"env:test"}, {"bug:backend"}, {"bug:backend", "env:test", "env:production"}} {
		if got := legacyComponent(labels, nil); got != "" {
			t.Errorf("legacyComponent(%v) = %q, want none (the label rule left it unlinked)", labels, got)
		}
	}
	cases := []struct {
		slug     string
		projects []string
		want     bool
	}{
		{prodSlug, []string{testSlug}, true},
		{prodSlug, []string{testSlug, "flyer-crawler-backend-staging"}, true},
		{"shop-frontend", []string{"blog-frontend-test"}, false},
		{prodSlug, []string{testSlug, ""}, false},
		{prodSlug, nil, false},
		{"qa-tools-staging", []string{"qa-tools-staging"}, false},
	}
	for _, c := range cases {
		if got, why := legacyJoinable(c.slug, c.projects); got != c.want {
			t.Errorf("legacyJoinable(%s, %v) = %v (%s), want %v", c.slug, c.projects, got, why, c.want)
		}
	}
}

func TestJoinReturnAndEscapeRules(t *testing.T) {
	closedAt := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	closed := &gitea.Issue{State: "closed", ClosedAt: &closedAt}
	if k, _ := joinReturn(true, closeKey(closed), closedAt.Add(time.Minute)); k != closeKey(closed) {
		t.Errorf("seen after the close: close %q, want %q", k, closeKey(closed))
	}
	if k, why := joinReturn(true, closeKey(closed), closedAt.Add(-time.Minute)); k != "" {
		t.Errorf("seen only before the close: a return (%s)", why)
	}
	if k, _ := joinReturn(false, "", closedAt); k != "" {
		t.Error("an open issue: a return")
	}
	filed := closedAt
	base := escapeFacts{env: "production", firstSeen: filed.Add(time.Hour), filed: filed, known: []string{"test", "staging", "test"}}
	if news, before, why := escapeNews(base); !news || strings.Join(before, ",") != "staging,test" {
		t.Errorf("escape %v %v (%s)", news, before, why)
	}
	for name, f := range map[string]escapeFacts{
		"not production":     {env: "staging", firstSeen: base.firstSeen, filed: filed},
		"a return":           {env: "production", firstSeen: base.firstSeen, filed: filed, returned: true},
		"production before":  {env: "production", firstSeen: base.firstSeen, filed: filed, known: []string{"test", "production"}},
		"arrived together":   {env: "production", firstSeen: filed.Add(-time.Minute), filed: filed, known: []string{"test"}},
		"nothing filed seen": {env: "production", firstSeen: base.firstSeen},
	} {
		if news, _, _ := escapeNews(f); news {
			t.Errorf("%s: escape news", name)
		}
	}
}

// A bug that reaches two more environments in one run is counted once in
// linked; each joined issue is listed with linked set.
func TestLinkedCountsBugsOnce(t *testing.T) {
	e := linkEnv(t)
	e.bs.AddProject("flyer-crawler-backend-staging", "Backend staging")
	test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	e.run(t, linkOpts)
	e.now = e.now.Add(3 * time.Hour)
	stag := e.addError("flyer-crawler-backend-staging", "boom", e.now.Add(-time.Hour))
	prod := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	rep := e.run(t, linkOpts)
	joined := 0
	for _, c := range rep.Created {
		if c.Linked {
			joined++
		}
	}
	if rep.Linked != 1 || joined != 2 || rep.Synced != 2 {
		t.Fatalf("linked %d, %d listed as linked, synced %d; want the bug counted once, both issues listed", rep.Linked, joined, rep.Synced)
	}
	sharedIssue(t, e, test, stag, prod)
}
