package codeindex_test

import (
	"strings"
	"testing"

	"bsync/pkg/codeindex"
)

// TestTheHintNamesTheMappingAFrameSuggested: found on the real Gitea with
// a monorepo. The frame /srv/flyer-crawler/flyer_crawler/worker/tasks.py
// ends in backend/flyer_crawler/worker/tasks.py by three segments, but its
// event's manage.py is not in backend/, so nothing is earned (by design:
// a frame missing under the prefix is evidence the repository is not the
// code). The hint said "one is earned when a frame's path ends in exactly
// one file ... by 2 or more path segments", which that frame does: it must
// say what stopped it and the exact setting to write.
func TestTheHintNamesTheMappingAFrameSuggested(t *testing.T) {
	_, c, _ := newRepo(t, map[string]string{
		"backend/flyer_crawler/worker/tasks.py": lines20, "worker/tasks.py": lines20,
	})
	x := codeindex.New(c, codeindex.Options{})
	loc := x.Locate(t.Context(), "backend", "", []codeindex.Frame{
		inApp(7, "/srv/flyer-crawler/flyer_crawler/worker/tasks.py"), inApp(3, "/srv/flyer-crawler/manage.py"),
	})
	if loc.Found() != 0 {
		t.Fatalf("linked %+v", loc.Links)
	}
	notes := strings.Join(x.Notes(), "\n")
	for _, want := range []string{
		`"/srv/flyer-crawler/flyer_crawler/worker/tasks.py" suggests "/srv/flyer-crawler/" → backend/`,
		`"/srv/flyer-crawler/manage.py"`,
		`BSYNC_CODE_MAPPINGS=backend:/srv/flyer-crawler/=backend/`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("the hint lacks %s:\n%s", want, notes)
		}
	}
}
