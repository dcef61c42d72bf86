package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

const (
	prodSlug = "flyer-crawler-backend"
	testSlug = "flyer-crawler-backend-test"
)

// linkEnv is an env with the backend in two environments and the
// frontend in production.
func linkEnv(t *testing.T) *env {
	e := newEnv(t)
	e.bs.AddProject(prodSlug, "Backend")
	e.bs.AddProject(testSlug, "Backend test")
	e.bs.AddProject("flyer-crawler-frontend", "Frontend")
	return e
}

func (e *env) addError(slug, value string, lastSeen time.Time) string {
	return e.bs.AddIssue(slug, bugsinktest.IssueSpec{Type: "ValueError", Value: value, LastSeen: lastSeen, FirstSeen: lastSeen.Add(-time.Hour)})
}

var linkOpts = Options{LinkEnvironments: true}

// sharedIssue checks that ids are one Gitea issue, with every
// environment's label, marker and row, each mapped to it with the bug,
// each resolved; it returns the issue.
func sharedIssue(t *testing.T, e *env, ids ...string) giteatest.Issue {
	t.Helper()
	issues := e.gt.Issues()
	var found []giteatest.Issue
	for _, gi := range issues {
		if strings.Contains(gi.Body, render.Marker(ids[0])) {
			found = append(found, gi)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d gitea issues carry %s's marker, want 1 (of %d issues)", len(found), ids[0], len(issues))
	}
	gi := found[0]
	bug := ""
	for _, id := range ids {
		if n := strings.Count(gi.Body, render.Marker(id)); n != 1 {
			t.Errorf("#%d carries %s's marker %d times", gi.Number, id, n)
		}
		entry, ok, err := e.store.Get(t.Context(), id)
		if err != nil || !ok || entry.Record.GiteaIssueNumber != gi.Number || entry.Record.BugID == "" {
			t.Fatalf("%s: mapping %+v (%v, %v), want #%d with a bug", id, entry.Record, ok, err, gi.Number)
		}
		if bug != "" && entry.Record.BugID != bug {
			t.Errorf("%s: bug %s, want %s", id, entry.Record.BugID, bug)
		}
		bug = entry.Record.BugID
		if is, _ := e.bs.Issue(id); !is.IsResolved {
			t.Errorf("%s not resolved in Bugsink", id)
		}
	}
	if b, ok, _ := e.store.Bug(t.Context(), bug); !ok || b.Number != gi.Number || len(b.Members) != len(ids) {
		t.Errorf("bug index %+v, want #%d with %d members", b, gi.Number, len(ids))
	}
	if n := strings.Count(gi.Body, "\n| "); n != 11+len(ids) {
		// Error Details: a header, a separator and 7 rows; Environments: a
		// header, a separator and a row per environment.
		t.Errorf("#%d body has %d table lines, want %d:\n%s", gi.Number, n, 11+len(ids), gi.Body)
	}
	return gi
}

func TestLinkOneIssuePerBug(t *testing.T) {
	for _, order := range []string{"test first", "production first", "both before a sync", "both before a sync, capped creates"} {
		t.Run(order, func(t *testing.T) {
			e := linkEnv(t)
			opts := linkOpts
			var first, second string
			switch order {
			case "test first", "production first":
				a, b := testSlug, prodSlug
				if order == "production first" {
					a, b = b, a
				}
				first = e.addError(a, "invalid literal for int() with base 10: 'x'", e.now.Add(-2*time.Hour))
				e.run(t, opts)
				e.now = e.now.Add(3 * time.Hour) // seen in the second environment after the first was filed
				second = e.addError(b, "invalid literal for int() with base 10: 'x'", e.now.Add(-time.Hour))
			default:
				first = e.addError(testSlug, "invalid literal for int() with base 10: 'x'", e.now.Add(-2*time.Hour))
				second = e.addError(prodSlug, "invalid literal for int() with base 10: 'x'", e.now.Add(-time.Hour))
				if strings.Contains(order, "capped") {
					opts.MaxCreate, opts.Concurrency = 10, 4
				}
			}
			rep := e.run(t, opts)
			if len(rep.Errors) != 0 || rep.Linked != 1 {
				t.Fatalf("linked %d, errors %+v", rep.Linked, rep.Errors)
			}
			if n := len(e.gt.Issues()); n != 1 {
				t.Fatalf("%d gitea issues, want 1", n)
			}
			gi := sharedIssue(t, e, first, second)
			labels := e.gt.LabelNames(gi.Number)
			if !slices.Contains(labels, "env:test") || !slices.Contains(labels, "env:production") || !slices.Contains(labels, "bug:backend") {
				t.Errorf("labels %v, want both environments", labels)
			}
			wantComments := 0
			if order == "test first" {
				wantComments = 1 // news: it escaped to production
			}
			if n := len(e.gt.Comments(gi.Number)); n != wantComments {
				t.Errorf("%d comments, want %d", n, wantComments)
			}
			if !strings.Contains(gi.Body, "**Total Occurrences**: 2") {
				t.Errorf("figures are not summed over both environments:\n%s", gi.Body)
			}
			if rep := e.run(t, opts); rep.Synced != 0 || len(e.gt.Issues()) != 1 {
				t.Errorf("a third run synced %d", rep.Synced)
			}
		})
	}
}

func TestLinkNeverAcrossComponentsOrErrors(t *testing.T) {
	e := linkEnv(t)
	e.addError(testSlug, "boom", e.now.Add(-time.Hour))
	e.addError("flyer-crawler-frontend", "boom", e.now.Add(-time.Hour))
	e.addError(prodSlug, "another boom", e.now.Add(-time.Hour))
	rep := e.run(t, linkOpts)
	if n := len(e.gt.Issues()); n != 3 || rep.Linked != 0 {
		t.Fatalf("%d gitea issues, %d linked; want 3 apart", n, rep.Linked)
	}
}

func TestLinkOffKeepsOneIssuePerProject(t *testing.T) {
	e := linkEnv(t)
	e.addError(testSlug, "boom", e.now.Add(-time.Hour))
	e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	rep := e.run(t, Options{})
	if n := len(e.gt.Issues()); n != 2 || rep.Linked != 0 {
		t.Fatalf("%d gitea issues, %d linked; want 2 apart", n, rep.Linked)
	}
	for _, gi := range e.gt.Issues() {
		if strings.Contains(gi.Body, render.EnvironmentsStart) {
			t.Errorf("#%d has an environments section with linking off", gi.Number)
		}
	}
}

// A dry run names where each issue would go.
func TestLinkDryRunShowsTheLink(t *testing.T) {
	e := linkEnv(t)
	a := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	b := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	opts := linkOpts
	opts.DryRun = true
	rep := e.run(t, opts)
	if len(rep.WouldCreate) != 2 {
		t.Fatalf("would create %+v", rep.WouldCreate)
	}
	var linkedTo string
	for _, w := range rep.WouldCreate {
		if w.LinkWith != "" {
			linkedTo = w.LinkWith
		}
	}
	if linkedTo != a && linkedTo != b {
		t.Errorf("no issue would be linked to the other: %+v", rep.WouldCreate)
	}
	e.addError("flyer-crawler-frontend", "unrelated", e.now)
	e.run(t, linkOpts)
	c := e.bs.AddIssue(prodSlug, bugsinktest.IssueSpec{Type: "ValueError", Value: "boom", LastSeen: e.now})
	// c is the same error as a and b in production, and Bugsink would have
	// grouped it with b: a second issue of one project cannot be the same
	// error, so this checks only that a dry run names the recorded issue.
	rep = e.run(t, opts)
	found := false
	for _, w := range rep.WouldCreate {
		if w.BugsinkIssueID == c {
			found = true
			if w.LinkTo == 0 {
				t.Errorf("dry run: %+v does not name the gitea issue it would join", w)
			}
		}
	}
	if !found {
		t.Errorf("dry run does not list %s: %+v", c, rep.WouldCreate)
	}
}

// Two environments' issues of one bug race to be first: one creates, the
// other links; their reservations and the bug's claim end clean.
func TestLinkRaceMakesOneIssue(t *testing.T) {
	for i := 0; i < 5; i++ {
		e := linkEnv(t)
		var ids []string
		for j := 0; j < 3; j++ {
			ids = append(ids, e.addError(testSlug, fmt.Sprintf("race %d", j), e.now.Add(-time.Hour)))
			ids = append(ids, e.addError(prodSlug, fmt.Sprintf("race %d", j), e.now.Add(-time.Hour)))
		}
		opts := linkOpts
		opts.MaxCreate, opts.Concurrency = 100, 8
		rep := e.run(t, opts)
		if n := len(e.gt.Issues()); n != 3 || rep.Linked != 3 || len(rep.Errors) != 0 {
			t.Fatalf("%d gitea issues, %d linked, errors %+v; want 3 and 3", n, rep.Linked, rep.Errors)
		}
		for j := 0; j < 3; j++ {
			sharedIssue(t, e, ids[2*j], ids[2*j+1])
		}
		keys := e.redis.Client(t, syncstate.DefaultDB).Keys(context.Background(), syncstate.PendingPrefix+"*").Val()
		if len(keys) != 0 {
			t.Errorf("reservations left: %v", keys)
		}
	}
}

// A state wiped after a shared issue was made is rebuilt from its body:
// both Bugsink issues map to it, and the bug index names it, so a third
// environment's issue of the bug joins it.
func TestLinkReindexMapsEveryEnvironment(t *testing.T) {
	e := linkEnv(t)
	a := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	b := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	e.run(t, linkOpts)
	if err := e.redis.Client(t, syncstate.DefaultDB).FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, linkOpts)
	if rep.Reindex == nil || rep.Reindex.Written != 2 || len(e.gt.Issues()) != 1 {
		t.Fatalf("reindex %+v, %d gitea issues", rep.Reindex, len(e.gt.Issues()))
	}
	sharedIssue(t, e, a, b)
	for _, id := range []string{a, b} {
		entry, _, _ := e.store.Get(t.Context(), id)
		if entry.Record.Environment == "" || entry.Record.Project == "" {
			t.Errorf("%s: reindexed record %+v lacks its environment or project", id, entry.Record)
		}
	}
}

