package codeindex_test

import (
	"strings"
	"testing"

	"bsync/pkg/codeindex"
	"bsync/pkg/gitea/giteatest"
)

// TestAShortEarnedPrefixDoesNotSwallowTheProject: a frame that names
// only a relative file ("app/models.py", as an SDK that sends no
// abs_path shows it) earns the mapping "" → "backend/", whose empty stack
// prefix every later path starts with. A later event's absolute frames,
// which that mapping cannot resolve, must still earn their own, longer
// mapping and be linked, in the same run and in the next.
func TestAShortEarnedPrefixDoesNotSwallowTheProject(t *testing.T) {
	_, c, _ := newRepo(t, map[string]string{
		"backend/app/models.py": lines20, "backend/app/views.py": lines20,
		"worker/jobs/tasks.py": lines20, "worker/jobs/mail.py": lines20,
	})
	store := &memStore{m: map[string][]codeindex.Learned{}}
	x := codeindex.New(c, codeindex.Options{})
	x.Remember(store, true)
	if loc := x.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(3, "app/models.py")}); loc.Found() != 1 {
		t.Fatalf("the relative frame was not linked: %+v", loc)
	}
	loc := x.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(3, "/srv/api/jobs/tasks.py"), inApp(4, "/srv/api/jobs/mail.py")})
	if loc.Found() != 2 || loc.Links[0].Path != "worker/jobs/tasks.py" {
		t.Fatalf("the absolute frames were swallowed by the empty prefix: %+v (mappings %+v)", loc.Links, store.m["acme/app:api"])
	}
	next := codeindex.New(c, codeindex.Options{})
	next.Remember(store, true)
	both := next.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(5, "/srv/api/jobs/mail.py"), inApp(6, "app/views.py")})
	if both.Links[0].Path != "worker/jobs/mail.py" || both.Links[1].Path != "backend/app/views.py" {
		t.Errorf("next run linked %+v", both.Links)
	}
}

// TestASymlinkIsNotLinked: Gitea lists a symbolic link as a blob (mode
// 120000) whose content is the target's path, one line. A frame through
// the link's path must not be linked to that one-line page, and a line
// past it must not count against the project's mapping.
func TestASymlinkIsNotLinked(t *testing.T) {
	_, c, _ := newRepo(t, map[string]string{
		"lib/shared/util.py": lines20, "services/a/main.py": lines20, "services/a/views.py": lines20,
		"services/a/util.py": giteatest.Symlink + "../../lib/shared/util.py",
	})
	store := &memStore{m: map[string][]codeindex.Learned{}}
	x := codeindex.New(c, codeindex.Options{})
	x.Remember(store, true)
	loc := x.Locate(t.Context(), "a", "", []codeindex.Frame{inApp(1, "/srv/a/services/a/util.py"), inApp(5, "/srv/a/services/a/main.py")})
	if loc.Links[0].Path != "" || loc.Links[1].Path != "services/a/main.py" {
		t.Fatalf("linked %+v", loc.Links)
	}
	for range 3 {
		x.Locate(t.Context(), "a", "", []codeindex.Frame{inApp(12, "/srv/a/services/a/util.py")})
	}
	if got := store.m["acme/app:a"]; len(got) != 1 || got[0].Misses != 0 || !got[0].Trusted() {
		t.Fatalf("mappings %+v", got)
	}
	if loc := x.Locate(t.Context(), "a", "", []codeindex.Frame{inApp(7, "/srv/a/services/a/views.py")}); loc.Found() != 1 {
		t.Errorf("the mapping stopped linking: %+v", loc.Links)
	}
}

// TestAnExplicitPrefixEndsAtAPathSegment: an explicit stack prefix
// written without its trailing slash ("/srv/api") is the folder
// /srv/api, not every path that begins with those letters: a frame of
// /srv/api2 is not the file api/2/… and is left to the mappings the
// project earned.
func TestAnExplicitPrefixEndsAtAPathSegment(t *testing.T) {
	_, c, _ := newRepo(t, map[string]string{
		"api/app/models.py": lines20, "api/2/jobs/tasks.py": lines20,
		"admin/jobs/tasks.py": lines20, "admin/jobs/mail.py": lines20,
	})
	maps, err := codeindex.ParseMappings("api:/srv/api=api/")
	if err != nil {
		t.Fatal(err)
	}
	x := codeindex.New(c, codeindex.Options{Mappings: maps})
	loc := x.Locate(t.Context(), "api", "", []codeindex.Frame{
		inApp(3, "/srv/api/app/models.py"), inApp(4, "/srv/api2/jobs/tasks.py"), inApp(5, "/srv/api2/jobs/mail.py"),
	})
	if got := []string{loc.Links[0].Path, loc.Links[1].Path, loc.Links[2].Path}; got[0] != "api/app/models.py" ||
		got[1] != "admin/jobs/tasks.py" || got[2] != "admin/jobs/mail.py" {
		t.Errorf("linked %q", got)
	}
}

