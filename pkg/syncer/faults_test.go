package syncer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
	"bsync/pkg/render"
)

// faultMix injects, on every route of a fake, 5xx, 429 with Retry-After,
// dropped connections, answers lost after the server did the work, and
// answers slower than the client's timeout: about a quarter of requests.
func faultMix(in *httpfault.Injector) {
	in.Add(httpfault.Rule{Kind: httpfault.Status, Status: 503, Rate: 0.08})
	in.Add(httpfault.Rule{Kind: httpfault.Status, Status: 500, Rate: 0.04})
	in.Add(httpfault.Rule{Kind: httpfault.RateLimit, RetryAfter: 0, Rate: 0.05})
	in.Add(httpfault.Rule{Kind: httpfault.Drop, Rate: 0.04})
	in.Add(httpfault.Rule{Kind: httpfault.DropAfter, Rate: 0.04})
	in.Add(httpfault.Rule{Kind: httpfault.Slow, Delay: 400 * time.Millisecond, Rate: 0.03})
}

// Every run a full pass, or (after the first) incremental ones: the issues
// are then last seen an hour apart, so one that failed is found again only
// through the leftover set.
func TestFaultsConvergeToExactlyOnce(t *testing.T) {
	t.Run("full", func(t *testing.T) { testFaultsConverge(t, true) })
	t.Run("incremental", func(t *testing.T) { testFaultsConverge(t, false) })
}

func testFaultsConverge(t *testing.T, full bool) {
	e := newEnvWith(t, apiclient.Options{Timeout: 250 * time.Millisecond, RetryWait: time.Millisecond, RetryMaxWait: 10 * time.Millisecond})
	e.bs.AddProject("shop-frontend", "Shop")
	e.bs.AddProject("shop-backend", "Shop API")
	e.bs.AddProject("shop-backend-test", "Shop API test")
	e.bs.AddProject("shop-backend-staging", "Shop API staging")
	var wanted []string
	// One error in the API's production and test projects, and every
	// other one in staging too.
	var groups [][]string
	for i := 0; i < 40; i++ {
		slug := []string{"shop-frontend", "shop-backend"}[i%2]
		lastSeen := e.now.Add(-time.Hour)
		if !full {
			lastSeen = e.now.Add(-time.Duration(40-i) * time.Hour)
		}
		value := fmt.Sprintf("v%d", i)
		wanted = append(wanted, e.bs.AddIssue(slug, bugsinktest.IssueSpec{Type: "E", Value: value, LastSeen: lastSeen}))
		if i%4 == 1 {
			group := []string{wanted[len(wanted)-1], e.bs.AddIssue("shop-backend-test", bugsinktest.IssueSpec{Type: "E", Value: value, LastSeen: lastSeen})}
			if i%8 == 1 {
				group = append(group, e.bs.AddIssue("shop-backend-staging", bugsinktest.IssueSpec{Type: "E", Value: value, LastSeen: lastSeen}))
			}
			wanted = append(wanted, group[1:]...)
			groups = append(groups, group)
		}
	}
	faultMix(e.bs.Faults)
	faultMix(e.gt.Faults)

	runs, converged := 0, false
	for runs < 30 && !converged {
		runs++
		before, _ := e.store.CountMappings(t.Context())
		// A real clock and a grace longer than the slowest injected answer,
		// so a create that lands after the client gave up is waited for.
		eng := e.engine(Options{Concurrency: 4, BackLink: true, PendingGrace: time.Second, Full: full, LinkEnvironments: true})
		eng.Now = time.Now
		rep, err := eng.Run(t.Context())
		if err == nil && runs > 1 && !full && rep.Pass != PassIncremental {
			t.Errorf("run %d: pass %s", runs, rep.Pass)
		}
		after, _ := e.store.CountMappings(t.Context())
		if err != nil {
			// A run can stop early (a listing that failed through every
			// retry ends that project only); a fatal error must not appear.
			var fe *FatalError
			if errors.As(err, &fe) {
				t.Fatalf("run %d: fatal %v", runs, err)
			}
		}
		// The report is accurate: every created entry is a real, recorded
		// Gitea issue; every failed issue is unrecorded; counts add up.
		if rep.Synced != len(rep.Created) {
			t.Errorf("run %d: synced %d but %d created entries", runs, rep.Synced, len(rep.Created))
		}
		reindexed := 0
		if rep.Reindex != nil {
			reindexed = rep.Reindex.Written
		}
		if after-before != rep.Synced+reindexed {
			t.Errorf("run %d: mappings grew by %d, report says %d synced", runs, after-before, rep.Synced)
		}
		issues := e.gt.Issues()
		for _, c := range rep.Created {
			if c.GiteaIssueNumber < 1 || c.GiteaIssueNumber > len(issues) || !strings.Contains(issues[c.GiteaIssueNumber-1].Body, render.Marker(c.BugsinkIssueID)) {
				t.Errorf("run %d: created entry %+v is not a real issue", runs, c)
			}
		}
		for _, ie := range rep.Errors {
			if ie.Stage == "create_gitea_issue" || ie.Stage == "read_event" {
				if _, mapped, _ := e.store.Get(t.Context(), ie.BugsinkIssueID); mapped {
					t.Errorf("run %d: failed issue %s is recorded", runs, ie.BugsinkIssueID)
				}
			}
		}
		done := true
		for _, id := range wanted {
			if is, _ := e.bs.Issue(id); !is.IsResolved {
				done = false
			}
		}
		if rep.Deferred > 0 {
			time.Sleep(time.Second) // the grace passes, as it does between cron runs
		}
		converged = done && err == nil && rep.Failed == 0 && len(e.pendingKeys(t)) == 0
	}
	if !converged {
		t.Fatalf("not converged after %d runs", runs)
	}
	e.bs.Faults.Clear()
	e.gt.Faults.Clear()
	e.assertExactlyOnce(t, wanted)
	shared := 0
	for _, g := range groups {
		a, _, _ := e.store.Get(t.Context(), g[0])
		for _, id := range g[1:] {
			b, _, _ := e.store.Get(t.Context(), id)
			if a.Record == nil || b.Record == nil || a.Record.GiteaIssueNumber != b.Record.GiteaIssueNumber {
				t.Errorf("one error in %d environments: mappings %+v and %+v, want one gitea issue", len(g), a.Record, b.Record)
			}
		}
		shared += len(g) - 1
	}
	if n, want := len(e.gt.Issues()), len(wanted)-shared; n != want {
		t.Errorf("%d gitea issues for %d bugsink issues of which %d groups share one; want %d", n, len(wanted), len(groups), want)
	}
	injected := 0
	for _, k := range []httpfault.Kind{httpfault.Status, httpfault.RateLimit, httpfault.Drop, httpfault.DropAfter, httpfault.Slow} {
		injected += e.bs.Faults.Hits(k) + e.gt.Faults.Hits(k)
	}
	t.Logf("converged after %d runs; %d faults injected; %d gitea issues", runs, injected, len(e.gt.Issues()))
	// An entry whose work was done but not known to be (a resolve whose
	// answer was lost) is settled by the next run's read of it.
	e.run(t, Options{Full: full, LinkEnvironments: true})
	for _, pid := range []int{1, 2, 3, 4} {
		if left, _ := e.store.Leftovers(t.Context(), pid); len(left) > 0 {
			t.Errorf("leftover work after a clean run: %v", left)
		}
	}
	if injected < 50 {
		t.Errorf("only %d faults injected; the test is not testing much", injected)
	}
}