// A crash after each write of a link (label, body, comment, mapping,
// resolve) leaves one issue, one comment, one row and marker per
// environment once later runs finish.
func TestLinkCrashAfterEachWrite(t *testing.T) {
	for after := 1; ; after++ {
		e := linkEnv(t)
		a := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
		e.run(t, linkOpts)
		e.now = e.now.Add(3 * time.Hour)
		b := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
		c := &crash{after: after}
		eng := e.engine(linkOpts)
		eng.Gitea, eng.Bugsink, eng.State = linkCrashGitea{crashGitea{eng.Gitea, c}}, crashBugsink{eng.Bugsink, c}, linkCrashState{crashState{eng.State, c}}
		_, _ = eng.Run(t.Context())
		if !c.dead {
			if after < 5 {
				t.Fatalf("the link made only %d writes", after-1)
			}
			break
		}
		e.now = e.now.Add(DefaultPendingGrace + time.Minute)
		for i := 0; i < 2; i++ {
			if rep := e.run(t, linkOpts); len(rep.Errors) != 0 {
				t.Fatalf("crash after write %d: run %d errors %v", after, i, rep.Errors)
			}
		}
		if n := len(e.gt.Issues()); n != 1 {
			t.Fatalf("crash after write %d: %d gitea issues", after, n)
		}
		gi := sharedIssue(t, e, a, b)
		if n := len(e.gt.Comments(gi.Number)); n != 1 {
			t.Errorf("crash after write %d: %d comments, want the one saying it reached production", after, n)
		}
	}
}