// TestAMappingGivesWayWhenItsFilesMoved: release v1 keeps the code in
// legacy/, and the project earns /srv/app/ → legacy/. In v2 the code moved
// to backend/ and legacy/ is gone. A frame whose file is missing through
// the mapping but ends in exactly one other file is evidence against it:
// the mapping loses trust and the project earns backend/, instead of
// linking nothing for good.
func TestAMappingGivesWayWhenItsFilesMoved(t *testing.T) {
	srv, c, _ := newRepo(t, map[string]string{"legacy/flyer/jobs.py": lines20, "legacy/flyer/util.py": lines20})
	srv.Tag("v1", "main")
	srv.Commit("", map[string]string{"legacy/flyer/jobs.py": "", "legacy/flyer/util.py": "",
		"backend/flyer/jobs.py": lines20, "backend/flyer/util.py": lines20})
	srv.Tag("v2", "main")
	store := &memStore{m: map[string][]codeindex.Learned{}}
	x := codeindex.New(c, codeindex.Options{})
	x.Remember(store, true)
	if loc := x.Locate(t.Context(), "api", "v1", []codeindex.Frame{inApp(3, "/srv/app/flyer/jobs.py")}); loc.Found() != 1 {
		t.Fatalf("v1: %+v", loc.Links)
	}
	odd := x.Locate(t.Context(), "api", "v2", []codeindex.Frame{inApp(3, "/srv/app/flyer/jobs.py"), inApp(4, "/srv/app/flyer/util.py")})
	if got := store.m["acme/app:api"]; odd.Found() != 0 || len(got) != 1 || !got[0].Trusted() || got[0].SourcePrefix != "legacy/" {
		t.Fatalf("one event moved or untrusted the mapping: %+v %+v", odd.Links, got)
	}
	var last *codeindex.Located
	for range 2 {
		last = x.Locate(t.Context(), "api", "v2", []codeindex.Frame{inApp(3, "/srv/app/flyer/jobs.py"), inApp(4, "/srv/app/flyer/util.py")})
		for _, l := range last.Links {
			if l.Path != "" && !strings.HasPrefix(l.Path, "backend/") {
				t.Fatalf("v2 linked %+v", last.Links)
			}
		}
	}
	if last.Found() != 2 {
		t.Errorf("v2 still links nothing after three events: %+v (mappings %+v)", last.Links, store.m["acme/app:api"])
	}
}

// TestMoreInterpreterFolders: the standard library where Fedora and
// openSUSE keep it (/usr/lib64/python3.x), where Windows' installer puts
// it (C:\Python312\Lib, …\Programs\Python\Python312\Lib), and Deno's
// remote and built-in modules are not the application's code, whatever
// in_app says; a repository that holds a file of the same tail must not
// get the link.
func TestMoreInterpreterFolders(t *testing.T) {
	for _, p := range []string{"/usr/lib64/python3.12/encodings/utf_8.py", `C:\Python312\Lib\encodings\utf_8.py`,
		`C:\Users\ana\AppData\Local\Programs\Python\Python312\Lib\json\decoder.py`,
		"https://deno.land/std@0.200.0/http/server.ts", "https://jsr.io/@std/http/1.0.0/server.ts",
		"ext:deno_http/00_serve.ts", "https://esm.sh/preact@10.0.0/src/index.js"} {
		if !codeindex.IsLibraryPath(p) {
			t.Errorf("%q is not taken for a library", p)
		}
	}
	for _, p := range []string{`C:\srv\app\lib\encodings\utf_8.py`, "https://shop.example/static/js/app.js", "/srv/python3/lib/app/x.py"} {
		if codeindex.IsLibraryPath(p) {
			t.Errorf("%q is taken for a library", p)
		}
	}
}
