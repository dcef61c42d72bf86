package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

func TestMain(m *testing.M) {
	syncstate.SilenceDriverLogs()
	os.Exit(m.Run())
}

// world is what a command test runs against: the parts it asks for of a
// fake Bugsink, a fake Gitea and a real redis-server. A test starts only
// the servers its command talks to.
type world struct {
	bs    *bugsinktest.Server
	gt    *giteatest.Server
	redis *redistest.Server
	env   map[string]string
	// emptyEnv is an empty env file.
	emptyEnv string
}

type part uint8

const (
	withBugsink part = 1 << iota
	withGitea
	withRedis
	everything = withBugsink | withGitea | withRedis
)

func newWorld(t *testing.T, parts ...part) *world {
	t.Helper()
	want := everything
	if len(parts) > 0 {
		want = 0
		for _, p := range parts {
			want |= p
		}
	}
	w := &world{env: validEnv()}
	// Addresses nothing listens on, for the servers a test did not start:
	// a command that should not talk to them fails loudly if it does.
	w.env["BUGSINK_URL"], w.env["GITEA_URL"], w.env["REDIS_URL"] = "http://127.0.0.1:1", "http://127.0.0.1:1", "redis://127.0.0.1:1"
	if want&withBugsink != 0 {
		w.bs = bugsinktest.New()
		t.Cleanup(w.bs.Close)
		w.env["BUGSINK_URL"], w.env["BUGSINK_API_TOKEN"] = w.bs.URL, bugsinktest.Token
	}
	if want&withGitea != 0 {
		w.gt = giteatest.New("acme", "app")
		t.Cleanup(w.gt.Close)
		w.env["GITEA_URL"], w.env["GITEA_API_TOKEN"] = w.gt.URL, giteatest.Token
	}
	if want&withRedis != 0 {
		w.redis = redistest.Start(t)
		w.env["REDIS_URL"] = w.redis.URL()
	}
	w.emptyEnv = filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(w.emptyEnv, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

type result struct {
	code   int
	stdout string
	stderr string
	doc    map[string]any
}

// testApp is the app a command test runs: env as the environment, output
// into buffers, no terminal.
func testApp(env map[string]string, stdout, stderr *bytes.Buffer) *app {
	return &app{lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		stdout: stdout, stderr: stderr, now: time.Now, build: buildInfo{Version: "test", Commit: "abc", Go: "go"},
		isTerminal: func(io.Writer) bool { return false }}
}

func (w *world) bsync(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	// An empty env file keeps a stray .env in the working directory out.
	code := testApp(w.env, &out, &errb).run(context.Background(), append(args, "--env-file", w.emptyEnv))
	r := result{code: code, stdout: out.String(), stderr: errb.String()}
	if err := json.Unmarshal(out.Bytes(), &r.doc); err != nil && !slices.Contains(args, "table") {
		t.Fatalf("bsync %v: stdout is not one JSON document: %v\n%s", args, err, out.String())
	}
	for _, token := range []string{bugsinktest.Token, giteatest.Token} {
		if strings.Contains(r.stdout+r.stderr, token) {
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
	if r.code != exitOK || r.doc["success"] != true || data(r)["synced"] != float64(10) {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	for _, k := range []string{"synced", "skipped", "failed", "duration_ms", "projects", "created", "errors"} {
		if _, ok := data(r)[k]; !ok {
			t.Errorf("data lacks %q", k)
		}
	}
	r2 := w.bsync(t, "sync")
	if r2.code != exitOK || data(r2)["synced"] != float64(0) || len(w.gt.Issues()) != 10 {
		t.Errorf("second run: exit %d synced %v", r2.code, data(r2)["synced"])
	}
}

func TestSyncDisabledContactsNothing(t *testing.T) {
	w := newWorld(t, 0)
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	w.env["GITEA_API_TOKEN"] = "" // a disabled deployment need not be fully configured
	// No server runs: contacting any would fail the command.
	r := w.bsync(t, "sync")
	if r.code != exitOK || r.doc["success"] != true || data(r)["enabled"] != false {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
}

func TestDryRunPreviewsEvenWhenDisabled(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	r := w.bsync(t, "sync", "--dry-run")
	if r.code != exitOK || len(data(r)["would_create"].([]any)) != 10 || len(w.gt.Issues()) != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	keys, _ := w.redis.Client(t, 15).Keys(t.Context(), "*").Result()
	if len(keys) != 0 {
		t.Errorf("dry run wrote %v", keys)
	}
}

func TestConfigErrorsExit2WithoutNetwork(t *testing.T) {
	w := newWorld(t, 0)
	delete(w.env, "GITEA_REPO")
	w.env["BUGSINK_API_TOKEN"] = "short"
	r := w.bsync(t, "sync")
	if r.code != exitUsage || errCode(r) != "config" {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	msg := r.doc["error"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "GITEA_REPO is not set") || !strings.Contains(msg, "BUGSINK_API_TOKEN is malformed") {
		t.Errorf("message %q does not list both problems", msg)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "bsync: ") {
		t.Errorf("stderr should be one clear line, got %q", r.stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	w := newWorld(t, 0)
	for _, args := range [][]string{{"nonsense"}, {"sync", "--bogus"}, {"sync", "extra"}, {"status", "--output", "xml"}} {
		if r := w.bsync(t, args...); r.code != exitUsage || r.doc["success"] != false {
			t.Errorf("%v: exit %d %s", args, r.code, r.stdout)
		}
	}
}

func TestUnknownProjectIsAConfigError(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_PROJECTS"] = "flyer-crawler-backend,typo-backend"
	srv, p := pingServer(t)
	w.env["BSYNC_HEARTBEAT_URL"] = srv.URL + "/ping/abc"
	r := w.bsync(t, "sync")
	if r.code != exitUsage || errCode(r) != "config" || !strings.Contains(r.stdout, "typo-backend") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	// Exit 2 means nothing was written: only Bugsink's project list was read.
	if n := len(w.gt.Requests()); n != 0 {
		t.Errorf("%d Gitea requests", n)
	}
	for _, req := range w.bs.Requests() {
		if req.Method != "GET" || !strings.Contains(req.Path, "/projects/") {
			t.Errorf("Bugsink request %s %s before the slugs were checked", req.Method, req.Path)
		}
	}
	if keys, _ := w.redis.Client(t, 15).Keys(t.Context(), "*").Result(); len(keys) != 0 {
		t.Errorf("Redis keys written: %v", keys)
	}
	if len(p.paths) != 0 {
		t.Errorf("heartbeat pinged: %v", p.paths)
	}
}

func TestRevokedTokenIsFatal(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["GITEA_API_TOKEN"] = strings.Repeat("9", 40)
	r := w.bsync(t, "sync")
	if r.code != exitFatal || r.doc["success"] != false || !strings.Contains(r.stdout, "invalid username, password or token") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	w.env["GITEA_API_TOKEN"] = giteatest.Token
	w.env["BUGSINK_API_TOKEN"] = strings.Repeat("b", 40)
	r = w.bsync(t, "sync")
	if r.code != exitFatal || !strings.Contains(r.stdout, "Invalid Bearer token.") {
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
		if r.code != exitFatal || r.doc["success"] != false {
			t.Errorf("%v: exit %d %s", args, r.code, r.stdout)
		}
	}
	if len(w.gt.Requests()) != 0 {
		t.Error("sync contacted Gitea without a reachable state")
	}
	for _, req := range w.bs.Requests() {
		if req.Method != "GET" {
			t.Errorf("sync wrote to Bugsink without a reachable state: %s %s", req.Method, req.Path)
		}
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
	if r.code != exitLocked || errCode(r) != "locked" || !strings.Contains(r.stdout, "cron-host") || len(w.gt.Issues()) != 0 {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	st := w.bsync(t, "status")
	if st.code != exitOK || data(st)["running"] == nil {
		t.Errorf("status while locked: %s", st.stdout)
	}
}

func TestPartialFailureExits3WithReport(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("p", "P")
	// Two errors: one error twice in a project would be one bug, and the
	// second issue would wait for the first's create (linking).
	w.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E", Value: "one"})
	w.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E", Value: "two", RawData: json.RawMessage(`{}`)})
	w.gt.Faults.Add(httpfaultRule500())
	r := w.bsync(t, "sync", "--concurrency", "1")
	if r.code != exitPartial || errCode(r) != "partial" || data(r)["failed"] != float64(1) || data(r)["synced"] != float64(1) {
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
	if r.code != exitOK || d["last_run"] != nil || d["next_run"] != nil || d["total_synced"] != float64(0) || d["enabled"] != true || d["stale"] != true {
		t.Fatalf("empty db: exit %d %s", r.code, r.stdout)
	}
	if r := w.bsync(t, "status", "--fail-if-stale"); r.code != exitStale || errCode(r) != "stale" {
		t.Errorf("--fail-if-stale on empty db: exit %d", r.code)
	}
	// Keys written by the older implementation count.
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:00000000-0000-4000-8000-000000000001",
		`{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"t"}`, 0)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	r = w.bsync(t, "status", "--fail-if-stale")
	d = data(r)
	if r.code != exitOK || d["total_synced"] != float64(11) || d["last_outcome"] != "ok" || d["stale"] != false {
		t.Fatalf("after a sync: exit %d %s", r.code, r.stdout)
	}
	last, _ := time.Parse(time.RFC3339, d["last_run"].(string))
	next, _ := time.Parse(time.RFC3339, d["next_run"].(string))
	if next.Sub(last) != 15*time.Minute {
		t.Errorf("next_run - last_run = %v, want the interval", next.Sub(last))
	}
}

func TestForget(t *testing.T) {
	w := newWorld(t, withRedis)
	id := "00000000-0000-4000-8000-000000000001"
	other := "00000000-0000-4000-8000-000000000002"
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:"+id, `{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"t"}`, 0)
	if r := w.bsync(t, "forget", id, "not-a-uuid"); r.code != exitUsage {
		t.Fatalf("malformed id: exit %d", r.code)
	}
	if n, _ := w.redis.Client(t, 15).Exists(t.Context(), "bugsink:synced:"+id).Result(); n != 1 {
		t.Fatal("a usage error deleted a mapping")
	}
	r := w.bsync(t, "forget", id, other)
	d := data(r)
	if r.code != exitOK || len(d["forgotten"].([]any)) != 1 || d["not_found"].([]any)[0] != other {
		t.Errorf("exit %d %s", r.code, r.stdout)
	}
}

// A forgotten issue gets a new Gitea issue on the next sync, although an
// incremental listing would not show it: forgetting makes that sync a full
// pass.
func TestForgetThenSyncCreatesAgain(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	if d := data(w.bsync(t, "sync")); d["pass"] != "incremental" {
		t.Fatalf("second sync: pass %v", d["pass"])
	}
	id := w.bs.IssueIDs()[0]
	is, _ := w.bs.Issue(id)
	w.bs.Reopen(id) // unresolved again, with no new event: invisible to an incremental listing
	if r := w.bsync(t, "forget", id); r.code != exitOK || len(data(r)["forgotten"].([]any)) != 1 {
		t.Fatalf("forget: exit %d %s", r.code, r.stdout)
	}
	d := data(w.bsync(t, "sync"))
	if d["pass"] != "full" || d["synced"] != float64(1) {
		t.Errorf("sync after forget: pass %v, synced %v (issue last seen %s)", d["pass"], d["synced"], is.LastSeen)
	}
}

// Forgetting one environment's issue of a shared Gitea issue lets it
// rejoin that issue; forgetting every one files the error anew.
func TestForgetSharedIssue(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("flyer-crawler-backend", "Backend")
	w.bs.AddProject("flyer-crawler-backend-test", "Backend test")
	at := time.Now().Add(-time.Hour)
	test := w.bs.AddIssue("flyer-crawler-backend-test", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	prod := w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	if d := data(w.bsync(t, "sync")); d["synced"] != float64(2) || d["linked"] != float64(1) || len(w.gt.Issues()) != 1 {
		t.Fatalf("first sync: %v, %d gitea issues", d, len(w.gt.Issues()))
	}
	ms := data(w.bsync(t, "list-synced"))["mappings"].([]any)
	if len(ms) != 2 || ms[0].(map[string]any)["gitea_issue_number"] != ms[1].(map[string]any)["gitea_issue_number"] ||
		ms[0].(map[string]any)["bug_id"] == nil || ms[0].(map[string]any)["environment"] == ms[1].(map[string]any)["environment"] {
		t.Fatalf("list-synced: %v", ms)
	}
	if st := data(w.bsync(t, "status")); st["total_synced"] != float64(2) {
		t.Errorf("status counts %v mappings, want 2", st["total_synced"])
	}
	w.bs.Reopen(test)
	w.bsync(t, "forget", test)
	if d := data(w.bsync(t, "sync")); d["linked"] != float64(1) || len(w.gt.Issues()) != 1 {
		t.Fatalf("after forgetting one: %v, %d gitea issues", d, len(w.gt.Issues()))
	}
	w.bs.Reopen(test)
	w.bs.Reopen(prod)
	w.bsync(t, "forget", test, prod)
	if keys := w.redis.Client(t, 15).Keys(t.Context(), "bugsink:bug:*").Val(); len(keys) != 0 {
		t.Fatalf("bug index outlived its issues: %v", keys)
	}
	if d := data(w.bsync(t, "sync")); d["synced"] != float64(2) || d["linked"] != float64(1) || len(w.gt.Issues()) != 2 {
		t.Fatalf("after forgetting both: %v, %d gitea issues", d, len(w.gt.Issues()))
	}
}

func TestListSynced(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:00000000-0000-4000-8000-000000000001",
		`{"gitea_issue_number":99,"synced_at":"2020-01-01T00:00:00Z","project":"legacy","title":"old"}`, 0)
	// One that came back after its close only from a release without the
	// fix (its name carrying a token) awaits the fix.
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:00000000-0000-4000-8000-000000000002",
		`{"gitea_issue_number":98,"synced_at":"2020-01-01T00:00:00Z","project":"legacy","title":"waiting",`+
			`"fix_close":"2020-01-02T00:00:00Z","fix_commit":"6d732a7e1e","releases_without_fix":["1.0.0","ghp_abcdefghijklmnopqrstuvwxyz0123456789"]}`, 0)
	r := w.bsync(t, "list-synced")
	ms := data(r)["mappings"].([]any)
	if r.code != exitOK || len(ms) != 12 || data(r)["count"] != float64(12) {
		t.Fatalf("exit %d, %d mappings", r.code, len(ms))
	}
	var legacy, waiting map[string]any
	for _, m := range ms {
		switch m := m.(map[string]any); m["bugsink_issue_id"] {
		case "00000000-0000-4000-8000-000000000001":
			legacy = m
		case "00000000-0000-4000-8000-000000000002":
			waiting = m
		}
		if _, ok := m.(map[string]any)["awaiting_fix"]; ok && m.(map[string]any)["title"] != "waiting" {
			t.Errorf("a mapping not awaiting a fix lists one: %v", m)
		}
	}
	if aw, _ := waiting["awaiting_fix"].([]any); len(aw) != 2 || aw[0] != "1.0.0" || strings.Contains(r.stdout, "abcdefghijklmnopqrstuvwxyz0123456789") {
		t.Errorf("the mapping awaiting its fix: %v\n%s", waiting, r.stdout)
	}
	if legacy == nil || legacy["gitea_issue_url"] != w.gt.URL+"/acme/app/issues/99" {
		t.Errorf("the older writer's mapping: %v", legacy)
	}
	if r := w.bsync(t, "list-synced", "--project", "legacy"); data(r)["count"] != float64(2) {
		t.Errorf("--project: %s", r.stdout)
	}
	for _, since := range []string{"24h", "30d"} {
		if r := w.bsync(t, "list-synced", "--since", since); data(r)["count"] != float64(10) {
			t.Errorf("--since %s: %s", since, r.stdout)
		}
	}
	if r := w.bsync(t, "list-synced", "--limit", "3"); data(r)["count"] != float64(3) {
		t.Errorf("--limit: %s", r.stdout)
	}
	if r := w.bsync(t, "list-synced", "--since", "yesterday"); r.code != exitUsage {
		t.Errorf("bad --since: exit %d", r.code)
	}
}

func TestVersion(t *testing.T) {
	w := newWorld(t, 0)
	r := w.bsync(t, "version")
	if r.code != exitOK || data(r)["version"] != "test" || data(r)["commit"] != "abc" {
		t.Errorf("%s", r.stdout)
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	w := newWorld(t, withBugsink)
	w.bs.SeedDemo(time.Now())
	id := w.bs.IssueIDs()[0]
	r := w.bsync(t, "preview", id)
	d := data(r)
	if r.code != exitOK || d["title"] != "[TypeError] t.map is not a function" || !strings.Contains(d["body"].(string), "## Stacktrace") {
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
	if r := w.bsync(t, "preview", "nope"); r.code != exitUsage {
		t.Errorf("malformed id: exit %d", r.code)
	}
}

// preview names the bug a new issue is one environment of, and the Gitea
// issue it would join; with linking off, none.
func TestPreviewShowsTheLink(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("flyer-crawler-backend", "Backend")
	w.bs.AddProject("flyer-crawler-backend-test", "Backend test")
	at := time.Now().Add(-time.Hour)
	w.bs.AddIssue("flyer-crawler-backend-test", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	w.bsync(t, "sync")
	prod := w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	r := w.bsync(t, "preview", prod)
	link, _ := data(r)["link"].(map[string]any)
	if r.code != exitOK || link["gitea_issue_number"] != float64(1) || link["environment"] != "production" || link["bug_id"] == "" {
		t.Fatalf("exit %d: link %v", r.code, link)
	}
	if !strings.Contains(data(r)["body"].(string), "## Environments") {
		t.Error("the previewed body has no Environments section")
	}
	w.env["BSYNC_LINK_ENVIRONMENTS"] = "false"
	if r := w.bsync(t, "preview", prod); data(r)["link"] != nil || strings.Contains(data(r)["body"].(string), "## Environments") {
		t.Errorf("linking off: %s", r.stdout)
	}
}

func TestReindexAfterWipe(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	w.redis.Client(t, 15).FlushDB(t.Context())
	if r := w.bsync(t, "reindex", "--dry-run"); r.code != exitOK || data(r)["written"] != float64(10) || data(r)["dry_run"] != true {
		t.Fatalf("dry run: exit %d %s", r.code, r.stdout)
	}
	if n, _ := w.redis.Client(t, 15).DBSize(t.Context()).Result(); n != 0 {
		t.Fatalf("reindex --dry-run wrote %d keys", n)
	}
	r := w.bsync(t, "reindex")
	d := data(r)
	if r.code != exitOK || d["found"] != float64(10) || d["written"] != float64(10) || len(d["conflicts"].([]any)) != 0 {
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
		a := testApp(w.env, &out, &errb)
		a.isTerminal = func(io.Writer) bool { return tty }
		if code := a.run(context.Background(), []string{"sync", "--env-file", w.emptyEnv, "--log-level", "error"}); code != 0 {
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
	if r.code != exitOK || d["synced"] != float64(3) || d["deferred"].(float64) < 1 || d["below_threshold"].(float64) < 1 {
		t.Fatalf("exit %d: synced %v deferred %v below %v", r.code, d["synced"], d["deferred"], d["below_threshold"])
	}
	for _, args := range [][]string{{"sync", "--min-level", "loud"}, {"sync", "--max-age", "soon"}, {"sync", "--max-create", "-2"}} {
		if r := w.bsync(t, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
}

func TestListSyncedCutShortIsStillOneJSONDocument(t *testing.T) {
	var out bytes.Buffer
	a := testApp(nil, &out, &out)
	a.output = outputJSON
	w := newListWriter(a)
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

// Under --output table, a listing cut short ends with the failure line
// every other command prints.
func TestListSyncedCutShortTableEndsWithTheFailureLine(t *testing.T) {
	var out bytes.Buffer
	a := testApp(nil, &out, &out)
	a.output = outputTable
	w := newListWriter(a)
	w.add(mappingView{BugsinkIssueID: "00000000-0000-4000-8000-000000000001", GiteaIssueNumber: 1})
	w.abort(errors.New("read the sync state: connection reset"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "error (error, exit 1): read the sync state") {
		t.Errorf("last line %q of:\n%s", last, out.String())
	}
}

func TestEveryCommandPrintsATable(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	id := w.bs.IssueIDs()[0]
	w.bsync(t, "sync")
	for _, args := range [][]string{{"sync", "--dry-run"}, {"status"}, {"list-synced"}, {"forget", "00000000-0000-4000-8000-000000000009"},
		{"doctor"}, {"preview", id}, {"reindex", "--dry-run"}, {"version"}} {
		r := w.bsync(t, append(args, "-o", "table")...)
		if r.code != exitOK || strings.HasPrefix(strings.TrimSpace(r.stdout), "{") || r.stdout == "" {
			t.Errorf("%v -o table: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	// A failure under -o table is a line for a person, not JSON.
	w.redis.Stop()
	r := w.bsync(t, "status", "-o", "table")
	if r.code != exitFatal || !strings.HasPrefix(r.stdout, "error (redis, exit 1): ") {
		t.Errorf("failed status -o table: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestListSyncedKeepsTitlesUnescaped(t *testing.T) {
	w := newWorld(t, withRedis)
	w.redis.Client(t, 15).Set(t.Context(), "bugsink:synced:00000000-0000-4000-8000-000000000001",
		`{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"[E] a < b && c > d"}`, 0)
	r := w.bsync(t, "list-synced")
	if !strings.Contains(r.stdout, `"title": "[E] a < b && c > d"`) && !strings.Contains(r.stdout, `"title":"[E] a < b && c > d"`) {
		t.Errorf("title escaped: %s", r.stdout)
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	if b := readBuildInfo("", "", read); b.Version != "dev" || b.Commit != "0123abcd" || !b.Modified {
		t.Errorf("checkout build: %+v", b)
	}
	if b := readBuildInfo("1.2.3", "feed", read); b.Version != "1.2.3" || b.Commit != "feed" {
		t.Errorf("-ldflags lost: %+v", b)
	}
	installed := func() (*debug.BuildInfo, bool) { return &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true }
	if b := readBuildInfo("", "", installed); b.Version != "v1.4.0" || b.Commit != "unknown" {
		t.Errorf("go install build: %+v", b)
	}
}

// The run functions are called without cobra: options in, error out.
func TestRunFunctionsWithoutCobra(t *testing.T) {
	w := newWorld(t, withRedis)
	var out, errb bytes.Buffer
	a := testApp(w.env, &out, &errb)
	a.output = outputJSON
	err := runForget(t.Context(), &forgetOptions{app: a, ids: []string{"not-a-uuid"}})
	if code, name := classify(err); code != exitUsage || name != codeUsage || out.Len() != 0 {
		t.Errorf("forget with a malformed id: %v (exit %d), printed %q", err, code, out.String())
	}
	err = runStatus(t.Context(), &statusOptions{app: a, failIfStale: true})
	var doc map[string]any
	if code, _ := classify(err); code != exitStale || json.Unmarshal(out.Bytes(), &doc) != nil || data(result{doc: doc})["stale"] != true {
		t.Errorf("status --fail-if-stale on an empty state: %v, printed %s", err, out.String())
	}
	out.Reset()
	if err := runVersion(a); err != nil || !strings.Contains(out.String(), `"commit":"abc"`) {
		t.Errorf("version: %v %s", err, out.String())
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
		if d := data(r); r.code != exitOK || d["pass"] != tc.want {
			t.Fatalf("sync %v: exit %d, pass %v, want %s", tc.args, r.code, d["pass"], tc.want)
		}
		st := data(w.bsync(t, "status"))
		if last, _ := st["last_run_detail"].(map[string]any); last["pass"] != tc.want {
			t.Errorf("status after sync %v: last run %v", tc.args, last)
		}
	}
	if r := w.bsync(t, "sync", "-o", "table"); !strings.HasPrefix(r.stdout, "sync (incremental pass): ") {
		t.Errorf("table: %q", r.stdout)
	}
}

// A trace that could not be read as Bugsink rendered it is said in the
// preview as in a sync's report (here Bugsink 2.0.0–2.0.4's in-app-only
// trace, which does not match the payload's frames).
func TestPreviewShowsRenderWarnings(t *testing.T) {
	w := newWorld(t, withBugsink)
	old := bugsinktest.New(bugsinktest.WithInAppOnlyMarkdown())
	t.Cleanup(old.Close)
	w.env["BUGSINK_URL"] = old.URL
	raw, err := os.ReadFile("../pkg/render/testdata/events/node11-request-minified.json")
	if err != nil {
		t.Fatal(err)
	}
	old.AddProject("shop-frontend", "Shop")
	id := old.AddIssue("shop-frontend", bugsinktest.IssueSpec{Type: "TypeError", Value: "t.map is not a function", RawData: raw})
	r := w.bsync(t, "preview", id)
	warnings, _ := data(r)["warnings"].([]any)
	if r.code != exitOK || len(warnings) == 0 || !strings.Contains(warnings[0].(string), "could not be read") {
		t.Fatalf("exit %d, warnings %v: %s", r.code, warnings, r.stdout)
	}
	if r := w.bsync(t, "preview", "-o", "table", id); !strings.Contains(r.stdout, "\nwarning: ") {
		t.Errorf("the table preview does not show the warning:\n%s", r.stdout)
	}
}

// forget never works beside a running sync (which would write back the
// watermarks it drops), and forgetting ids it does not know keeps the
// watermarks, so the next sync stays incremental.
func TestForgetTakesTheRunLockAndKeepsWatermarksForUnknownIDs(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	rdb := w.redis.Client(t, 15)
	watermarks := func() int {
		keys, _ := rdb.Keys(t.Context(), "bugsink:watermark:*").Result()
		return len(keys)
	}
	before := watermarks()
	if before == 0 {
		t.Fatal("the first sync left no watermark")
	}
	if r := w.bsync(t, "forget", "00000000-0000-4000-8000-0000000000ff"); r.code != exitOK || watermarks() != before {
		t.Errorf("forgetting an unknown id: exit %d, watermarks %d → %d", r.code, before, watermarks())
	}
	store, _ := syncstate.Open(w.redis.URL())
	defer store.Close()
	if _, _, err := store.AcquireLock(t.Context(), syncstate.LockInfo{Token: "other", Host: "cron-host", PID: 42}, time.Minute); err != nil {
		t.Fatal(err)
	}
	id := w.bs.IssueIDs()[0]
	r := w.bsync(t, "forget", id)
	if r.code != exitLocked || errCode(r) != "locked" {
		t.Errorf("forget beside a running sync: exit %d %s", r.code, r.stdout)
	}
	if n, _ := rdb.Exists(t.Context(), "bugsink:synced:"+id).Result(); n != 1 || watermarks() != before {
		t.Errorf("a refused forget changed the state: mapping kept %v, watermarks %d → %d", n == 1, before, watermarks())
	}
}

// A slug BSYNC_COMPONENTS names that Bugsink does not know is a
// configuration error too: a misspelt one would split its component's bugs.
func TestUnknownComponentSlugIsAConfigError(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BSYNC_COMPONENTS"] = "backend=flyer-crawler-backend,flyer-crawler-backnd-test"
	r := w.bsync(t, "sync")
	if r.code != exitUsage || errCode(r) != "config" || !strings.Contains(r.stdout, "flyer-crawler-backnd-test") || !strings.Contains(r.stdout, "BSYNC_COMPONENTS") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	if n := len(w.gt.Requests()); n != 0 {
		t.Errorf("%d Gitea requests", n)
	}
}
