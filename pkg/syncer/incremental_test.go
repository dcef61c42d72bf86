package syncer

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
	"bsync/pkg/syncstate"
)

// seedHistory adds a project with n resolved issues last seen long ago, a
// minute apart: the history an incremental pass must not list again.
func seedHistory(e *env, slug string, n int) {
	e.bs.AddProject(slug, slug)
	for i := 0; i < n; i++ {
		e.bs.AddIssue(slug, bugsinktest.IssueSpec{Type: "Old", Value: fmt.Sprint(i), Resolved: true,
			LastSeen: e.now.Add(-48*time.Hour + time.Duration(i)*time.Minute)})
	}
}

// listingRequests counts the issue-list requests of one project.
func listingRequests(e *env) int {
	return e.bs.CountRequests(http.MethodGet, "/api/canonical/0/issues/")
}

func TestANoOpIncrementalPassReadsOnePageOfEachOrdering(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 700) // three pages
	seedHistory(e, "shop-frontend", 300)
	rep := e.run(t, Options{})
	if rep.Pass != PassFull || rep.Projects[0].PassReason != "state rebuilt" {
		t.Fatalf("first run: pass %s (%s)", rep.Pass, rep.Projects[0].PassReason)
	}
	e.bs.ResetRequests()
	e.gt.ResetRequests()
	rep = e.run(t, Options{})
	if rep.Pass != PassIncremental {
		t.Fatalf("second run: pass %s", rep.Pass)
	}
	for _, p := range rep.Projects {
		if p.Pass != PassIncremental || p.Pages != 2 || p.Leftovers != 0 {
			t.Errorf("%s: pass %s, %d listing pages, %d leftovers", p.Slug, p.Pass, p.Pages, p.Leftovers)
		}
	}
	// Only the project list and two listing pages per project.
	if n := len(e.bs.Requests()); n != 1+2*2 || listingRequests(e) != 4 {
		t.Errorf("%d bugsink requests, %d of them listings", n, listingRequests(e))
	}
	if n := len(e.gt.Requests()); n != 0 {
		t.Errorf("%d gitea requests", n)
	}
}

func TestAnIncrementalPassFindsNewAndReturningIssues(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 600)
	old := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "old", LastSeen: e.now.Add(-30 * time.Hour)})
	e.run(t, Options{})
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: fmt.Sprint("new ", i), LastSeen: e.now.Add(time.Duration(i) * time.Minute)}))
	}
	e.bs.Regress(old, e.now.Add(5*time.Minute))
	e.gt.SetIssueState(1, "closed")
	rep := e.run(t, Options{})
	if rep.Pass != PassIncremental || rep.Synced != 3 || rep.Regressed != 1 {
		t.Fatalf("pass %s: synced %d, regressed %d; errors %v", rep.Pass, rep.Synced, rep.Regressed, rep.Errors)
	}
	if p := rep.Projects[0]; p.Pages != 2 || p.Seen != 4 {
		t.Errorf("%d listing pages, %d issues seen", p.Pages, p.Seen)
	}
	e.assertExactlyOnce(t, append(ids, old))
}

// An issue that failed stays in the leftover set and is read on its own
// (GET /issues/{id}/) until it is settled, although its last_seen lies far
// below the watermark.
func TestAFailedIssueIsRetriedFromTheLeftoverSet(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 10)
	id := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "v", LastSeen: e.now.Add(-30 * time.Hour)})
	e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPost, PathContains: "/issues", Status: 422, Times: 1})
	rep := e.run(t, Options{})
	if rep.Failed != 1 {
		t.Fatalf("first run: failed %d, synced %d", rep.Failed, rep.Synced)
	}
	left, err := e.store.Leftovers(t.Context(), 1)
	if err != nil || left[id].Stage != "create_gitea_issue" {
		t.Fatalf("leftovers %v, %v", left, err)
	}
	e.bs.ResetRequests()
	rep = e.run(t, Options{})
	if rep.Pass != PassIncremental || rep.Synced != 1 || rep.Projects[0].Leftovers != 1 {
		t.Fatalf("second run: pass %s, synced %d, leftovers %d, errors %v", rep.Pass, rep.Synced, rep.Projects[0].Leftovers, rep.Errors)
	}
	if e.bs.CountRequests(http.MethodGet, "/issues/"+id+"/") != 1 {
		t.Error("the leftover was not read on its own")
	}
	if left, _ := e.store.Leftovers(t.Context(), 1); len(left) != 0 {
		t.Errorf("leftovers after it was settled: %v", left)
	}
	e.bs.ResetRequests()
	if rep = e.run(t, Options{}); rep.Projects[0].Leftovers != 0 || e.bs.CountRequests(http.MethodGet, "/issues/"+id+"/") != 0 {
		t.Errorf("third run read %d leftovers", rep.Projects[0].Leftovers)
	}
	e.assertExactlyOnce(t, []string{id})
}

