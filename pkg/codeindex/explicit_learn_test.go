package codeindex_test

import (
	"testing"

	"bsync/pkg/codeindex"
)

// TestFramesAnExplicitMappingCoversEarnNothing: an explicit mapping says
// where its frames live, so they are no evidence for a mapping of their
// own. Found on the real Gitea: with /srv/app/flyer_crawler/ → backend/
// set and backend/ lacking jobs.py, a frame of jobs.py earned /srv/app/ →
// legacy/ (doctor showed it beside the explicit one), and a later frame
// outside the explicit prefix, ambiguous on its own, was linked into
// legacy/ and its owner assigned.
func TestFramesAnExplicitMappingCoversEarnNothing(t *testing.T) {
	_, c, _ := newRepo(t, map[string]string{
		"backend/flyer_crawler/models.py": lines20, "legacy/flyer_crawler/jobs.py": lines20,
		"backend/tools/run.py": lines20, "legacy/tools/run.py": lines20,
	})
	maps, err := codeindex.ParseMappings("api:/srv/app/flyer_crawler/=backend/flyer_crawler/")
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{m: map[string][]codeindex.Learned{}}
	x := codeindex.New(c, codeindex.Options{Mappings: maps})
	x.Remember(store, true)
	if loc := x.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(3, "/srv/app/flyer_crawler/jobs.py")}); loc.Found() != 0 {
		t.Fatalf("the explicit mapping without the file linked %+v", loc.Links)
	}
	if got := store.m["acme/app:api"]; len(got) != 0 {
		t.Errorf("frames the explicit mapping covers earned %+v", got)
	}
	if loc := x.Locate(t.Context(), "api", "", []codeindex.Frame{inApp(4, "/srv/app/tools/run.py")}); loc.Found() != 0 {
		t.Errorf("a frame matching two files by name was linked through a mapping earned from explicit frames: %+v", loc.Links)
	}
}
