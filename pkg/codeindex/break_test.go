package codeindex_test

import (
	"testing"

	"bsync/pkg/codeindex"
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
