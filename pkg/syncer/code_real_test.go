package syncer

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// TestRealCodeLinks syncs the recorded SDK events from a real Bugsink into
// a real Gitea repository that holds the recording scripts under shop/
// (the frames' /srv/shop/… end in them by two segments, so the project
// earns the mapping /srv/ → the root), a CODEOWNERS
// and the backend's release tag: every issue with a frame in a script
// links it at its line (the Python release at its tag, the Node release,
// which has no tag, at the default branch's commit), the link opens, and
// the issue is assigned the script's owner; the others are untouched.
func TestRealCodeLinks(t *testing.T) {
	g := peertest.GiteaServer(t)
	b := peertest.BugsinkServer(t)
	a := g.NewAccount(t)
	pyOwner, jsOwner, reader := g.NewUser(t, "read:user"), g.NewUser(t, "read:user"), g.NewUser(t, "read:user")
	g.AddCollaboratorAs(t, a, pyOwner.Login, "write")
	g.AddCollaboratorAs(t, a, jsOwner.Login, "write")
	g.AddCollaboratorAs(t, a, reader.Login, "read")
	lines := strings.Repeat("// line\n", 300) // the recorded frames reach line 235
	g.AddFile(t, a, "shop/record_node.js", lines)
	head := g.AddFile(t, a, "shop/record_python.py", lines)
	g.AddTag(t, a, "v1.4.2", head)
	g.AddFile(t, a, "CODEOWNERS", `shop/record_python\.py @`+pyOwner.Login+"\nshop/record_node\\.js @"+jsOwner.Login+" @"+reader.Login+"\n")

	p := b.NewProject(t, "shop")
	events, err := filepath.Glob("../render/testdata/events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	// The minified request's issue has a frame under /srv/ that is not in
	// the repository (its bundle), so its own frames earn no mapping: it
	// is stored after a first run has earned one, so that its link does
	// not hang on which issue a run takes first.
	var first, later []string
	for _, f := range events {
		switch {
		case strings.HasSuffix(f, ".issue.json"):
		case strings.HasSuffix(f, "-minified.json"):
			later = append(later, f)
		default:
			first = append(first, f)
		}
	}
	storeEvents(t, b, p, first)

	opts := apiclient.Options{Timeout: 30 * time.Second}
	gc := gitea.New(g.URL, a.Token, a.Login, a.Repo, opts)
	rs := redistest.Start(t)
	store, err := syncstate.Open(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	newEngine := func() *Engine {
		code := codeindex.New(gc, codeindex.Options{Assign: true})
		code.Remember(store, true)
		return &Engine{Bugsink: bugsink.New(b.URL, b.Token, opts), Gitea: gc, State: store, Now: time.Now,
			Opts: Options{Projects: []string{p.Slug}, Version: "test", Render: render.Options{BugsinkURL: b.URL}},
			Code: code}
	}
	rep, err := newEngine().Run(t.Context())
	if err != nil || len(rep.Errors) > 0 || rep.Synced == 0 {
		t.Fatalf("run: %v, synced %d, errors %v", err, rep.Synced, rep.Errors)
	}
	warnings := rep.Warnings
	storeEvents(t, b, p, later)
	rep, err = newEngine().Run(t.Context())
	if err != nil || len(rep.Errors) > 0 || rep.Synced != 1 {
		t.Fatalf("second run: %v, synced %d (want the minified request's issue alone), errors %v", err, rep.Synced, rep.Errors)
	}
	warnings = append(warnings, rep.Warnings...)
	checkRealIssues(t, g, a, gc, pyOwner.Login, jsOwner.Login)
	if w := strings.Join(warnings, "\n"); !strings.Contains(w, `names "`+reader.Login+`", who cannot be assigned`) {
		t.Errorf("the reader is not noted:\n%s", w)
	}
}

// storeEvents stores the recorded events of files in project p.
func storeEvents(t *testing.T, b *peertest.Bugsink, p peertest.Project, files []string) {
	t.Helper()
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		b.Store(t, p, ev)
	}
}

var reAppFrame = regexp.MustCompile(`\((/srv/shop/)?(record_python\.py|record_node\.js):([0-9]+)[:0-9]*\) \[app\]`)

func checkRealIssues(t *testing.T, g *peertest.Gitea, a *peertest.Account, gc *gitea.Client, pyOwner, jsOwner string) {
	var kinds [3]int // python linked, node linked, neither
	for page, err := range gc.Issues(t.Context(), "", 10) {
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range page {
			var logins []string
			for _, u := range is.Assignees {
				logins = append(logins, u.Login)
			}
			m := reAppFrame.FindStringSubmatch(is.Body)
			switch {
			case m == nil:
				kinds[2]++
				if strings.Contains(is.Body, "/src/tag/") || strings.Contains(is.Body, "/src/commit/") || len(logins) > 0 {
					t.Errorf("issue #%d has no frame in the repository but links or assignees %v:\n%s", is.Number, logins, is.Body)
				}
			case m[2] == "record_python.py":
				kinds[0]++
				checkRealLink(t, g, is, "/src/tag/v1.4.2/shop/record_python.py#L", logins, pyOwner)
			default:
				kinds[1]++
				checkRealLink(t, g, is, "/src/commit/", logins, jsOwner)
			}
		}
	}
	t.Logf("issues by kind (python linked, node linked, neither): %v", kinds)
	if kinds[0] == 0 || kinds[1] == 0 {
		t.Errorf("issues by kind (python, node, neither): %v; want some of the first two", kinds)
	}
}

var reLink = regexp.MustCompile(`\]\((http[^)]+)\)`)

func checkRealLink(t *testing.T, g *peertest.Gitea, is gitea.Issue, want string, logins []string, owner string) {
	t.Helper()
	if !strings.Contains(is.Body, want) {
		t.Errorf("issue #%d lacks a link with %q:\n%s", is.Number, want, is.Body)
		return
	}
	if !slices.Equal(logins, []string{owner}) {
		t.Errorf("issue #%d assigned %v, want [%s]", is.Number, logins, owner)
	}
	for _, m := range reLink.FindAllStringSubmatch(is.Body, -1) {
		if !strings.HasPrefix(m[1], g.URL+"/") {
			t.Errorf("issue #%d links outside Gitea: %s", is.Number, m[1])
			continue
		}
		if !strings.Contains(m[1], "/src/") {
			continue
		}
		resp, err := http.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("issue #%d: %s answers %d", is.Number, m[1], resp.StatusCode)
		}
	}
}
