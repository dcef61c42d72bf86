package codeindex_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
)

// codeRepo is a repository the scenarios fill: the fake or a real Gitea.
type codeRepo interface {
	// push commits files (an empty content deletes one) to main in one
	// commit, tags it with each tag, and returns its id.
	push(t *testing.T, files map[string]string, tags ...string) string
	user(t *testing.T, perm string) string
	// client reads the repository; after each answer to a request whose
	// path contains a key of hooks, that hook runs once.
	client(t *testing.T, hooks map[string]func()) *gitea.Client
}

// hookTransport runs a hook once, after the first answer to a matching
// request.
type hookTransport struct {
	hooks map[string]func()
	done  map[string]*atomic.Bool
	n     atomic.Int64
}

func newHookTransport(hooks map[string]func()) *hookTransport {
	h := &hookTransport{hooks: hooks, done: map[string]*atomic.Bool{}}
	for k := range hooks {
		h.done[k] = &atomic.Bool{}
	}
	return h
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.n.Add(1)
	resp, err := http.DefaultTransport.RoundTrip(r)
	for k, f := range h.hooks {
		if strings.Contains(r.URL.Path, k) && h.done[k].CompareAndSwap(false, true) {
			f()
		}
	}
	return resp, err
}

type fakeCodeRepo struct{ srv *giteatest.Server }

func (f *fakeCodeRepo) push(_ *testing.T, files map[string]string, tags ...string) string {
	sha := f.srv.Commit("", files)
	for _, tag := range tags {
		f.srv.Tag(tag, sha)
	}
	return sha
}

func (f *fakeCodeRepo) user(_ *testing.T, perm string) string {
	login := fmt.Sprintf("user%d%s", time.Now().UnixNano()%100000, perm)
	f.srv.AddUser(login, perm)
	return login
}

func (f *fakeCodeRepo) client(_ *testing.T, hooks map[string]func()) *gitea.Client {
	return gitea.New(f.srv.URL, giteatest.Token, "acme", "app", apiclient.Options{Timeout: 5 * time.Second,
		RetryWait: time.Millisecond, RetryMaxWait: 10 * time.Millisecond, HTTPClient: &http.Client{Transport: newHookTransport(hooks)}})
}

// monorepo is the flyer-crawler repository: the backend under backend/,
// another service's worker/tasks.py, a legacy copy, and a src/index.js of
// the backend's own.
func monorepo(owners map[string]string) map[string]string {
	twenty := strings.Repeat("x = 1\n", 20)
	return map[string]string{
		"backend/flyer_crawler/worker/tasks.py": twenty,
		"backend/flyer_crawler/models.py":       twenty,
		"backend/flyer_crawler/__init__.py":     "\n",
		"worker/tasks.py":                       twenty,
		"legacy/flyer_crawler/jobs.py":          twenty,
		"src/index.js":                          twenty,
		"CODEOWNERS": "backend/.* @" + owners["back"] + "\nworker/.* @" + owners["other"] + "\nlegacy/.* @" + owners["legacy"] +
			"\nsrc/.* @" + owners["other"] + "\n",
	}
}

type scenarioRepo struct {
	repo   codeRepo
	owners map[string]string // role → login
	tagged string            // the commit tagged v1.4.2
}

// setUp fills a repository for the scenarios: the monorepo at v1.4.2,
// then extraTags more tags.
func setUp(t *testing.T, repo codeRepo, extraTags int) *scenarioRepo {
	s := &scenarioRepo{repo: repo, owners: map[string]string{}}
	for _, role := range []string{"back", "other", "legacy"} {
		s.owners[role] = repo.user(t, "write")
	}
	var tags []string
	for i := range extraTags {
		tags = append(tags, fmt.Sprintf("v0.%d.%d", i/100, i%100))
	}
	s.tagged = repo.push(t, monorepo(s.owners), append([]string{"v1.4.2"}, tags...)...)
	return s
}

func py(line int, path string) codeindex.Frame {
	return codeindex.Frame{Paths: []string{path, ""}, Line: line, InApp: true}
}

// runScenarios holds the index to the cases on repo.
func runScenarios(t *testing.T, repo codeRepo, extraTags int) {
	s := setUp(t, repo, extraTags)
	t.Run("monorepo", s.monorepoCase)
	t.Run("stdlib-in-app", s.stdlibCase)
	t.Run("past-the-end", s.pastEndCase)
	t.Run("explicit-without-file", s.explicitCase)
	t.Run("not-the-source", s.notSourceCase)
	t.Run("many-tags", s.manyTagsCase)
	t.Run("push-during-read", s.pushCase)
	t.Run("windows-prefix", s.windowsCase)
	t.Run("tree-too-big", s.tooBigCase)
}

