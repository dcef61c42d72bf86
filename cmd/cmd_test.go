package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// world is a fake Bugsink, a fake Gitea and a real redis-server.
type world struct {
	bs    *bugsinktest.Server
	gt    *giteatest.Server
	redis *redistest.Server
	env   map[string]string
	// emptyEnv is an empty env file.
	emptyEnv string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{bs: bugsinktest.New(), gt: giteatest.New("acme", "app"), redis: redistest.Start(t)}
	t.Cleanup(w.bs.Close)
	t.Cleanup(w.gt.Close)
	w.emptyEnv = filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(w.emptyEnv, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{
		"BUGSINK_URL": w.bs.URL, "BUGSINK_API_TOKEN": bugsinktest.Token,
		"GITEA_URL": w.gt.URL, "GITEA_API_TOKEN": giteatest.Token, "GITEA_OWNER": "acme", "GITEA_REPO": "app",
		"BUGSINK_SYNC_ENABLED": "true", "REDIS_URL": w.redis.URL(),
	}
	return w
}

type result struct {
	code   int
	stdout string
	stderr string
	doc    map[string]any
}

func (w *world) bsync(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := w.env
	app := &App{Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errb, Now: time.Now, Version: "test", Commit: "abc"}
	// An empty env file keeps a stray .env in the working directory out.
	code := app.Run(context.Background(), append(args, "--env-file", w.emptyEnv))
	r := result{code: code, stdout: out.String(), stderr: errb.String()}
	if err := json.Unmarshal(out.Bytes(), &r.doc); err != nil && !strings.Contains(strings.Join(args, " "), "table") {
		t.Fatalf("bsync %v: stdout is not one JSON document: %v\n%s", args, err, out.String())
	}
	for _, secret := range []string{bugsinktest.Token, giteatest.Token} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("bsync %v printed a token", args)
		}
	}
	return r
}

