package syncer

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// TestRealEnvironmentsBreak holds the shared issue to what a person and a
// lost state do to it on the real pair: a catch-all log template from two
// code paths stays two issues; the hidden lines and the footer deleted by
// a person come back with the next write, and a lost state rebuilt after
// that finds every environment.
func TestRealEnvironmentsBreak(t *testing.T) {
	g := peertest.GiteaServer(t)
	b := peertest.BugsinkServer(t)
	event := recordedEvent(t, "python-request-plain")
	var flush func(t *testing.T)
	pair := func(t *testing.T, first, second string) *realPair {
		a := g.NewAccount(t)
		syncstate.SilenceDriverLogs()
		rs := redistest.Start(t)
		store, err := syncstate.Open(rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		flush = func(t *testing.T) {
			if err := rs.Client(t, syncstate.DefaultDB).FlushDB(t.Context()).Err(); err != nil {
				t.Fatal(err)
			}
		}
		return &realPair{t: t, b: b, gc: gitea.New(g.URL, a.Token, a.Login, a.Repo, apiclient.Options{Timeout: 20 * time.Second}),
			store: store, projects: []peertest.Project{b.NewProject(t, first), b.NewProject(t, second)}, event: event}
	}
	t.Run("catch-all template from two code paths", func(t *testing.T) {
		r := pair(t, "shop-logs-test", "shop-logs")
		logged := func(arg string) map[string]any {
			ev := map[string]any{"platform": "python", "level": "error", "logger": "app",
				"logentry": map[string]any{"message": "%s", "params": []any{arg}}}
			return ev
		}
		b.Store(t, r.projects[0], logged("disk full on /var"))
		r.sync()
		time.Sleep(1100 * time.Millisecond)
		b.Store(t, r.projects[1], logged("payment timeout"))
		rep := r.sync()
		if rep.Linked != 0 || rep.Synced != 1 || len(rep.Errors) != 0 {
			t.Fatalf("linked %d, synced %d, errors %v; want two issues", rep.Linked, rep.Synced, rep.Errors)
		}
		if cs := r.comments(1); len(cs) != 0 {
			t.Errorf("#1 got comments %+v", cs)
		}
	})
	t.Run("hidden lines and footer deleted, then state lost", func(t *testing.T) {
		r := pair(t, "shop-cart-test", "shop-cart")
		b.Store(t, r.projects[0], event)
		r.sync()
		time.Sleep(1100 * time.Millisecond)
		b.Store(t, r.projects[1], event)
		if rep := r.sync(); rep.Linked != 1 {
			t.Fatalf("linked %d", rep.Linked)
		}
		gi := r.issue(1)
		hidden := regexp.MustCompile(`(?m)^<!-- (bugsink-issue|bsync-env|bsync-bug): [^\n]*-->\n?`)
		cut := hidden.ReplaceAllString(gi.Body, "")
		if i := strings.LastIndex(cut, "\n---"); i > 0 {
			cut = cut[:i] // the footer
		}
		cut += "\n\nRoot cause: the cart cache (alice)\n"
		if err := r.gc.EditBody(t.Context(), 1, cut); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		b.Store(t, r.projects[0], event)
		b.Store(t, r.projects[1], event)
		rep := r.sync()
		if len(rep.Errors) != 0 {
			t.Errorf("the returns: errors %v", rep.Errors)
		}
		gi = r.issue(1)
		ids := map[string]bool{}
		for _, m := range reMarker.FindAllStringSubmatch(gi.Body, -1) {
			ids[m[1]] = true
		}
		if len(ids) != 2 || !strings.Contains(gi.Body, "Root cause: the cart cache (alice)") {
			t.Errorf("markers %v, want both environments' back; the person's note kept %v", slicesOf(ids), strings.Contains(gi.Body, "alice"))
		}
		flush(t)
		b.Store(t, r.projects[0], event)
		b.Store(t, r.projects[1], event)
		rep = r.sync()
		if all := realIssues(t, r.gc); len(all) != 1 || len(rep.Errors) != 0 {
			t.Errorf("%d gitea issues after the lost state, errors %v; want 1", len(all), rep.Errors)
		}
	})
}

func slicesOf(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }
