package codeindex_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
)

func newRepo(t *testing.T, files map[string]string) (*giteatest.Server, *gitea.Client, string) {
	t.Helper()
	srv := giteatest.New("acme", "app", giteatest.WithTreePerPage(2))
	t.Cleanup(srv.Close)
	head := srv.Commit("", files)
	return srv, gitea.New(srv.URL, giteatest.Token, "acme", "app",
		apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 10 * time.Millisecond, Timeout: 2 * time.Second}), head
}

var lines20 = strings.Repeat("x\n", 20)

var appFiles = map[string]string{
	"src/server/app.ts": lines20, "src/server/db.ts": lines20, "src/client/main.ts": lines20, "README.md": "x",
	"CODEOWNERS": "src/server/.* @wri @rea @ghost @acme/backend\nsrc/client/.* @wri\n",
}

func inApp(line int, paths ...string) codeindex.Frame {
	return codeindex.Frame{Paths: paths, Line: line, InApp: true}
}

// TestLocateReadsOncePerRunAndRef locates many events of two releases at
// once: the tree of each ref, the tags, the repository, CODEOWNERS and the
// assignees are each read once, whatever the number of events.
func TestLocateReadsOncePerRunAndRef(t *testing.T) {
	srv, c, head := newRepo(t, appFiles)
	srv.Tag("v1.4.2", head)
	srv.Commit("", map[string]string{"src/server/app.ts": lines20 + "changed\n"})
	srv.AddUser("wri", "write")
	srv.AddUser("rea", "read")
	x := codeindex.New(c, codeindex.Options{Assign: true})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel := "flyer-crawler@1.4.2"
			if i%2 == 1 {
				rel = "flyer-crawler@9.9.9"
			}
			loc := x.Locate(t.Context(), "web", rel, []codeindex.Frame{
				{Paths: []string{"/srv/node_modules/x/index.js"}, Line: 1}, // not in-app: not looked up
				inApp(12, "", "/srv/app/src/server/app.ts"),
				inApp(3, "webpack://app/./src/client/main.ts"),
			})
			if loc == nil || loc.Found() != 2 || loc.Links[0].Path != "" {
				t.Errorf("located %+v", loc)
				return
			}
			if !slices.Equal(loc.Owners, []string{"wri"}) {
				t.Errorf("owners %q, want only the writer", loc.Owners)
			}
			if i%2 == 0 && (loc.Ref.Kind != codeindex.Tag || loc.Ref.Name != "v1.4.2" ||
				loc.Links[1].URL != srv.URL+"/acme/app/src/tag/v1.4.2/src/server/app.ts#L12") {
				t.Errorf("at the release's tag: %+v", loc)
			}
			if i%2 == 1 && (loc.Ref.Kind != codeindex.Branch || loc.FromRelease || !strings.Contains(loc.Links[1].URL, "/src/commit/")) {
				t.Errorf("a release without a tag is linked at the default branch's commit: %+v", loc)
			}
		}()
	}
	wg.Wait()
	// Three tag names tried per release, one branch look-up, one tree per
	// commit: nothing per event.
	for route, want := range map[string]int{"/git/trees/": 2, "/tags/": 6, "/branches/": 1, "/raw/CODEOWNERS": 1, "/assignees": 1} {
		if n := srv.CountRequests("GET", route); n != want*pages(route) {
			t.Errorf("GET %s: %d requests, want %d", route, n, want*pages(route))
		}
	}
	notes := strings.Join(x.Notes(), "\n")
	for _, want := range []string{`release "flyer-crawler@9.9.9" names no tag`, `names "rea", who cannot be assigned`,
		`names "ghost", who cannot be assigned`, `the team "acme/backend"`} {
		if strings.Count(notes, want) != 1 {
			t.Errorf("notes lack (once) %q:\n%s", want, notes)
		}
	}
}

// pages is how many pages one read of a route takes here: the trees hold
// five files and three directories, two entries a page.
func pages(route string) int {
	if route == "/git/trees/" {
		return 4
	}
	return 1
}