func data(r result) map[string]any { m, _ := r.doc["data"].(map[string]any); return m }
func errCode(r result) string {
	e, _ := r.doc["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestSyncHappyPathAndSecondRun(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	r := w.bsync(t, "sync")
	if r.code != ExitOK || r.doc["success"] != true || data(r)["synced"] != float64(10) {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	for _, k := range []string{"synced", "skipped", "failed", "duration_ms", "projects", "created", "errors"} {
		if _, ok := data(r)[k]; !ok {
			t.Errorf("data lacks %q", k)
		}
	}
	r2 := w.bsync(t, "sync")
	if r2.code != ExitOK || data(r2)["synced"] != float64(0) || len(w.gt.Issues()) != 10 {
		t.Errorf("second run: exit %d synced %v", r2.code, data(r2)["synced"])
	}
}

func TestSyncDisabledContactsNothing(t *testing.T) {
	w := newWorld(t)
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	w.env["GITEA_API_TOKEN"] = "" // a disabled deployment need not be fully configured
	w.redis.Stop()
	r := w.bsync(t, "sync")
	if r.code != ExitOK || r.doc["success"] != true || data(r)["enabled"] != false {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	if len(w.bs.Requests())+len(w.gt.Requests()) != 0 {
		t.Error("a disabled sync contacted an API")
	}
}

func TestDryRunPreviewsEvenWhenDisabled(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	r := w.bsync(t, "sync", "--dry-run")
	if r.code != ExitOK || len(data(r)["would_create"].([]any)) != 10 || len(w.gt.Issues()) != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	keys, _ := w.redis.Client(t, 15).Keys(t.Context(), "*").Result()
	if len(keys) != 0 {
		t.Errorf("dry run wrote %v", keys)
	}
}

func TestConfigErrorsExit2WithoutNetwork(t *testing.T) {
	w := newWorld(t)
	delete(w.env, "GITEA_REPO")
	w.env["BUGSINK_API_TOKEN"] = "short"
	r := w.bsync(t, "sync")
	if r.code != ExitUsage || errCode(r) != "config" {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	msg := r.doc["error"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "GITEA_REPO is not set") || !strings.Contains(msg, "BUGSINK_API_TOKEN is malformed") {
		t.Errorf("message %q does not list both problems", msg)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "bsync: ") {
		t.Errorf("stderr should be one clear line, got %q", r.stderr)
	}
	if len(w.bs.Requests())+len(w.gt.Requests()) != 0 {
		t.Error("network was used despite a config error")
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{{"nonsense"}, {"sync", "--bogus"}, {"sync", "extra"}, {"status", "--output", "xml"}} {
		if r := w.bsync(t, args...); r.code != ExitUsage || r.doc["success"] != false {
			t.Errorf("%v: exit %d %s", args, r.code, r.stdout)
		}
	}
}

func TestUnknownProjectIsAConfigError(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_PROJECTS"] = "flyer-crawler-backend,typo-backend"
	r := w.bsync(t, "sync")
	if r.code != ExitUsage || !strings.Contains(r.stdout, "typo-backend") || len(w.gt.Issues()) != 0 {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
}

func TestRevokedTokenIsFatal(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["GITEA_API_TOKEN"] = strings.Repeat("9", 40)
	r := w.bsync(t, "sync")
	if r.code != ExitError || r.doc["success"] != false || !strings.Contains(r.stdout, "invalid username, password or token") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	w.env["GITEA_API_TOKEN"] = giteatest.Token
	w.env["BUGSINK_API_TOKEN"] = strings.Repeat("b", 40)
	r = w.bsync(t, "sync")
	if r.code != ExitError || !strings.Contains(r.stdout, "Invalid Bearer token.") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	if n := len(w.gt.Issues()); n != 0 {
		t.Errorf("%d issues created", n)
	}
}

func TestRedisDownExits1(t *testing.T) {
	w := newWorld(t)
	w.redis.Stop()
	for _, args := range [][]string{{"sync"}, {"status"}, {"list-synced"}, {"forget", "00000000-0000-4000-8000-000000000000"}} {
		r := w.bsync(t, args...)
		if r.code != ExitError || r.doc["success"] != false {
			t.Errorf("%v: exit %d %s", args, r.code, r.stdout)
		}
	}
	if len(w.bs.Requests())+len(w.gt.Requests()) != 0 {
		t.Error("sync contacted an API without a reachable state")
	}
}

func TestLockHeldExits4(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	store, _ := syncstate.Open(w.redis.URL())
	defer store.Close()
	if _, _, err := store.AcquireLock(t.Context(), syncstate.LockInfo{Token: "other", Host: "cron-host", PID: 42}, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := w.bsync(t, "sync")
	if r.code != ExitLocked || errCode(r) != "locked" || !strings.Contains(r.stdout, "cron-host") || len(w.gt.Issues()) != 0 {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	st := w.bsync(t, "status")
	if st.code != ExitOK || data(st)["running"] == nil {
		t.Errorf("status while locked: %s", st.stdout)
	}
}

func TestPartialFailureExits3WithReport(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("p", "P")
	w.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E"})
	w.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E", RawData: json.RawMessage(`{}`)})
	w.gt.Faults.Add(httpfaultRule500())
	r := w.bsync(t, "sync", "--concurrency", "1")
	if r.code != ExitPartial || errCode(r) != "partial" || data(r)["failed"] != float64(1) || data(r)["synced"] != float64(1) {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	errs := data(r)["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["bugsink_issue_id"] == "" {
		t.Errorf("errors %v", errs)
	}
}

func TestStatusShapesAndStaleness(t *testing.T) {
	w := newWorld(t)
	r := w.bsync(t, "status")
	d := data(r)
	if r.code != ExitOK || d["last_run"] != nil || d["next_run"] != nil || d["total_synced"] != float64(0) || d["enabled"] != true || d["stale"] != true {
		t.Fatalf("empty db: exit %d %s", r.code, r.stdout)
	}
	if r := w.bsync(t, "status", "--fail-if-stale"); r.code != ExitStale || errCode(r) != "stale" {
		t.Errorf("--fail-if-stale on empty db: exit %d", r.code)
	}
	// Keys written by the older implementation count.
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:00000000-0000-4000-8000-000000000001",
		`{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"t"}`, 0)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	r = w.bsync(t, "status", "--fail-if-stale")
	d = data(r)
	if r.code != ExitOK || d["total_synced"] != float64(11) || d["last_outcome"] != "ok" || d["stale"] != false {
		t.Fatalf("after a sync: exit %d %s", r.code, r.stdout)
	}
	last, _ := time.Parse(time.RFC3339, d["last_run"].(string))
	next, _ := time.Parse(time.RFC3339, d["next_run"].(string))
	if next.Sub(last) != 15*time.Minute {
		t.Errorf("next_run - last_run = %v, want the interval", next.Sub(last))
	}
}

func TestForget(t *testing.T) {
	w := newWorld(t)
	id := "00000000-0000-4000-8000-000000000001"
	other := "00000000-0000-4000-8000-000000000002"
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:"+id, `{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"t"}`, 0)
	if r := w.bsync(t, "forget", id, "not-a-uuid"); r.code != ExitUsage {
		t.Fatalf("malformed id: exit %d", r.code)
	}
	if n, _ := w.redis.Client(t, 15).Exists(t.Context(), "bugsink:synced:"+id).Result(); n != 1 {
		t.Fatal("a usage error deleted a mapping")
	}
	r := w.bsync(t, "forget", id, other)
	d := data(r)
	if r.code != ExitOK || len(d["forgotten"].([]any)) != 1 || d["not_found"].([]any)[0] != other {
		t.Errorf("exit %d %s", r.code, r.stdout)
	}
}

func TestListSynced(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:00000000-0000-4000-8000-000000000001",
		`{"gitea_issue_number":99,"synced_at":"2020-01-01T00:00:00Z","project":"legacy","title":"old"}`, 0)
	r := w.bsync(t, "list-synced")
	ms := data(r)["mappings"].([]any)
	if r.code != ExitOK || len(ms) != 11 || data(r)["count"] != float64(11) {
		t.Fatalf("exit %d, %d mappings", r.code, len(ms))
	}
	first := ms[0].(map[string]any)
	if first["bugsink_issue_id"] != "00000000-0000-4000-8000-000000000001" || first["gitea_issue_url"] != w.gt.URL+"/acme/app/issues/99" {
		t.Errorf("first mapping %v", first)
	}
	if r := w.bsync(t, "list-synced", "--project", "legacy"); data(r)["count"] != float64(1) {
		t.Errorf("--project: %s", r.stdout)
	}
	if r := w.bsync(t, "list-synced", "--since", "24h"); data(r)["count"] != float64(10) {
		t.Errorf("--since: %s", r.stdout)
	}
	if r := w.bsync(t, "list-synced", "--limit", "3"); data(r)["count"] != float64(3) {
		t.Errorf("--limit: %s", r.stdout)
	}
	if r := w.bsync(t, "list-synced", "--since", "yesterday"); r.code != ExitUsage {
		t.Errorf("bad --since: exit %d", r.code)
	}
}

func TestVersion(t *testing.T) {
	w := newWorld(t)
	r := w.bsync(t, "version")
	if r.code != ExitOK || data(r)["version"] != "test" || data(r)["commit"] != "abc" {
		t.Errorf("%s", r.stdout)
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	id := w.bs.IssueIDs()[0]
	r := w.bsync(t, "preview", id)
	d := data(r)
	if r.code != ExitOK || d["title"] != "[TypeError] t.map is not a function" || !strings.Contains(d["body"].(string), "## Stacktrace") {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	if labels := d["labels"].([]any); len(labels) != 3 || labels[0] != "bug:frontend" {
		t.Errorf("labels %v", labels)
	}
	for _, req := range w.bs.Requests() {
		if req.Method != "GET" {
			t.Errorf("preview sent %s %s", req.Method, req.Path)
		}
	}
	if len(w.gt.Requests()) != 0 {
		t.Error("preview contacted Gitea")
	}
	if r := w.bsync(t, "preview", "nope"); r.code != ExitUsage {
		t.Errorf("malformed id: exit %d", r.code)
	}
}

func TestReindexAfterWipe(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	w.redis.Client(t, 15).FlushDB(t.Context())
	if r := w.bsync(t, "reindex", "--dry-run"); r.code != ExitOK || data(r)["written"] != float64(10) || data(r)["dry_run"] != true {
		t.Fatalf("dry run: exit %d %s", r.code, r.stdout)
	}
	if n, _ := w.redis.Client(t, 15).DBSize(t.Context()).Result(); n != 0 {
		t.Fatalf("reindex --dry-run wrote %d keys", n)
	}
	r := w.bsync(t, "reindex")
	d := data(r)
	if r.code != ExitOK || d["found"] != float64(10) || d["written"] != float64(10) || len(d["conflicts"].([]any)) != 0 {
		t.Fatalf("exit %d %s", r.code, r.stdout)
	}
	if st := w.bsync(t, "status"); data(st)["total_synced"] != float64(10) {
		t.Errorf("status after reindex: %s", st.stdout)
	}
	if r := w.bsync(t, "sync"); data(r)["synced"] != float64(0) || len(w.gt.Issues()) != 10 {
		t.Errorf("sync after reindex created issues: %s", r.stdout)
	}
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		w := newWorld(t)
		w.bs.SeedDemo(time.Now())
		var out, errb bytes.Buffer
		env := w.env
		app := &App{Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errb, Now: time.Now,
			IsTerminal: func(any) bool { return tty }}
		if code := app.Run(context.Background(), []string{"sync", "--env-file", w.emptyEnv, "--log-level", "error"}); code != 0 {
			t.Fatalf("exit %d", code)
		}
		shown := strings.Contains(errb.String(), "issues") && strings.Contains(errb.String(), "\r")
		if shown != tty {
			t.Errorf("terminal %v: progress shown %v: %q", tty, shown, errb.String())
		}
		if tty && !strings.Contains(errb.String(), "sync flyer-crawler-") {
			t.Errorf("progress does not name the project: %q", errb.String())
		}
	}
}

func TestSyncFlagsOverrideTheEnvironment(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BSYNC_MAX_CREATE"] = "1"
	r := w.bsync(t, "sync", "--max-create", "3", "--min-occurrences", "2", "--exclude-project", "flyer-crawler-infrastructure")
	d := data(r)
	if r.code != ExitOK || d["synced"] != float64(3) || d["deferred"].(float64) < 1 || d["below_threshold"].(float64) < 1 {
		t.Fatalf("exit %d: synced %v deferred %v below %v", r.code, d["synced"], d["deferred"], d["below_threshold"])
	}
	for _, args := range [][]string{{"sync", "--min-level", "loud"}, {"sync", "--max-age", "soon"}, {"sync", "--max-create", "-2"}} {
		if r := w.bsync(t, args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
}

func TestListSyncedCutShortIsStillOneJSONDocument(t *testing.T) {
	var out bytes.Buffer
	a := &App{Stdout: &out}
	w := newListWriter(a, true)
	w.add(mappingView{BugsinkIssueID: "00000000-0000-4000-8000-000000000001", GiteaIssueNumber: 1})
	w.abort(errors.New("read the sync state: connection reset"))
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if doc["success"] != false || data(result{doc: doc})["count"] != float64(1) || errCode(result{doc: doc}) != "error" {
		t.Errorf("document %s", out.String())
	}
}

// The report and the run record say which kind of pass ran; --full asks
// for a full one.
func TestSyncSaysWhichPassRan(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	for _, tc := range []struct {
		args []string
		want string
	}{{nil, "full"}, {nil, "incremental"}, {[]string{"--full"}, "full"}} {
		r := w.bsync(t, append([]string{"sync"}, tc.args...)...)
		if d := data(r); r.code != ExitOK || d["pass"] != tc.want {
			t.Fatalf("sync %v: exit %d, pass %v, want %s", tc.args, r.code, d["pass"], tc.want)
		}
		st := data(w.bsync(t, "status"))
		if last, _ := st["last_run_detail"].(map[string]any); last["pass"] != tc.want {
			t.Errorf("status after sync %v: last run %v", tc.args, last)
		}
	}
}