// want checks a located event: the files linked, in frame order ("" for
// none), and the owners.
func want(t *testing.T, loc *codeindex.Located, files []string, owners ...string) {
	t.Helper()
	if loc == nil {
		t.Fatal("nothing located")
	}
	var got []string
	for _, l := range loc.Links {
		got = append(got, l.Path)
	}
	if !slices.Equal(got, files) {
		t.Errorf("linked %q, want %q", got, files)
	}
	if len(owners) == 0 && len(loc.Owners) != 0 || len(owners) > 0 && !slices.Equal(loc.Owners, owners) {
		t.Errorf("owners %q, want %q", loc.Owners, owners)
	}
}

func (s *scenarioRepo) index(t *testing.T, mappings string) *codeindex.Index {
	maps, err := codeindex.ParseMappings(mappings)
	if err != nil {
		t.Fatal(err)
	}
	return codeindex.New(s.repo.client(t, nil), codeindex.Options{Mappings: maps, Assign: true})
}

const srvTasks, srvModels = "/srv/flyer-crawler/flyer_crawler/worker/tasks.py", "/srv/flyer-crawler/flyer_crawler/models.py"

// monorepoCase: the frame's path ends in the backend's tasks.py by three
// segments and in the other service's by two: the backend's is linked and
// only its owner assigned, at the release's tag.
func (s *scenarioRepo) monorepoCase(t *testing.T) {
	loc := s.index(t, "").Locate(t.Context(), "backend", "flyer-crawler@1.4.2", []codeindex.Frame{py(7, srvTasks), py(3, srvModels)})
	want(t, loc, []string{"backend/flyer_crawler/worker/tasks.py", "backend/flyer_crawler/models.py"}, s.owners["back"])
	if loc.Ref.Kind != codeindex.Tag || loc.Ref.Name != "v1.4.2" || loc.Ref.SHA != s.tagged {
		t.Errorf("ref %+v, want the tag v1.4.2 at %s", loc.Ref, s.tagged)
	}
	one := s.index(t, "").Locate(t.Context(), "backend", "", []codeindex.Frame{py(7, "/srv/x/worker/tasks.py")})
	want(t, one, []string{""}) // two files end it by two segments: nothing is guessed
}

// stdlibCase: the standard library marked in-app is never linked, and
// assigns nobody even when it is the innermost frame.
func (s *scenarioRepo) stdlibCase(t *testing.T) {
	x := s.index(t, "")
	std := py(1644, "/usr/lib/python3.11/logging/__init__.py")
	want(t, x.Locate(t.Context(), "backend", "", []codeindex.Frame{std}), []string{""})
	loc := x.Locate(t.Context(), "backend", "", []codeindex.Frame{std, py(3, srvModels), py(9, "/srv/venv/lib/python3.11/site-packages/flyer_crawler/models.py")})
	want(t, loc, []string{"", "backend/flyer_crawler/models.py", ""}, s.owners["back"])
}

// pastEndCase: a line past the end of the file is not linked, assigns
// nobody, and counts against the mapping.
func (s *scenarioRepo) pastEndCase(t *testing.T) {
	x := s.index(t, "")
	want(t, x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(99, srvTasks)}), []string{""})
	want(t, x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(7, srvTasks), py(3, srvModels)}),
		[]string{"backend/flyer_crawler/worker/tasks.py", "backend/flyer_crawler/models.py"}, s.owners["back"])
	want(t, x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(21, srvModels), py(7, srvTasks)}),
		[]string{"", "backend/flyer_crawler/worker/tasks.py"}, s.owners["back"])
	ms, err := x.Mappings(t.Context(), "backend")
	if err != nil || len(ms) != 1 || ms[0].Misses != 1 || ms[0].Hits != 3 {
		t.Errorf("earned %+v, want one mapping with 3 hits and 1 miss", ms)
	}
}

// explicitCase: an explicit mapping decides alone: its file is missing,
// so nothing is linked, not the legacy copy that ends the same way.
func (s *scenarioRepo) explicitCase(t *testing.T) {
	x := s.index(t, "backend:/srv/flyer-crawler/=backend/")
	loc := x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(3, "/srv/flyer-crawler/flyer_crawler/jobs.py"), py(7, srvTasks)})
	want(t, loc, []string{"", "backend/flyer_crawler/worker/tasks.py"}, s.owners["back"])
	loc = x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(3, "/srv/flyer-crawler/flyer_crawler/jobs.py")})
	want(t, loc, []string{""})
}

