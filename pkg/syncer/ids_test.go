package syncer

import (
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

// An issue whose id is not a UUID is refused where the listing is read, on
// every path: it never gets a Gitea issue or a mapping, however often the
// sync runs.
func TestIssueIDsThatAreNotUUIDsAreRefusedOnEveryPath(t *testing.T) {
	for _, opts := range []Options{{}, {MaxCreate: 5}} {
		e := newEnv(t)
		e.bs.AddProject("shop-backend", "Shop")
		good := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-time.Hour)})
		// Bugsink itself accepts the second spelling (uuid.UUID() does), so
		// its events can be read; only bsync's state would never find it.
		bad := []string{"NOT-A-UUID", "5B0C0000-0000-4000-8000-0000000000AA"}
		for _, id := range bad {
			e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{ID: id, Type: "E", LastSeen: e.now.Add(-time.Hour)})
		}
		for run := 1; run <= 2; run++ {
			rep := e.run(t, opts)
			ok := rep.Failed == len(bad) && len(rep.Errors) == len(bad)
			for i, er := range rep.Errors {
				ok = ok && er.BugsinkIssueID == bad[i] && er.Stage == "validate"
			}
			if !ok {
				t.Errorf("max-create %d, run %d: failed %d, errors %+v; want each malformed id reported once", opts.MaxCreate, run, rep.Failed, rep.Errors)
			}
		}
		if n := len(e.gt.Issues()); n != 1 {
			t.Errorf("max-create %d: %d gitea issues after two runs, want 1 (for %s only)", opts.MaxCreate, n, good)
		}
		if keys, _ := e.redis.Client(t, 15).Keys(t.Context(), "bugsink:*[A-Z]*").Result(); len(keys) != 0 {
			t.Errorf("max-create %d: keys written for the malformed id: %v", opts.MaxCreate, keys)
		}
	}
}