// A resolve that failed is retried from the leftover set.
func TestAFailedResolveIsRetriedFromTheLeftoverSet(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 10)
	id := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-30 * time.Hour)})
	e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPost, PathContains: "/resolve/", Status: 500})
	e.run(t, Options{})
	if is, _ := e.bs.Issue(id); is.IsResolved {
		t.Fatal("resolved despite the fault")
	}
	e.bs.Faults.Clear()
	rep := e.run(t, Options{})
	if is, _ := e.bs.Issue(id); !is.IsResolved || rep.Pass != PassIncremental || rep.Resolved != 1 {
		t.Errorf("pass %s, re-resolved %d, resolved now %v", rep.Pass, rep.Resolved, is.IsResolved)
	}
}

// Under --max-create the issues over the cap wait in the leftover set, and
// incremental runs create them, oldest first, as a full pass would.
func TestCappedCreatesWaitInTheLeftoverSet(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 10)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: fmt.Sprint(i),
			FirstSeen: e.now.Add(-time.Duration(50-i) * time.Hour), LastSeen: e.now.Add(-40 * time.Hour)}))
	}
	e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
	for run, want := range []int{2, 2, 1, 0} {
		rep := e.run(t, Options{MaxCreate: 2})
		if rep.Synced != want || run > 0 && rep.Pass != PassIncremental {
			t.Fatalf("run %d: pass %s synced %d, want %d; deferred %d", run+1, rep.Pass, rep.Synced, want, rep.Deferred)
		}
		for i, c := range rep.Created {
			if c.BugsinkIssueID != ids[2*run+i] {
				t.Errorf("run %d created %s, want the oldest waiting (%s)", run+1, c.BugsinkIssueID, ids[2*run+i])
			}
		}
	}
	e.assertExactlyOnce(t, ids)
}

// A new issue digested long after its event (last_seen below the cutoff)
// is found by its digest_order.
func TestANewIssueDigestedLateIsFoundByItsDigestOrder(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 10)
	e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
	e.run(t, Options{})
	late := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Late", LastSeen: e.now.Add(-time.Hour)})
	rep := e.run(t, Options{})
	if rep.Pass != PassIncremental || rep.Synced != 1 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "digest_order") {
		t.Fatalf("pass %s synced %d warnings %v", rep.Pass, rep.Synced, rep.Warnings)
	}
	e.assertExactlyOnce(t, []string{late})
}

func TestAFullPassRunsWhenItShould(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 5)
	e.run(t, Options{})
	check := func(name string, opts Options, reason string) {
		t.Helper()
		rep := e.run(t, opts)
		if got := rep.Projects[0]; got.Pass != PassFull || got.PassReason != reason {
			t.Errorf("%s: pass %s (%s), want full (%s)", name, got.Pass, got.PassReason, reason)
		}
	}
	check("--full", Options{Full: true}, "requested")
	check("settings", Options{MinOccurrences: 3}, "settings changed")
	check("settings back", Options{}, "settings changed")
	e.now = e.now.Add(25 * time.Hour)
	check("due", Options{FullScanEvery: 24 * time.Hour}, "full scan due")
	if rep := e.run(t, Options{FullScanEvery: 24 * time.Hour}); rep.Pass != PassIncremental {
		t.Errorf("right after a full pass: %s", rep.Pass)
	}
	if err := e.redis.Client(t, 15).Set(t.Context(), syncstate.WatermarkKey(1), "{not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	check("unreadable", Options{}, "unreadable watermark")
	wm, _, _ := e.store.Watermark(t.Context(), 1)
	wm.DigestOrder += 100 // Bugsink restored from an older backup
	if err := e.store.SetWatermark(t.Context(), 1, wm); err != nil {
		t.Fatal(err)
	}
	check("digest order", Options{}, "bugsink's digest_order went back")
	wm, _, _ = e.store.Watermark(t.Context(), 1)
	wm.Slug = "another-project" // the id now names another project
	if err := e.store.SetWatermark(t.Context(), 1, wm); err != nil {
		t.Fatal(err)
	}
	check("slug", Options{}, "watermark does not fit the project")
	if err := e.redis.Client(t, 15).Del(t.Context(), syncstate.StateKey).Err(); err != nil {
		t.Fatal(err)
	}
	check("lost state", Options{}, "state rebuilt")
}