func TestLocateAtACommitRelease(t *testing.T) {
	srv, c, head := newRepo(t, appFiles)
	srv.Commit("", map[string]string{"src/server/app.ts": ""}) // deleted on main since
	x := codeindex.New(c, codeindex.Options{})
	loc := x.Locate(t.Context(), "api", "backend@"+head[:9], []codeindex.Frame{inApp(7, "/srv/api/src/server/app.ts")})
	if loc == nil || loc.Ref.Kind != codeindex.Commit || loc.Ref.SHA != head || loc.Found() != 1 {
		t.Fatalf("located %+v", loc)
	}
	if loc.Owners != nil {
		t.Errorf("owners %q with assigning off", loc.Owners)
	}
	if srv.CountRequests("GET", "/raw/CODEOWNERS") != 0 || srv.CountRequests("GET", "/assignees") != 0 {
		t.Error("CODEOWNERS or the assignees were read with assigning off")
	}
}

// TestLocateQuietWhenNothingApplies: a repository that is not the source,
// without CODEOWNERS, and an event without a release: nothing is linked
// or assigned, and the run says each once.
func TestLocateQuietWhenNothingApplies(t *testing.T) {
	_, c, _ := newRepo(t, map[string]string{"README.md": "x", "go.mod": "x"})
	x := codeindex.New(c, codeindex.Options{Assign: true})
	for range 3 {
		loc := x.Locate(t.Context(), "web", "", []codeindex.Frame{inApp(1, "/srv/app/src/a.ts")})
		if loc == nil || loc.Found() != 0 || len(loc.Owners) != 0 || loc.FromRelease {
			t.Errorf("located %+v", loc)
		}
	}
	notes := x.Notes()
	if len(notes) != 1 || !strings.Contains(notes[0], "project web: none of 3 in-app frames was linked") {
		t.Errorf("notes %q", notes)
	}
	srv2, c2, _ := newRepo(t, map[string]string{"src/a.ts": "x"})
	x2 := codeindex.New(c2, codeindex.Options{Assign: true})
	if loc := x2.Locate(t.Context(), "web", "", []codeindex.Frame{inApp(1, "/srv/app/src/a.ts")}); loc.Found() != 1 || len(loc.Owners) != 0 {
		t.Errorf("located %+v", loc)
	}
	if n := srv2.CountRequests("GET", "/raw/") - srv2.CountRequests("GET", "/raw/src/"); n != 3 {
		t.Errorf("%d CODEOWNERS reads, want the three places Gitea looks", n)
	}
	if notes := x2.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "has no CODEOWNERS") {
		t.Errorf("notes %q", notes)
	}
}

func TestLocateOffWhenTheRepositoryCannotBeRead(t *testing.T) {
	srv, c, _ := newRepo(t, appFiles)
	srv.Close()
	x := codeindex.New(c, codeindex.Options{Assign: true})
	if loc := x.Locate(t.Context(), "web", "", []codeindex.Frame{inApp(1, "a.ts")}); loc != nil {
		t.Errorf("located %+v", loc)
	}
	if notes := x.Notes(); len(notes) != 1 || !strings.HasPrefix(notes[0], "code links are off this run") {
		t.Errorf("notes %q", notes)
	}
}

func TestLocateOffInAnEmptyRepository(t *testing.T) {
	srv := giteatest.New("acme", "app")
	t.Cleanup(srv.Close)
	c := gitea.New(srv.URL, giteatest.Token, "acme", "app", apiclient.Options{Timeout: 2 * time.Second})
	x := codeindex.New(c, codeindex.Options{Assign: true})
	for range 2 {
		if loc := x.Locate(t.Context(), "web", "", []codeindex.Frame{inApp(1, "a.ts")}); loc != nil {
			t.Errorf("located %+v", loc)
		}
	}
	if notes := x.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "acme/app has no commit on its default branch main") {
		t.Errorf("notes %q", notes)
	}
	if n := srv.CountRequests("GET", "/branches/"); n != 1 {
		t.Errorf("%d branch reads, want 1 per run", n)
	}
}