// The creating environment's run stops after its create (the claim and
// reservation stay, nothing is recorded): the other environment's issue
// finds the created issue by its marker and joins it.
func TestLinkClaimLeftByAStoppedCreate(t *testing.T) {
	e := linkEnv(t)
	a := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	c := &crash{after: 3} // reserve, claim, create
	eng := e.engine(linkOpts)
	eng.Gitea, eng.State = linkCrashGitea{crashGitea{eng.Gitea, c}}, linkCrashState{crashState{eng.State, c}}
	_, _ = eng.Run(t.Context())
	if n := len(e.gt.Issues()); n != 1 || !c.dead {
		t.Fatalf("%d gitea issues after the stopped create (dead %v)", n, c.dead)
	}
	b := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	for i := 0; i < 2; i++ {
		if rep := e.run(t, linkOpts); len(rep.Errors) != 0 {
			t.Fatalf("run %d errors %v", i, rep.Errors)
		}
	}
	if n := len(e.gt.Issues()); n != 1 {
		t.Fatalf("%d gitea issues, want 1", n)
	}
	sharedIssue(t, e, a, b)
}

// A claim whose create never reached Gitea (its run stopped; a person
// resolved that issue in Bugsink since) defers the other environment's
// issue while the create may still land, then is taken over: one issue.
func TestLinkStaleClaimIsTakenOver(t *testing.T) {
	e := linkEnv(t)
	a := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	c := &crash{after: 2} // reserve, claim
	eng := e.engine(linkOpts)
	eng.Gitea, eng.State = linkCrashGitea{crashGitea{eng.Gitea, c}}, linkCrashState{crashState{eng.State, c}}
	_, _ = eng.Run(t.Context())
	if n := len(e.gt.Issues()); n != 0 || !c.dead {
		t.Fatalf("%d gitea issues after the stopped claim", n)
	}
	if err := e.bc.Resolve(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	b := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	rep := e.run(t, linkOpts)
	if rep.Deferred != 1 || len(e.gt.Issues()) != 0 {
		t.Fatalf("within the grace: deferred %d, %d gitea issues", rep.Deferred, len(e.gt.Issues()))
	}
	e.now = e.now.Add(DefaultPendingGrace + time.Minute)
	if rep := e.run(t, linkOpts); len(rep.Errors) != 0 || rep.Synced != 1 {
		t.Fatalf("after the grace: synced %d, errors %v", rep.Synced, rep.Errors)
	}
	if n := len(e.gt.Issues()); n != 1 {
		t.Fatalf("%d gitea issues, want 1", n)
	}
	sharedIssue(t, e, b)
}

type linkCrashGitea struct{ crashGitea }

func (g linkCrashGitea) CreateIssue(ctx context.Context, opt gitea.CreateIssueOption) (*gitea.Issue, error) {
	var is *gitea.Issue
	err := g.c.write(func() (err error) { is, err = g.GiteaAPI.CreateIssue(ctx, opt); return err })
	return is, err
}

func (g linkCrashGitea) AddLabels(ctx context.Context, number int, ids []int64) ([]gitea.Label, error) {
	var ls []gitea.Label
	err := g.c.write(func() (err error) { ls, err = g.GiteaAPI.AddLabels(ctx, number, ids); return err })
	return ls, err
}

type linkCrashState struct{ crashState }

func (s linkCrashState) Reserve(ctx context.Context, id string, r syncstate.Reservation, replaces *syncstate.Reservation) error {
	return s.c.write(func() error { return s.StateStore.Reserve(ctx, id, r, replaces) })
}

func (s linkCrashState) Commit(ctx context.Context, id string, r syncstate.Record) error {
	return s.c.write(func() error { return s.StateStore.Commit(ctx, id, r) })
}

func (s linkCrashState) ClaimBug(ctx context.Context, bug string, c syncstate.BugClaim, replacing string) (bool, syncstate.Bug, error) {
	var won bool
	var cur syncstate.Bug
	err := s.c.write(func() (err error) { won, cur, err = s.StateStore.ClaimBug(ctx, bug, c, replacing); return err })
	return won, cur, err
}