// notSourceCase: a frontend's frames in the backend's repository: one
// of them ends in the backend's src/index.js, another in nothing, so the
// frontend earns no mapping; nothing is linked or assigned.
func (s *scenarioRepo) notSourceCase(t *testing.T) {
	x := s.index(t, "")
	front := []codeindex.Frame{py(3, "webpack:///./src/index.js"), py(5, "webpack:///./src/App.jsx")}
	want(t, x.Locate(t.Context(), "frontend", "frontend@1.4.2", front), []string{"", ""})
	if n := strings.Join(x.Notes(), "\n"); !strings.Contains(n, `"webpack:///./src/index.js" suggests`) ||
		!strings.Contains(n, "BSYNC_CODE_MAPPINGS=frontend:") {
		t.Errorf("the hint names no example frame: %q", n)
	}
}

// manyTagsCase: with thousands of tags the release's tag is found by
// name, without listing any.
func (s *scenarioRepo) manyTagsCase(t *testing.T) {
	hooks := map[string]func(){"/tags?": func() { t.Error("the tags were listed") }}
	c := s.repo.client(t, hooks)
	x := codeindex.New(c, codeindex.Options{})
	loc := x.Locate(t.Context(), "backend", "flyer-crawler@1.4.2+build.7", []codeindex.Frame{py(7, srvTasks), py(3, srvModels)})
	want(t, loc, []string{"backend/flyer_crawler/worker/tasks.py", "backend/flyer_crawler/models.py"})
	if loc.Ref.Kind != codeindex.Tag || loc.Ref.Name != "v1.4.2" {
		t.Errorf("ref %+v, want the tag v1.4.2", loc.Ref)
	}
}

// pushCase: a push right after the default branch is resolved, and
// another after the tree's first page, change nothing of what the run
// links: the tree is read by the commit's id.
func (s *scenarioRepo) pushCase(t *testing.T) {
	before := s.repo.push(t, map[string]string{"backend/flyer_crawler/extra.py": "y\n"})
	moved := func() {
		s.repo.push(t, map[string]string{"backend/flyer_crawler/models.py": "", "backend/flyer_crawler/worker/tasks.py": "z\n"})
	}
	c := s.repo.client(t, map[string]func(){"/branches/": moved, "/git/trees/": moved})
	x := codeindex.New(c, codeindex.Options{Assign: true})
	loc := x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(7, srvTasks), py(3, srvModels)})
	want(t, loc, []string{"backend/flyer_crawler/worker/tasks.py", "backend/flyer_crawler/models.py"}, s.owners["back"])
	if loc.Ref.SHA != before || !strings.Contains(loc.Links[0].URL, "/src/commit/"+before+"/") {
		t.Errorf("linked at %s (%s), want the commit %s the branch named first", loc.Ref.SHA, loc.Links[0].URL, before)
	}
	if n := x.Notes(); len(n) != 0 {
		t.Errorf("notes %q", n)
	}
	s.repo.push(t, monorepo(s.owners))
}

// windowsCase: a Windows stack prefix matches as the stack shows it,
// explicit or earned.
func (s *scenarioRepo) windowsCase(t *testing.T) {
	x := s.index(t, `backend:C:\srv\app\=backend/`)
	loc := x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(7, `C:\srv\app\flyer_crawler\worker\tasks.py`)})
	want(t, loc, []string{"backend/flyer_crawler/worker/tasks.py"}, s.owners["back"])
	loc = s.index(t, "").Locate(t.Context(), "win", "", []codeindex.Frame{py(7, `c:\srv\app\flyer_crawler\worker\tasks.py`), py(3, `C:\srv\app\flyer_crawler\models.py`)})
	want(t, loc, []string{"backend/flyer_crawler/worker/tasks.py", "backend/flyer_crawler/models.py"}, s.owners["back"])
}

// tooBigCase: a revision larger than the run reads links nothing and
// says so once.
func (s *scenarioRepo) tooBigCase(t *testing.T) {
	x := codeindex.New(s.repo.client(t, nil), codeindex.Options{Assign: true, MaxTreeEntries: 5})
	for range 2 {
		if loc := x.Locate(t.Context(), "backend", "", []codeindex.Frame{py(7, srvTasks), py(3, srvModels)}); loc != nil {
			t.Errorf("located %+v", loc)
		}
	}
	if n := x.Notes(); len(n) != 1 || !strings.Contains(n[0], "larger than a run reads") {
		t.Errorf("notes %q", n)
	}
}

func TestLocateScenarios(t *testing.T) {
	srv := giteatest.New("acme", "app", giteatest.WithTreePerPage(3))
	t.Cleanup(srv.Close)
	runScenarios(t, &fakeCodeRepo{srv: srv}, 5001)
}
