package syncer

import (
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
)

// TestRealFixShips holds "a fix is a fix until it ships" to a real Gitea
// 1.25.4 and a real Bugsink 2.5.0: a repository with a tag that predates
// the fix, a commit "fixes #1" pushed to the default branch (Gitea closes
// the issue itself), a tag that contains it; events from both releases in
// both orders; a close by hand; a project without releases; a bug shared
// by two environments.
func TestRealFixShips(t *testing.T) {
	g := peertest.GiteaServer(t)
	b := peertest.BugsinkServer(t)
	t.Run("fixed by a pushed commit", func(t *testing.T) {
		t.Parallel() // each has its own account and projects
		p := newFixPair(t, g, b, "shop-api")
		p.store(0, "1.0.0")
		id := p.syncOne()
		fix := commitFixing(t, g, p.a, p.gc, 1)
		p.store(0, "1.0.0")
		p.expectQuiet(1, id)
		g.AddTag(t, p.a, "v1.0.1", fix) // the fix is tagged, the old release still runs
		p.store(0, "1.0.0")
		p.expectQuiet(1, id)
		p.store(0, "1.0.1")
		p.expectRegression(1, "`v1.0.1` contains the fix `"+fix[:10]+"`")
	})
	t.Run("the fixed release, then the old one, in one run", func(t *testing.T) {
		t.Parallel() // each has its own account and projects
		p := newFixPair(t, g, b, "shop-api")
		p.store(0, "1.0.0")
		p.syncOne()
		g.AddTag(t, p.a, "v1.0.1", commitFixing(t, g, p.a, p.gc, 1))
		p.store(0, "1.0.1")
		p.store(0, "1.0.0")
		p.expectRegression(1, "`1.0.1` (`v1.0.1` contains the fix")
	})
	t.Run("closed by hand", func(t *testing.T) {
		t.Parallel() // each has its own account and projects
		p := newFixPair(t, g, b, "shop-api")
		p.store(0, "1.0.0")
		id := p.syncOne()
		p.closeByHand(1)
		p.store(0, "1.0.0")
		p.expectQuiet(1, id)
		p.store(0, "1.1.0")
		p.expectRegression(1, "`1.1.0` (first seen by Bugsink after the close")
	})
	t.Run("a project without releases", func(t *testing.T) {
		t.Parallel() // each has its own account and projects
		p := newFixPair(t, g, b, "shop-api")
		p.store(0, "")
		p.syncOne()
		p.closeByHand(1)
		p.store(0, "")
		rep := p.expectRegression(1, "an event without a release")
		if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "the event names no release") {
			t.Errorf("the run does not say why it could not judge:\n%s", w)
		}
	})
	t.Run("a bug in two environments", func(t *testing.T) {
		t.Parallel() // each has its own account and projects
		p := newFixPair(t, g, b, "shop-api-test", "shop-api")
		p.store(0, "1.0.0")
		p.syncOne()
		fix := commitFixing(t, g, p.a, p.gc, 1)
		g.AddTag(t, p.a, "v1.0.1", fix)
		// Production still runs the old release: its first arrival after
		// the close joins quietly.
		p.store(1, "1.0.0")
		rep := p.sync()
		if rep.Synced != 1 || rep.Regressed != 0 || rep.AwaitingFix != 1 || len(rep.Errors) != 0 {
			t.Fatalf("production on the old release: synced %d regressed %d awaiting %d errors %v", rep.Synced, rep.Regressed, rep.AwaitingFix, rep.Errors)
		}
		if gi := p.issue(1); gi.State != "closed" || len(p.comments(1)) != 0 {
			t.Fatalf("production's old release touched the fixed issue: %s, %d comments", gi.State, len(p.comments(1)))
		}
		// The test environment runs the fix and fails again: news.
		p.store(0, "1.0.1")
		p.expectRegression(1, "`v1.0.1` contains the fix")
	})
}

// fixPair is one case of the fix tests on the real pair: a repository
// whose shop/price.py is tagged v1.0.0 before any fix, Bugsink projects
// for slugs, and the recorded Python event to send from any release.
type fixPair struct {
	*realPair
	g *peertest.Gitea
	a *peertest.Account
	// base is the commit tagged v1.0.0, before any fix.
	base string
}

func newFixPair(t *testing.T, g *peertest.Gitea, b *peertest.Bugsink, slugs ...string) *fixPair {
	t.Helper()
	a := g.NewAccount(t)
	base := g.AddFile(t, a, "shop/price.py", "def price(s):\n    return float(s)\n")
	g.AddTag(t, a, "v1.0.0", base)
	r := &realPair{t: t, b: b, gc: gitea.New(g.URL, a.Token, a.Login, a.Repo, apiclient.Options{Timeout: 20 * time.Second}),
		store: realStore(t), event: recordedEvent(t, "python-request-plain")}
	for _, s := range slugs {
		r.projects = append(r.projects, b.NewProject(t, s))
	}
	return &fixPair{realPair: r, g: g, a: a, base: base}
}

