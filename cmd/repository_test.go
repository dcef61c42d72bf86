package cmd

import (
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

// A GITEA_REPO that does not exist (or that the token cannot see) stops
// the run with one error naming the repository; nothing is written to
// Gitea, Redis's mappings or Bugsink, however many issues are waiting.
func TestAMissingRepositoryIsOneFatalError(t *testing.T) {
	for _, stateKnown := range []bool{true, false} {
		w := newWorld(t)
		w.bs.SeedDemo(time.Now())
		if stateKnown {
			if r := w.bsync(t, "sync"); r.code != exitOK {
				t.Fatalf("first sync: exit %d %s", r.code, r.stdout)
			}
		}
		var fresh []string
		for i := 0; i < 6; i++ {
			fresh = append(fresh, w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E"}))
		}
		rdb := w.redis.Client(t, 15)
		mappings, _ := rdb.Keys(t.Context(), "bugsink:synced:*").Result()
		issues, labels, comments := len(w.gt.Issues()), len(w.gt.Labels()), len(w.bs.Comments())
		w.env["GITEA_REPO"] = "nope"
		r := w.bsync(t, "sync", "--concurrency", "4")
		if r.code != exitFatal || r.doc["success"] != false {
			t.Fatalf("state known %v: exit %d, want %d: %s", stateKnown, r.code, exitFatal, r.stdout)
		}
		msg := r.doc["error"].(map[string]any)["message"].(string)
		if !strings.Contains(msg, "acme/nope") || !strings.Contains(msg, "GITEA_REPO") {
			t.Errorf("state known %v: error %q does not name the repository and what to check", stateKnown, msg)
		}
		// "404 Not Found", not "404": a timestamp's nanoseconds can hold 404.
		if n := strings.Count(r.stdout, "404 Not Found"); n != 1 {
			t.Errorf("state known %v: the 404 appears %d times in the report, want once:\n%s", stateKnown, n, r.stdout)
		}
		if d, _ := r.doc["data"].(map[string]any); d != nil && d["failed"] != float64(0) {
			t.Errorf("state known %v: %v issues reported failed, want none (the run failed, not the issues)", stateKnown, d["failed"])
		}
		after, _ := rdb.Keys(t.Context(), "bugsink:synced:*").Result()
		pending, _ := rdb.Keys(t.Context(), "bugsink:pending:*").Result()
		if len(after) != len(mappings) || len(pending) != 0 {
			t.Errorf("state known %v: mappings %d → %d, reservations %v", stateKnown, len(mappings), len(after), pending)
		}
		if len(w.gt.Issues()) != issues || len(w.gt.Labels()) != labels || len(w.bs.Comments()) != comments {
			t.Errorf("state known %v: something was written to Gitea or Bugsink", stateKnown)
		}
		for _, id := range fresh {
			if is, _ := w.bs.Issue(id); is.IsResolved {
				t.Errorf("state known %v: %s resolved in Bugsink", stateKnown, id)
			}
		}
	}
}