func TestADryRunWritesNoWatermark(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 2)
	if err := e.store.MarkStateComplete(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	e.run(t, Options{DryRun: true})
	if _, ok, _ := e.store.Watermark(t.Context(), 1); ok {
		t.Error("a dry run wrote a watermark")
	}
}

// settledLeftover syncs an issue last seen at lastSeen and leaves it
// unresolved on purpose, then puts it in the leftover set as an earlier
// run would have: it needs no work any more.
func settledLeftover(t *testing.T, e *env, lastSeen time.Time) string {
	t.Helper()
	seedHistory(e, "shop-backend", 5)
	id := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: lastSeen})
	e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
	e.run(t, Options{NoResolve: true})
	if err := e.store.ChangeLeftovers(t.Context(), 1, syncstate.LeftoverChange{id: &syncstate.Leftover{Run: "earlier", Stage: "resolve"}}); err != nil {
		t.Fatal(err)
	}
	return id
}

// A leftover that needs no work any more (here: synced and left
// unresolved on purpose) leaves the set when it is read again.
func TestASettledLeftoverLeavesTheSet(t *testing.T) {
	e := newEnv(t)
	settledLeftover(t, e, e.now.Add(-30*time.Hour))
	rep := e.run(t, Options{NoResolve: true})
	if left, _ := e.store.Leftovers(t.Context(), 1); len(left) != 0 || rep.Projects[0].Leftovers != 1 || rep.Skipped != 1 {
		t.Errorf("leftovers %v after it was read again (%d read, %d skipped)", left, rep.Projects[0].Leftovers, rep.Skipped)
	}
}

// A leftover set larger than both a batch and the listing's pages is not
// read one by one: the project is listed in full, which settles every
// leftover the listing does not keep without reading it.
func TestManyLeftoversMakeAFullPass(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 5)
	e.run(t, Options{})
	many := syncstate.LeftoverChange{}
	for i := 0; i < leftoverBatch+1; i++ {
		many[fmt.Sprintf("00000000-0000-4000-8000-%012d", i)] = &syncstate.Leftover{Run: "earlier", Stage: "deferred"}
	}
	if err := e.store.ChangeLeftovers(t.Context(), 1, many); err != nil {
		t.Fatal(err)
	}
	e.bs.ResetRequests()
	rep := e.run(t, Options{})
	if p := rep.Projects[0]; p.Pass != PassFull || p.PassReason != "more leftovers than listing pages" || p.Leftovers != 0 {
		t.Errorf("pass %s (%s), %d leftovers read", p.Pass, p.PassReason, p.Leftovers)
	}
	if n := e.bs.CountRequests(http.MethodGet, "/issues/00000000-"); n != 0 {
		t.Errorf("%d leftovers read one by one", n)
	}
	if left, _ := e.store.Leftovers(t.Context(), 1); len(left) != 0 {
		t.Errorf("%d leftovers after a full pass that saw none of them", len(left))
	}
}

// The digest_order page of a project is read before its last_seen page
// (startListings says why), in every project, the ones read ahead too.
func TestTheDigestOrderPageIsReadBeforeTheLastSeenPage(t *testing.T) {
	e := newEnv(t)
	slugs := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
	for _, s := range slugs {
		seedHistory(e, s, 3)
	}
	e.run(t, Options{})
	e.bs.ResetRequests()
	if rep := e.run(t, Options{}); rep.Pass != PassIncremental {
		t.Fatalf("second run: pass %s", rep.Pass)
	}
	first := map[string]string{} // project id → the ordering asked for first
	for _, r := range e.bs.Requests() {
		if r.Path != "/api/canonical/0/issues/" {
			continue
		}
		if p := r.Query.Get("project"); first[p] == "" {
			first[p] = r.Query.Get("sort")
		}
	}
	if len(first) != len(slugs) {
		t.Fatalf("listings of %d projects, want %d", len(first), len(slugs))
	}
	for p, sort := range first {
		if sort != "digest_order" {
			t.Errorf("project %s: the %s page was asked for first", p, sort)
		}
	}
}
