package cmd

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

// preview and sync --dry-run show the code links and the assignees a sync
// would write, reading the repository as a sync does, and write nothing:
// no Gitea write, no earned mapping kept in Redis.
func TestPreviewAndDryRunShowLinksAndAssignees(t *testing.T) {
	w := newWorld(t)
	src := strings.Repeat("x\n", 40)
	w.gt.Commit("", map[string]string{"backend/src/server/app.ts": src, "backend/src/server/db.ts": src,
		"CODEOWNERS": "backend/.* @backend-dev\n"})
	w.gt.AddUser("backend-dev", "write")
	w.bs.AddProject("flyer-crawler-backend", "Backend")
	frame := func(file string, line int) map[string]any {
		return map[string]any{"filename": "/srv/app/src/server/" + file, "lineno": line, "in_app": true, "function": "run"}
	}
	id := w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "TypeError", Value: "boom", LastSeen: time.Now().Add(-time.Hour),
		Data: map[string]any{"platform": "node", "exception": map[string]any{"values": []any{map[string]any{"type": "TypeError", "value": "boom",
			"stacktrace": map[string]any{"frames": []any{frame("db.ts", 3), frame("app.ts", 12)}}}}}}})
	labelsBefore := len(w.gt.Labels())
	r := w.bsync(t, "preview", id)
	d := data(r)
	body, _ := d["body"].(string)
	if r.code != exitOK || !strings.Contains(body, "/src/commit/") || !strings.Contains(body, "backend/src/server/app.ts#L12") {
		t.Fatalf("exit %d, the preview lacks the link:\n%s", r.code, r.stdout)
	}
	if got, _ := d["assignees"].([]any); len(got) != 1 || got[0] != "backend-dev" {
		t.Errorf("preview assignees %v, want [backend-dev]", got)
	}
	if tbl := w.bsync(t, "preview", "-o", "table", id); !strings.Contains(tbl.stdout, "Assign: backend-dev\n") {
		t.Errorf("the table preview does not name the assignee:\n%s", tbl.stdout)
	}
	dry := w.bsync(t, "sync", "--dry-run")
	created, _ := data(dry)["would_create"].([]any)
	if dry.code != exitOK || len(created) != 1 {
		t.Fatalf("dry run: exit %d: %s", dry.code, dry.stdout)
	}
	if is, _ := created[0].(map[string]any); !slices.Equal(anyStrings(is["assignees"]), []string{"backend-dev"}) {
		t.Errorf("dry run would assign %v, want [backend-dev]", is["assignees"])
	}
	for _, req := range w.gt.Requests() {
		// The one write every run makes is the empty label create that
		// proves write access; Gitea refuses it, creating nothing.
		if req.Method != "GET" && (req.Method != "POST" || req.Path != "/api/v1/repos/acme/app/labels") {
			t.Errorf("preview or dry run sent %s %s to Gitea", req.Method, req.Path)
		}
	}
	if n := len(w.gt.Labels()); n != labelsBefore {
		t.Errorf("preview or dry run made labels: %d, before %d", n, labelsBefore)
	}
	if keys, _ := w.redis.Client(t, 15).Keys(t.Context(), "bugsink:codemap:*").Result(); len(keys) != 0 {
		t.Errorf("preview or dry run kept earned mappings: %v", keys)
	}
	w.bsync(t, "sync")
	if keys, _ := w.redis.Client(t, 15).Keys(t.Context(), "bugsink:codemap:*").Result(); !slices.Equal(keys, []string{"bugsink:codemap:acme/app:flyer-crawler-backend"}) {
		t.Errorf("a sync keeps the mapping it earned under %v", keys)
	}
	checkDoctorShowsMappings(t, w)
}

// checkDoctorShowsMappings: doctor names each project's mappings, the
// earned one with a frame it linked.
func checkDoctorShowsMappings(t *testing.T, w *world) {
	t.Helper()
	r := w.bsync(t, "doctor")
	checks, _ := data(r)["checks"].([]any)
	var msgs []string
	for _, c := range checks {
		if c, _ := c.(map[string]any); c["name"] == "code_mappings" {
			msgs = append(msgs, c["message"].(string))
		}
	}
	want := `project flyer-crawler-backend: earned "/srv/app/" → backend/, e.g. "/srv/app/src/server/app.ts" → backend/src/server/app.ts`
	if !slices.Contains(msgs, want) {
		t.Errorf("doctor's code mappings %q, want %q", msgs, want)
	}
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
