package syncstate_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"bsync/pkg/syncstate"
)

// Two environments' issues of one bug race for its claim: one wins, and
// the other sees the winner; the winner's commit records the Gitea issue
// and itself as a member, the second's commit adds itself and keeps the
// number.
func TestBugClaimAndCommit(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	const bug = "0123456789abcdef0123456789abcdef"
	won, _, err := st.ClaimBug(ctx, bug, syncstate.BugClaim{BugsinkIssueID: "test-issue", At: time.Now(), Run: "r1"}, "")
	if err != nil || !won {
		t.Fatalf("first claim: won %v, %v", won, err)
	}
	won, cur, err := st.ClaimBug(ctx, bug, syncstate.BugClaim{BugsinkIssueID: "prod-issue", Run: "r1"}, "")
	if err != nil || won || cur.Claim == nil || cur.Claim.BugsinkIssueID != "test-issue" {
		t.Fatalf("second claim: won %v, current %+v, %v", won, cur, err)
	}
	rec := syncstate.Record{GiteaIssueNumber: 7, SyncedAt: time.Now(), Project: "p-test", Title: "t", BugID: bug, Environment: "test"}
	if err := st.Commit(ctx, "test-issue", rec); err != nil {
		t.Fatal(err)
	}
	// Recorded: no claim takes it any more, not even one naming the
	// claimant.
	if won, cur, err = st.ClaimBug(ctx, bug, syncstate.BugClaim{BugsinkIssueID: "prod-issue"}, "test-issue"); err != nil || won || cur.Number != 7 {
		t.Fatalf("claim after the record: won %v, %+v", won, cur)
	}
	rec2 := rec
	rec2.GiteaIssueNumber, rec2.Environment, rec2.Project = 99, "production", "p"
	if err := st.Commit(ctx, "prod-issue", rec2); err != nil {
		t.Fatal(err)
	}
	b, ok, err := st.Bug(ctx, bug)
	if err != nil || !ok {
		t.Fatalf("bug: %v %v", ok, err)
	}
	if b.Number != 7 || b.Members["test-issue"] != "test" || b.Members["prod-issue"] != "production" || len(b.Members) != 2 {
		t.Fatalf("bug = %+v, want #7 with both members", b)
	}
	// Bugs reads several in one round trip, as Bug does each.
	trips := st.RoundTrips()
	bugs, found, err := st.Bugs(ctx, "ffffffffffffffffffffffffffffffff", bug)
	if err != nil || found[0] || !found[1] || bugs[1].Number != 7 || len(bugs[1].Members) != 2 || st.RoundTrips()-trips != 1 {
		t.Fatalf("bugs = %+v, found %v, %v, %d round trips", bugs, found, err, st.RoundTrips()-trips)
	}
	e, _, _ := st.Get(ctx, "prod-issue")
	if e.Record == nil || e.Record.BugID != bug || e.Record.Environment != "production" {
		t.Fatalf("mapping %+v", e.Record)
	}
}

// A stale claim is taken over only by a caller that names it.
func TestBugClaimTakeover(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	const bug = "fedcba9876543210fedcba9876543210"
	if won, _, err := st.ClaimBug(ctx, bug, syncstate.BugClaim{BugsinkIssueID: "a"}, ""); err != nil || !won {
		t.Fatal("first claim lost")
	}
	if won, _, err := st.ClaimBug(ctx, bug, syncstate.BugClaim{BugsinkIssueID: "b"}, "c"); err != nil || won {
		t.Fatal("a claim naming another issue took over")
	}
	if won, _, err := st.ClaimBug(ctx, bug, syncstate.BugClaim{BugsinkIssueID: "b"}, "a"); err != nil || !won {
		t.Fatal("a claim naming the stale one did not take over")
	}
	b, _, _ := st.Bug(ctx, bug)
	if b.Claim == nil || b.Claim.BugsinkIssueID != "b" {
		t.Fatalf("claim = %+v", b.Claim)
	}
}

// Forgetting a member keeps the bug while another is recorded; the last
// one takes the bug with it.
func TestForgetBugMembers(t *testing.T) {
	st, srv, _ := newStore(t)
	ctx := context.Background()
	const bug = "00000000000000000000000000000001"
	for id, env := range map[string]string{"x": "test", "y": "production"} {
		if err := st.Commit(ctx, id, syncstate.Record{GiteaIssueNumber: 3, SyncedAt: time.Now(), BugID: bug, Environment: env}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ForgetBugMembers(ctx, map[string]string{"x": bug}); err != nil {
		t.Fatal(err)
	}
	if b, ok, _ := st.Bug(ctx, bug); !ok || b.Number != 3 || len(b.Members) != 1 {
		t.Fatalf("after forgetting x: %+v %v", b, ok)
	}
	if err := st.ForgetBugMembers(ctx, map[string]string{"y": bug}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Bug(ctx, bug); ok {
		t.Fatal("the bug outlived its last member")
	}
	keys := srv.Client(t, syncstate.DefaultDB).Keys(ctx, "*").Val()
	for _, k := range keys {
		if k[:len("bugsink:")] != "bugsink:" {
			t.Errorf("key %q outside the bugsink: prefix", k)
		}
	}
}

// The mapping keeps the seed's four fields with their names and types.
func TestLinkedRecordKeepsSeedFields(t *testing.T) {
	b, err := json.Marshal(syncstate.Record{GiteaIssueNumber: 4, SyncedAt: time.Unix(0, 0), Project: "p", Title: "t", BugID: "b", Environment: "test", FirstSeen: time.Unix(10, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["gitea_issue_number"] != float64(4) || m["synced_at"] != "1970-01-01T00:00:00Z" || m["project"] != "p" || m["title"] != "t" ||
		m["bug_id"] != "b" || m["environment"] != "test" || m["bugsink_first_seen"] != "1970-01-01T00:00:10Z" {
		t.Fatalf("record JSON %s", b)
	}
	var back syncstate.Record
	if err := json.Unmarshal(b, &back); err != nil || back.BugID != "b" || !back.FirstSeen.Equal(time.Unix(10, 0)) {
		t.Fatalf("round trip %+v %v", back, err)
	}
}
