package syncer

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/codeindex"
)

// nodeEvent is a Node event of release rel whose innermost in-app frame
// is file:line.
func nodeEvent(rel, file string, line int) map[string]any {
	return map[string]any{"platform": "node", "release": rel, "environment": "production",
		"exception": map[string]any{"values": []any{map[string]any{"type": "TypeError", "value": "boom " + file,
			"stacktrace": map[string]any{"frames": []any{
				map[string]any{"filename": "/srv/app/node_modules/express/index.js", "lineno": 5, "in_app": false, "function": "handle"},
				map[string]any{"filename": "/srv/app/" + file, "lineno": line, "in_app": true, "function": "run"},
			}}}}}}
}

// TestSyncLinksFramesAndAssignsOwnersAtCreateOnly: every created issue
// whose frame is in the repository links it at the release's tag and is
// assigned its owner; the other issue is untouched; the repository is
// read once per run and ref whatever the number of issues; a person's
// later reassignment stands through a regression.
func TestSyncLinksFramesAndAssignsOwnersAtCreateOnly(t *testing.T) {
	e := newEnv(t)
	src := strings.Repeat("x\n", 20)
	head := e.gt.Commit("", map[string]string{"src/server/app.ts": src, "src/client/cart.ts": src,
		"CODEOWNERS": "src/server/.* @backend-dev\nsrc/client/.* @frontend-dev @acme/web\n"})
	e.gt.Tag("v1.4.2", head)
	e.gt.AddUser("backend-dev", "write")
	e.gt.AddUser("frontend-dev", "write")
	e.gt.AddUser("someone", "write")
	e.bs.AddProject("flyer-crawler-backend", "B")
	ids := map[string]string{}
	for i, file := range []string{"src/server/app.ts", "src/client/cart.ts", "lib/vendor.js"} {
		for j := range 3 { // three issues per file: reads must not grow with them
			ids[fmt.Sprint(file, j)] = e.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "TypeError",
				Value: fmt.Sprintf("boom %d%d", i, j), FirstSeen: e.now.Add(-time.Hour), LastSeen: e.now.Add(-time.Hour),
				Data: nodeEvent("flyer-crawler@1.4.2", file, 10+j)})
		}
	}
	eng := e.engine(Options{})
	eng.Code = codeindex.New(e.gc, codeindex.Options{Assign: true})
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Synced != 9 {
		t.Fatalf("run: %v, synced %d, errors %v", err, rep.Synced, rep.Errors)
	}
	byTitle := map[string]int{}
	for _, is := range e.gt.Issues() {
		byTitle[is.Title] = is.Number
	}
	for _, c := range []struct {
		i      int
		link   string
		owners []string
	}{{0, "src/tag/v1.4.2/src/server/app.ts#L1", []string{"backend-dev"}}, {1, "src/tag/v1.4.2/src/client/cart.ts#L1", []string{"frontend-dev"}}, {2, "", nil}} {
		for j := range 3 {
			n := byTitle[fmt.Sprintf("[TypeError] boom %d%d", c.i, j)]
			is := e.gt.Issues()[n-1]
			if c.link != "" && !strings.Contains(is.Body, c.link+fmt.Sprint(j)+")") {
				t.Errorf("issue #%d lacks the link %s%d:\n%s", n, c.link, j, is.Body)
			}
			if c.link == "" && strings.Contains(is.Body, "/src/tag/") && strings.Contains(is.Body, "](") && strings.Contains(is.Body, "#L") {
				t.Errorf("issue #%d links a frame outside the repository:\n%s", n, is.Body)
			}
			if !slices.Equal(e.gt.Assignees(n), c.owners) {
				t.Errorf("issue #%d assigned %v, want %v", n, e.gt.Assignees(n), c.owners)
			}
		}
	}
	// The release's three tag names are tried once, each linked file read
	// once for its length.
	for route, want := range map[string]int{"/git/trees/": 1, "/tags/": 3, "/raw/CODEOWNERS": 1, "/assignees": 1,
		"/raw/src/server/app.ts": 1} {
		if n := e.gt.CountRequests("GET", route); n != want {
			t.Errorf("GET %s: %d requests for 9 issues, want %d", route, n, want)
		}
	}
	if w := strings.Join(rep.Warnings, "\n"); strings.Count(w, `the team "acme/web"`) != 1 {
		t.Errorf("the team is not noted once:\n%s", w)
	}
	checkReassignmentStands(t, e, byTitle["[TypeError] boom 00"], ids["src/server/app.ts0"])
}

// checkReassignmentStands reassigns an issue as a person would, closes it,
// lets its error come back from a newer release, and runs again: the regression reopens it and
// leaves the assignees alone.
func checkReassignmentStands(t *testing.T, e *env, number int, bugsinkID string) {
	t.Helper()
	e.gt.SetAssignees(number, []string{"someone"})
	e.gt.CloseIssueAt(number, e.now)
	// Back from a release Bugsink first sees after the close: news.
	e.now = e.now.Add(time.Hour)
	e.bs.Ingest(bugsinkID, e.now, "1.4.3")
	eng := e.engine(Options{})
	eng.Code = codeindex.New(e.gc, codeindex.Options{Assign: true})
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Regressed != 1 {
		t.Fatalf("second run: %v, regressed %d", err, rep.Regressed)
	}
	if got := e.gt.Assignees(number); !slices.Equal(got, []string{"someone"}) {
		t.Errorf("after the regression issue #%d is assigned %v, want the person's choice", number, got)
	}
}

// TestSyncQuietWithoutTheSource: the repository is not the application's
// source and has no CODEOWNERS: issues read as before, without links or
// assignees, and the run says so once each.
func TestSyncQuietWithoutTheSource(t *testing.T) {
	e := newEnv(t)
	e.gt.Commit("", map[string]string{"README.md": "x"})
	e.bs.AddProject("flyer-crawler-backend", "B")
	for i := range 3 {
		e.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "TypeError", Value: fmt.Sprint("boom ", i),
			FirstSeen: e.now.Add(-time.Hour), LastSeen: e.now.Add(-time.Hour), Data: nodeEvent("", "src/a.ts", i+1)})
	}
	eng := e.engine(Options{})
	eng.Code = codeindex.New(e.gc, codeindex.Options{Assign: true})
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Synced != 3 {
		t.Fatalf("run: %v, synced %d", err, rep.Synced)
	}
	for _, is := range e.gt.Issues() {
		if strings.Contains(is.Body, "](http") && strings.Contains(is.Body, "/src/") || len(is.Assignees) > 0 {
			t.Errorf("issue #%d has code links or assignees: %v\n%s", is.Number, is.Assignees, is.Body)
		}
	}
	w := strings.Join(rep.Warnings, "\n")
	if strings.Count(w, "none of 3 in-app frames was linked") != 1 || strings.Count(w, "no CODEOWNERS") != 0 {
		t.Errorf("warnings:\n%s", w)
	}
}
