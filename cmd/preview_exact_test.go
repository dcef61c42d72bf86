package cmd

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

// TestPreviewIsTheIssueSyncWrites: what preview shows (title, body,
// assignees) is what the sync that follows writes, byte for byte, with
// code links, a Where row and owners from a mapping the sync earns.
func TestPreviewIsTheIssueSyncWrites(t *testing.T) {
	w := newWorld(t)
	src := strings.Repeat("x\n", 40)
	w.gt.Commit("", map[string]string{"backend/src/server/app.ts": src, "backend/src/server/db.ts": src,
		"worker/server/app.ts": src, "CODEOWNERS": "backend/.* @backend-dev\nworker/.* @worker-dev\n"})
	w.gt.AddUser("backend-dev", "write")
	w.gt.AddUser("worker-dev", "write")
	w.bs.AddProject("flyer-crawler-backend", "Backend")
	frame := func(file, fn string, line int) map[string]any {
		return map[string]any{"filename": "/srv/app/src/server/" + file, "lineno": line, "in_app": true, "function": fn}
	}
	id := w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "TypeError", Value: "boom @here | <b>x</b>", LastSeen: time.Now().Add(-time.Hour),
		Data: map[string]any{"platform": "node", "release": "v9.9.9", "exception": map[string]any{"values": []any{map[string]any{"type": "TypeError", "value": "boom @here | <b>x</b>",
			"stacktrace": map[string]any{"frames": []any{frame("db.ts", "`@ops` | <i>", 3), frame("app.ts", "run", 12)}}}}}}})
	p := data(w.bsync(t, "preview", id))
	w.bsync(t, "sync")
	issues := w.gt.Issues()
	if len(issues) != 1 {
		t.Fatalf("sync created %d issues", len(issues))
	}
	got := issues[0]
	if p["title"] != got.Title {
		t.Errorf("title: preview %q, sync %q", p["title"], got.Title)
	}
	if p["body"] != got.Body {
		t.Errorf("body differs:\npreview:\n%s\nsync:\n%s", p["body"], got.Body)
	}
	if !strings.Contains(got.Body, "backend/src/server/app.ts#L12") {
		t.Errorf("no link in the body:\n%s", got.Body)
	}
	if pa := anyStrings(p["assignees"]); !slices.Equal(pa, got.Assignees) || !slices.Equal(pa, []string{"backend-dev"}) {
		t.Errorf("assignees: preview %v, sync %v", pa, got.Assignees)
	}
}
