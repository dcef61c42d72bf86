package codeindex_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"bsync/pkg/codeindex"
)

// memStore is a MappingStore in memory.
type memStore struct {
	mu    sync.Mutex
	m     map[string][]codeindex.Learned
	saves int
}

func (s *memStore) LearnedMappings(_ context.Context, repo, project string) ([]codeindex.Learned, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]codeindex.Learned(nil), s.m[repo+":"+project]...), nil
}

func (s *memStore) SaveLearnedMappings(_ context.Context, repo, project string, ms []codeindex.Learned) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[repo+":"+project] = append([]codeindex.Learned(nil), ms...)
	s.saves++
	return nil
}

// TestEarnedMappingsAreRememberedAndHoldAgainstAnOddEvent: a mapping a
// project earned is kept; a later event whose frames would suggest
// another source prefix for the same stack prefix does not move it, and
// its frames are not linked elsewhere; a dry run (write off) reads the
// mappings and keeps none.
func TestEarnedMappingsAreRememberedAndHoldAgainstAnOddEvent(t *testing.T) {
	twenty := strings.Repeat("x\n", 20)
	_, c, _ := newRepo(t, map[string]string{"backend/app/models.py": twenty, "backend/app/views.py": twenty, "legacy/app/jobs.py": twenty})
	store := &memStore{m: map[string][]codeindex.Learned{}}
	x := codeindex.New(c, codeindex.Options{})
	x.Remember(store, true)
	loc := x.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(3, "/srv/api/app/models.py"), inApp(4, "/srv/api/app/views.py")})
	if loc.Found() != 2 {
		t.Fatalf("located %+v", loc)
	}
	saved := store.m["acme/app:api"]
	if len(saved) != 1 || saved[0].StackPrefix != "/srv/api/" || saved[0].SourcePrefix != "backend/" || saved[0].Hits != 2 ||
		saved[0].Example != "/srv/api/app/models.py" || saved[0].ExampleFile != "backend/app/models.py" {
		t.Fatalf("saved %+v", saved)
	}

	next := codeindex.New(c, codeindex.Options{}) // the next run
	next.Remember(store, true)
	odd := next.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(3, "/srv/api/app/jobs.py")})
	if odd.Found() != 0 {
		t.Errorf("the odd event linked %+v", odd.Links)
	}
	if got := store.m["acme/app:api"]; len(got) != 1 || got[0].SourcePrefix != "backend/" {
		t.Errorf("the odd event moved the mapping: %+v", got)
	}

	saves := store.saves
	dry := codeindex.New(c, codeindex.Options{})
	dry.Remember(store, false)
	if loc := dry.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(5, "/srv/api/app/views.py")}); loc.Found() != 1 {
		t.Errorf("a dry run does not use the earned mapping: %+v", loc)
	}
	if dry.Locate(t.Context(), "web", "", []codeindex.Frame{inApp(3, "/srv/web/app/models.py")}); store.saves != saves {
		t.Errorf("a dry run saved mappings")
	}
}