// on is the recorded event from release ("" for none).
func (p *fixPair) on(release string) map[string]any {
	ev := maps.Clone(p.event)
	delete(ev, "release")
	if release != "" {
		ev["release"] = release
	}
	return ev
}

func (p *fixPair) store(i int, release string) { p.b.Store(p.t, p.projects[i], p.on(release)) }

// syncOne syncs the first issue and returns its Bugsink id.
func (r *realPair) syncOne() string {
	r.t.Helper()
	rep := r.sync()
	if rep.Synced != 1 || len(rep.Errors) != 0 {
		r.t.Fatalf("first sync: synced %d errors %v", rep.Synced, rep.Errors)
	}
	return rep.Created[0].BugsinkIssueID
}

// expectQuiet syncs and expects the return from a release without the fix
// to be quiet: the Gitea issue closed and uncommented, the Bugsink issue
// left unresolved.
func (r *realPair) expectQuiet(number int, id string) {
	r.t.Helper()
	rep := r.sync()
	if rep.AwaitingFix != 1 || rep.Regressed != 0 || len(rep.Errors) != 0 {
		r.t.Fatalf("a return from a release without the fix: awaiting %d regressed %d errors %v warnings %v comments %v", rep.AwaitingFix, rep.Regressed, rep.Errors, rep.Warnings, r.comments(number))
	}
	if gi := r.issue(number); gi.State != "closed" || len(r.comments(number)) != 0 {
		r.t.Fatalf("the fixed issue was touched: %s, %d comments", gi.State, len(r.comments(number)))
	}
	bc := bugsink.New(r.b.URL, r.b.Token, apiclient.Options{Timeout: 20 * time.Second})
	if is, err := bc.Issue(r.t.Context(), id); err != nil || is.IsResolved {
		r.t.Fatalf("the Bugsink issue should stay unresolved while the old release reports it: %v, resolved %v", err, is != nil && is.IsResolved)
	}
}

// expectRegression syncs and expects the return to be a regression whose
// one comment says want.
func (r *realPair) expectRegression(number int, want string) *Report {
	r.t.Helper()
	rep := r.sync()
	if rep.Regressed != 1 || rep.AwaitingFix != 0 || len(rep.Errors) != 0 {
		r.t.Fatalf("a return from a release with the fix: regressed %d awaiting %d errors %v warnings %v", rep.Regressed, rep.AwaitingFix, rep.Errors, rep.Warnings)
	}
	cs := r.comments(number)
	if gi := r.issue(number); gi.State != "open" || len(cs) != 1 || !strings.Contains(cs[0].Body, want) {
		r.t.Fatalf("the regression: issue %s, comments %d, want one saying %q:\n%v", gi.State, len(cs), want, cs)
	}
	return rep
}

func (r *realPair) closeByHand(number int) {
	r.t.Helper()
	if _, err := r.gc.SetState(r.t.Context(), number, "closed"); err != nil {
		r.t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // Bugsink's first sight of a release after the close is a later second
}

// commitFixing commits a change whose message closes issue number to the
// default branch through the contents API, waits until Gitea closed the
// issue (its push queue does it a second or two later), and returns the
// commit.
func commitFixing(t *testing.T, g *peertest.Gitea, a *peertest.Account, gc *gitea.Client, number int) string {
	t.Helper()
	r := g.API(t, "POST", "/repos/"+a.Login+"/"+a.Repo+"/contents/shop/fix.py", a.Token, map[string]any{
		"content": base64.StdEncoding.EncodeToString([]byte("FIXED = True\n")),
		"message": fmt.Sprintf("Fix price parsing, fixes #%d", number)})
	if r.Status != 201 {
		t.Fatalf("commit the fix: %d %s", r.Status, r.Body)
	}
	var out struct {
		Commit struct {
			SHA string `json:"sha"`
		} `json:"commit"`
	}
	r.JSON(t, &out)
	waitClosed(t, gc, number)
	return out.Commit.SHA
}

// waitClosed waits until Gitea closed issue number (its push queue closes
// an issue a second or two after the push or merge), then for the next
// second: Gitea's close times have whole seconds.
func waitClosed(t *testing.T, gc *gitea.Client, number int) {
	t.Helper()
	for range 100 {
		if gi, err := gc.Issue(t.Context(), number); err == nil && gi.State == "closed" {
			time.Sleep(1100 * time.Millisecond)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("gitea did not close #%d", number)
}
