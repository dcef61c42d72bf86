package syncer

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// TestRealLinkEnvironments ingests one recorded SDK event into a test and
// a production project of a real Bugsink (test first, production first,
// both before a sync) and syncs with a real Gitea: one Gitea issue with
// both environments' labels, markers and rows, both Bugsink issues
// resolved, and the one comment only when the bug reached production
// after it was filed. Then both come back after a close: one regression
// comment.
func TestRealLinkEnvironments(t *testing.T) {
	g := peertest.GiteaServer(t)
	b := peertest.BugsinkServer(t)
	event := recordedEvent(t, "python-request-plain")
	for _, order := range []string{"test first", "production first", "both before a sync"} {
		t.Run(order, func(t *testing.T) {
			a := g.NewAccount(t)
			test, prod := b.NewProject(t, "shop-backend-test"), b.NewProject(t, "shop-backend")
			store := realStore(t)
			opts := apiclient.Options{Timeout: 20 * time.Second}
			gc := gitea.New(g.URL, a.Token, a.Login, a.Repo, opts)
			sync := func() *Report {
				t.Helper()
				eng := &Engine{Bugsink: bugsink.New(b.URL, b.Token, opts), Gitea: gc, State: store,
					// Unique suffixes make every slug its own application:
					// BSYNC_COMPONENTS names the pair one.
					Opts: Options{Projects: []string{test.Slug, prod.Slug}, LinkEnvironments: true, Version: "test",
						Components:    map[string]string{test.Slug: "shop", prod.Slug: "shop"},
						WontFixLabels: []string{"wontfix"}, Render: render.Options{BugsinkURL: b.URL}}}
				rep, err := eng.Run(t.Context())
				if err != nil || len(rep.Errors) != 0 {
					t.Fatalf("sync: %v %+v", err, rep.Errors)
				}
				return rep
			}
			first, second := test, prod
			if order == "production first" {
				first, second = prod, test
			}
			b.Store(t, first, event)
			if order != "both before a sync" {
				sync()
				// The bug's filing time has whole seconds (synced_at): the
				// second environment's first event comes in a later second,
				// so that it is known to come after the filing.
				time.Sleep(1100 * time.Millisecond)
			}
			b.Store(t, second, event)
			if rep := sync(); rep.Linked != 1 {
				t.Fatalf("linked %d", rep.Linked)
			}
			issues := realIssues(t, gc)
			if len(issues) != 1 {
				t.Fatalf("%d gitea issues, want 1", len(issues))
			}
			gi := issues[0]
			var names []string
			for _, l := range gi.Labels {
				names = append(names, l.Name)
			}
			if !slices.Contains(names, "env:test") || !slices.Contains(names, "env:production") || !slices.Contains(names, "bug:backend") {
				t.Errorf("labels %v", names)
			}
			ids := realIssueIDs(t, b, test, prod)
			for _, id := range ids {
				if strings.Count(gi.Body, render.Marker(id)) != 1 {
					t.Errorf("the body carries %s's marker %d times", id, strings.Count(gi.Body, render.Marker(id)))
				}
			}
			// Rows of the Environments table (the details table's Environment
			// row starts with its field name).
			if n := strings.Count(gi.Body, "\n| `test` |") + strings.Count(gi.Body, "\n| `production` |"); n != 2 {
				t.Errorf("%d environment rows:\n%s", n, gi.Body)
			}
			want := 0
			if order == "test first" {
				want = 1
			}
			if cs, err := gc.Comments(t.Context(), gi.Number); err != nil || len(cs) != want {
				t.Errorf("%d comments, want %d (%v)", len(cs), want, err)
			}
			// Closed by hand, then both environments send the event again
			// from a release Bugsink first sees after the close (one that
			// may carry the fix: docs/regressions.md).
			if _, err := gc.SetState(t.Context(), gi.Number, "closed"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1100 * time.Millisecond) // Gitea's close time has whole seconds
			fixed := maps.Clone(event)
			fixed["release"] = "shop-backend@1.4.3"
			b.Store(t, test, fixed)
			b.Store(t, prod, fixed)
			if rep := sync(); rep.Regressed != 1 || rep.Recurring != 1 {
				t.Errorf("after a close: regressed %d, recurring %d; want one of each", rep.Regressed, rep.Recurring)
			}
			cs, _ := gc.Comments(t.Context(), gi.Number)
			regressions := 0
			for _, c := range cs {
				if strings.Contains(c.Body, "<!-- bsync-regression: ") {
					regressions++
				}
			}
			if regressions != 1 {
				t.Errorf("%d regression comments for one close, want 1", regressions)
			}
		})
	}
}

func realStore(t *testing.T) *syncstate.Store {
	t.Helper()
	syncstate.SilenceDriverLogs()
	rs := redistest.Start(t)
	store, err := syncstate.Open(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func realIssues(t *testing.T, gc *gitea.Client) []gitea.Issue {
	t.Helper()
	var out []gitea.Issue
	for rows, err := range gc.Issues(t.Context(), "", 10) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rows...)
	}
	return out
}

func realIssueIDs(t *testing.T, b *peertest.Bugsink, ps ...peertest.Project) []string {
	t.Helper()
	var ids []string
	for _, p := range ps {
		var page struct {
			Results []struct {
				ID         string `json:"id"`
				IsResolved bool   `json:"is_resolved"`
			} `json:"results"`
		}
		b.API(t, "GET", "/issues/?project="+strconv.Itoa(p.ID), nil).JSON(t, &page)
		if len(page.Results) != 1 || !page.Results[0].IsResolved {
			t.Fatalf("project %s: %+v, want one resolved issue", p.Slug, page.Results)
		}
		ids = append(ids, page.Results[0].ID)
	}
	return ids
}

// recordedEvent is one of the events recorded from real SDKs
// (pkg/render/testdata/events), as JSON to send to a real Bugsink.
func recordedEvent(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../render/testdata/events/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var event map[string]any
	if err := json.Unmarshal(raw, &event); err != nil {
		t.Fatal(err)
	}
	return event
}
