package syncer

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// realPair is a Gitea account, Bugsink projects and a state for one case
// of TestRealEnvironmentsHardened.
type realPair struct {
	t        *testing.T
	b        *peertest.Bugsink
	gc       *gitea.Client
	store    *syncstate.Store
	projects []peertest.Project
	event    map[string]any
}

func (r *realPair) sync() *Report {
	r.t.Helper()
	opts := apiclient.Options{Timeout: 20 * time.Second}
	var slugs []string
	components := map[string]string{}
	for _, p := range r.projects {
		slugs = append(slugs, p.Slug)
		// Unique suffixes make every slug its own application.
		components[p.Slug] = "shop"
	}
	eng := &Engine{Bugsink: bugsink.New(r.b.URL, r.b.Token, opts), Gitea: r.gc, State: r.store,
		Opts: Options{Projects: slugs, LinkEnvironments: true, Version: "test", Components: components,
			WontFixLabels: []string{"wontfix"}, Render: render.Options{BugsinkURL: r.b.URL}}}
	rep, err := eng.Run(r.t.Context())
	if err != nil {
		r.t.Fatalf("sync: %v", err)
	}
	return rep
}

func (r *realPair) issue(number int) *gitea.Issue {
	r.t.Helper()
	gi, err := r.gc.Issue(r.t.Context(), number)
	if err != nil {
		r.t.Fatal(err)
	}
	return gi
}

func (r *realPair) comments(number int) []gitea.Comment {
	r.t.Helper()
	cs, err := r.gc.Comments(r.t.Context(), number)
	if err != nil {
		r.t.Fatal(err)
	}
	return cs
}

func labelNamesOf(gi *gitea.Issue) []string {
	var out []string
	for _, l := range gi.Labels {
		out = append(out, l.Name)
	}
	return out
}

// TestRealEnvironmentsHardened runs the main cases of one ticket per bug
// against a real Gitea and Bugsink: a bug's first arrival in production
// after its issue was closed is a regression (one comment, reopened) and
// a person's note in the Environments section survives it; staging is an
// environment of its own, and production arriving from it is news once;
// a join refuses a Gitea issue that is not bsync's.
func TestRealEnvironmentsHardened(t *testing.T) {
	g := peertest.GiteaServer(t)
	b := peertest.BugsinkServer(t)
	event := recordedEvent(t, "python-request-plain")
	pair := func(t *testing.T, first, second string) *realPair {
		a := g.NewAccount(t)
		return &realPair{t: t, b: b, gc: gitea.New(g.URL, a.Token, a.Login, a.Repo, apiclient.Options{Timeout: 20 * time.Second}),
			store: realStore(t), projects: []peertest.Project{b.NewProject(t, first), b.NewProject(t, second)}, event: event}
	}
	t.Run("arrival after a close, a person's note", func(t *testing.T) {
		r := pair(t, "shop-api-test", "shop-api")
		b.Store(t, r.projects[0], event)
		r.sync()
		note := "Seen on the canary too (alice)"
		gi := r.issue(1)
		if err := r.gc.EditBody(t.Context(), 1, strings.Replace(gi.Body, render.EnvironmentsEnd, note+"\n"+render.EnvironmentsEnd, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := r.gc.SetState(t.Context(), 1, "closed"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // Gitea's close time has whole seconds
		b.Store(t, r.projects[1], event)
		rep := r.sync()
		if rep.Linked != 1 || rep.Regressed != 1 || len(rep.Errors) != 0 {
			t.Fatalf("linked %d, regressed %d, errors %v", rep.Linked, rep.Regressed, rep.Errors)
		}
		gi = r.issue(1)
		if gi.State != "open" || !strings.Contains(gi.Body, note) || !slices.Contains(labelNamesOf(gi), "env:production") {
			t.Errorf("state %s, labels %v, note kept %v", gi.State, labelNamesOf(gi), strings.Contains(gi.Body, note))
		}
		if cs := r.comments(1); len(cs) != 1 || !strings.Contains(cs[0].Body, "reached `production`") {
			t.Errorf("comments %+v, want the one regression saying it reached production", cs)
		}
	})
	t.Run("staging, then production", func(t *testing.T) {
		r := pair(t, "shop-web-staging", "shop-web")
		b.Store(t, r.projects[0], event)
		r.sync()
		time.Sleep(1100 * time.Millisecond) // production's first event after the issue was filed
		b.Store(t, r.projects[1], event)
		if rep := r.sync(); rep.Linked != 1 || len(rep.Errors) != 0 {
			t.Fatalf("linked %d, errors %v", rep.Linked, rep.Errors)
		}
		gi := r.issue(1)
		labels := labelNamesOf(gi)
		if !slices.Contains(labels, "env:staging") || !slices.Contains(labels, "env:production") {
			t.Errorf("labels %v, want env:staging and env:production", labels)
		}
		if cs := r.comments(1); len(cs) != 1 || !strings.Contains(cs[0].Body, "seen so far only in `staging`") {
			t.Errorf("comments %+v, want the one saying it reached production from staging", cs)
		}
	})
	t.Run("a person's issue is refused", func(t *testing.T) {
		r := pair(t, "shop-db-test", "shop-db")
		b.Store(t, r.projects[0], event)
		r.sync()
		// GITEA_REPO now names another repository, the state kept: its #1
		// is a person's.
		a := g.NewAccount(t)
		r.gc = gitea.New(g.URL, a.Token, a.Login, a.Repo, apiclient.Options{Timeout: 20 * time.Second})
		person := "Release checklist"
		if _, err := r.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "checklist", Body: person}); err != nil {
			t.Fatal(err)
		}
		b.Store(t, r.projects[1], event)
		rep := r.sync()
		if rep.Linked != 0 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "#1") || !strings.Contains(rep.Errors[0].Message, "bsync forget") {
			t.Fatalf("linked %d, errors %+v; want the join refused, naming #1 and the fix", rep.Linked, rep.Errors)
		}
		gi := r.issue(1)
		if gi.Body != person || len(gi.Labels) != 0 || len(r.comments(1)) != 0 {
			t.Errorf("the person's issue was written to: labels %v, body %q", labelNamesOf(gi), gi.Body)
		}
	})
}
