package syncer

import (
	"maps"
	"net/http"
	"testing"
	"time"

	"bsync/pkg/httpfault"
	"bsync/pkg/syncstate"
)

// stateDump is every key of the sync state with its serialized value.
func (e *env) stateDump(t *testing.T) map[string]string {
	t.Helper()
	rdb := e.redis.Client(t, 15)
	keys, err := rdb.Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		v, err := rdb.Dump(t.Context(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// Two environments of one bug under --max-create 1: the oldest is filed
// in the first run, the other joins it in the next (never a second
// issue). The two arrived together, before the bug was filed: the join
// that waited for the next run is not news (no escape comment).
func TestHostileCappedRunsJoinAcrossRuns(t *testing.T) {
	e := linkEnv(t)
	opts := linkOpts
	opts.MaxCreate = 1
	test := e.addError(testSlug, "invalid literal for int() with base 10: 'x'", e.now.Add(-2*time.Hour))
	prod := e.addError(prodSlug, "invalid literal for int() with base 10: 'x'", e.now.Add(-time.Hour))
	first := e.run(t, opts)
	if first.Synced != 1 || len(e.gt.Issues()) != 1 {
		t.Fatalf("first run: synced %d, %d gitea issues", first.Synced, len(e.gt.Issues()))
	}
	second := e.run(t, opts)
	if second.Linked != 1 || len(e.gt.Issues()) != 1 {
		t.Fatalf("second run: linked %d, %d gitea issues, errors %+v", second.Linked, len(e.gt.Issues()), second.Errors)
	}
	gi := sharedIssue(t, e, test, prod)
	if n := len(e.gt.Comments(gi.Number)); n != 0 {
		t.Errorf("%d comments, want none: a pair that arrived together is not news", n)
	}
}

// A create whose answer was a 5xx leaves its reservation and its bug's
// claim. A dry run after it writes nothing to the state or Gitea; the
// runs after it file the bug once, both environments on it.
func TestHostileDryRunAfterAFailedCreateWritesNothing(t *testing.T) {
	e := linkEnv(t)
	opts := linkOpts
	opts.Concurrency = 1
	test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	prod := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: http.StatusBadGateway, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	rep, _ := e.engine(opts).Run(t.Context())
	if e.gt.Faults.Hits(httpfault.Status) != 1 || len(e.pendingKeys(t)) == 0 {
		t.Fatalf("the 502 fired %d times, %d reservations left: the test does not test a failed create", e.gt.Faults.Hits(httpfault.Status), len(e.pendingKeys(t)))
	}
	if len(e.gt.Issues()) > 1 {
		t.Fatalf("after the 502: %d gitea issues (report %+v)", len(e.gt.Issues()), rep.Errors)
	}
	before, issues := e.stateDump(t), len(e.gt.Issues())
	dry := opts
	dry.DryRun = true
	if _, err := e.engine(dry).Run(t.Context()); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if after := e.stateDump(t); !maps.Equal(before, after) || len(e.gt.Issues()) != issues {
		t.Fatalf("the dry run wrote: state %d keys → %d, gitea issues %d → %d", len(before), len(after), issues, len(e.gt.Issues()))
	}
	for i := 0; i < 3; i++ {
		e.run(t, opts)
		e.now = e.now.Add(DefaultPendingGrace)
	}
	if n := len(e.gt.Issues()); n != 1 {
		t.Fatalf("%d gitea issues for one bug, want 1", n)
	}
	sharedIssue(t, e, test, prod)
}

// A bug whose claim in the state cannot be read (a hand edit, a format
// this version does not know) stops the run before anything is filed for
// it, as any state bsync cannot read does: the claim may be another run's
// whose create landed, and overwriting it would file the bug twice.
func TestHostileUnreadableBugClaimFilesNothing(t *testing.T) {
	e := linkEnv(t)
	opts := linkOpts
	e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: http.StatusBadGateway, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	e.engine(opts).Run(t.Context())
	rdb := e.redis.Client(t, 15)
	bugs, err := rdb.Keys(t.Context(), syncstate.BugKey("*")).Result()
	if err != nil || len(bugs) != 1 {
		t.Fatalf("bug keys %v (%v), want the one claim the failed create left", bugs, err)
	}
	if err := rdb.HSet(t.Context(), bugs[0], "claim", "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	issues := len(e.gt.Issues())
	e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	_, err = e.engine(opts).Run(t.Context())
	if err == nil {
		t.Error("the run ended without an error over an unreadable claim")
	}
	if n := len(e.gt.Issues()); n != issues {
		t.Errorf("%d gitea issues filed over an unreadable claim", n-issues)
	}
	if v, _ := rdb.HGet(t.Context(), bugs[0], "claim").Result(); v != "{not json" {
		t.Errorf("the unreadable claim was overwritten with %s", v)
	}
}

// forget as the command does it: watermarks, mappings, bug members.
func (e *env) forget(t *testing.T, ids ...string) {
	t.Helper()
	bugs := map[string]string{}
	for _, id := range ids {
		if entry, _, _ := e.store.Get(t.Context(), id); entry.Record != nil && entry.Record.BugID != "" {
			bugs[id] = entry.Record.BugID
		}
	}
	if _, err := e.store.ForgetWatermarks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Delete(t.Context(), ids); err != nil {
		t.Fatal(err)
	}
	if err := e.store.ForgetBugMembers(t.Context(), bugs); err != nil {
		t.Fatal(err)
	}
}

// forget of one environment's issue, still unresolved in Bugsink, lets
// it rejoin the shared issue on the next sync (no new issue, no second
// escape comment); forgetting every issue of the bug files it anew, once.
func TestHostileForgetThenSync(t *testing.T) {
	e := linkEnv(t)
	test, prod, number := shared(t, e, linkOpts)
	e.bs.Reopen(test)
	e.forget(t, test)
	if rep := e.run(t, linkOpts); rep.Linked != 1 || len(e.gt.Issues()) != 1 {
		t.Fatalf("after forgetting test: linked %d, %d gitea issues, errors %+v", rep.Linked, len(e.gt.Issues()), rep.Errors)
	}
	if gi := sharedIssue(t, e, test, prod); gi.Number != number || len(e.gt.Comments(number)) != 1 {
		t.Fatalf("rejoined #%d with %d comments, want #%d with the one escape comment", gi.Number, len(e.gt.Comments(number)), number)
	}
	e.bs.Reopen(test)
	e.bs.Reopen(prod)
	e.forget(t, test, prod)
	rep := e.run(t, linkOpts)
	if n := len(e.gt.Issues()); n != 2 || rep.Linked != 1 {
		t.Fatalf("after forgetting both: %d gitea issues (want the old and one new), linked %d, errors %+v", n, rep.Linked, rep.Errors)
	}
	var at []int
	for _, id := range []string{test, prod} {
		entry, _, err := e.store.Get(t.Context(), id)
		if err != nil || entry.Record == nil {
			t.Fatalf("%s not mapped: %v", id, err)
		}
		at = append(at, entry.Record.GiteaIssueNumber)
	}
	if at[0] != at[1] || at[0] == number {
		t.Errorf("mapped to %v, want both on one new issue (not #%d)", at, number)
	}
}
