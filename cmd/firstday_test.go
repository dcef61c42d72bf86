package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncstate"
)

// An operator's first day: what the output looks like in a log and at a
// terminal, and the mistakes a first install makes.

// runAt runs bsync with stdout a terminal or not.
func (w *world) runAt(t *testing.T, tty bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := testApp(w.env, &out, &errb)
	a.isTerminal = func(io.Writer) bool { return tty }
	code := a.run(context.Background(), append(args, "--env-file", w.emptyEnv))
	return code, out.String(), errb.String()
}

// Off a terminal (a cron log) the report is one line; on a terminal it is
// indented, the same document.
func TestReportIsOneLineOffATerminal(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	_, line, _ := w.runAt(t, false, "sync", "--dry-run")
	_, pretty, _ := w.runAt(t, true, "sync", "--dry-run")
	if strings.Count(line, "\n") != 1 || !json.Valid([]byte(line)) {
		t.Errorf("off a terminal the report is not one JSON line: %d lines", strings.Count(line, "\n"))
	}
	if strings.Count(pretty, "\n") < 20 || !strings.Contains(pretty, "\n  \"data\": {") {
		t.Errorf("on a terminal the report is not indented:\n%s", pretty)
	}
}

// list-synced is indented like every other document on a terminal, one
// line off it, and an empty list is [].
func TestListSyncedJSONIsWellFormed(t *testing.T) {
	w := newWorld(t)
	for _, tty := range []bool{true, false} {
		_, got, _ := w.runAt(t, tty, "list-synced")
		var want bytes.Buffer
		if tty {
			if err := json.Indent(&want, []byte(`{"data":{"mappings":[],"count":0},"success":true}`), "", "  "); err != nil {
				t.Fatal(err)
			}
			want.WriteString("\n")
		} else {
			want.WriteString(`{"data":{"mappings":[],"count":0},"success":true}` + "\n")
		}
		if got != want.String() {
			t.Errorf("empty list-synced (terminal %v):\n%s\nwant:\n%s", tty, got, want.String())
		}
	}
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	_, got, _ := w.runAt(t, true, "list-synced")
	var compact, want bytes.Buffer
	if err := json.Compact(&compact, []byte(got)); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	json.Indent(&want, compact.Bytes(), "", "  ")
	want.WriteString("\n")
	if got != want.String() {
		t.Errorf("list-synced is not indented as json.Indent would:\n%s", got)
	}
	if _, line, _ := w.runAt(t, false, "list-synced"); line != compact.String()+"\n" {
		t.Errorf("off a terminal list-synced is not one line:\n%s", line)
	}
}

// A disabled run's report has the lists every other report has, empty.
func TestDisabledReportHasEmptyLists(t *testing.T) {
	w := newWorld(t, withRedis)
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	d := data(w.bsync(t, "sync"))
	if e, ok := d["errors"].([]any); !ok || len(e) != 0 {
		t.Errorf("disabled report errors = %#v, want []", d["errors"])
	}
	if e, ok := d["warnings"].([]any); !ok || len(e) != 0 {
		t.Errorf("disabled report warnings = %#v, want []", d["warnings"])
	}
}

// Two environments of one error are one new Gitea issue and one linked:
// synced keeps counting both, new_issues and linked tell them apart, in
// the report, the table and the metrics; a dry run says "would create".
func TestCreatedAndLinkedCountedApart(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("flyer-crawler-backend", "Backend")
	w.bs.AddProject("flyer-crawler-backend-test", "Backend test")
	at := time.Now().Add(-time.Hour)
	w.bs.AddIssue("flyer-crawler-backend-test", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "other", LastSeen: at})
	w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	dry := w.bsync(t, "sync", "--dry-run", "-o", "table")
	if !strings.Contains(dry.stdout, "dry run") || !strings.Contains(dry.stdout, "would create 3") || strings.Contains(dry.stdout, "synced") {
		t.Errorf("the dry run's table does not say would create:\n%s", dry.stdout)
	}
	metrics := t.TempDir() + "/bsync.prom"
	r := w.bsync(t, "sync", "--metrics-file", metrics)
	d := data(r)
	if d["synced"] != float64(3) || d["new_issues"] != float64(2) || d["linked"] != float64(1) || len(w.gt.Issues()) != 2 {
		t.Fatalf("report: synced %v new_issues %v linked %v, %d gitea issues", d["synced"], d["new_issues"], d["linked"], len(w.gt.Issues()))
	}
	var created, linked float64
	for _, p := range d["projects"].([]any) {
		created += p.(map[string]any)["new_issues"].(float64)
		linked += p.(map[string]any)["linked"].(float64)
	}
	if created != 2 || linked != 1 {
		t.Errorf("projects count %v created, %v linked", created, linked)
	}
	prom, _ := os.ReadFile(metrics)
	if !strings.Contains(string(prom), `bsync_last_run_issues{result="created"} 2`) || !strings.Contains(string(prom), `bsync_last_run_issues{result="linked"} 1`) {
		t.Errorf("metrics:\n%s", prom)
	}
	w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "third", LastSeen: time.Now()})
	tab := w.bsync(t, "sync", "-o", "table")
	if !strings.Contains(tab.stdout, "created 1, linked 0") || !strings.Contains(tab.stdout, "CREATED") || !strings.Contains(tab.stdout, "LINKED") {
		t.Errorf("the table does not count created and linked apart:\n%s", tab.stdout)
	}
}

// status -o table names the lock's holder in words, not as a Go map.
func TestStatusTableShowsTheHolder(t *testing.T) {
	w := newWorld(t, withRedis)
	store, err := syncstate.Open(w.redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	started := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	if _, _, err := store.AcquireLock(t.Context(), syncstate.LockInfo{Token: "x", Host: "cron-host", PID: 42, StartedAt: started}, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := w.bsync(t, "status", "-o", "table")
	if strings.Contains(r.stdout, "map[") || !strings.Contains(r.stdout, "pid 42 on cron-host since 2026-05-01 10:00:00 UTC") {
		t.Errorf("status table:\n%s", r.stdout)
	}
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Skip("no true:", err)
	}
	return c.Process.Pid
}

// A lock left by a run on this host whose pid is gone (SIGKILL) is taken
// over at once, and status does not show it as running.
func TestDeadHoldersLockIsTakenOver(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	store, err := syncstate.Open(w.redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	host, _ := os.Hostname()
	if syncstate.BootID() == "" {
		t.Skip("no boot id on this system")
	}
	dead := syncstate.LockInfo{Token: "killed", Host: host, PID: deadPID(t), StartedAt: time.Now().Add(-time.Minute), BootID: syncstate.BootID()}
	if _, _, err := store.AcquireLock(t.Context(), dead, time.Hour); err != nil {
		t.Fatal(err)
	}
	st := data(w.bsync(t, "status"))
	if st["running"] != nil || st["dead_lock_holder"] == nil {
		t.Errorf("status shows a dead holder as running: running %v, dead_lock_holder %v", st["running"], st["dead_lock_holder"])
	}
	if r := w.bsync(t, "sync"); r.code != exitOK || data(r)["synced"] != float64(10) || !strings.Contains(r.stderr, "took over the run lock") {
		t.Errorf("sync after a killed run: exit %d\n%s", r.code, r.stderr)
	}
	// A live holder on this host, or one on another host, still turns a run away.
	for _, h := range []syncstate.LockInfo{
		{Token: "live", Host: host, PID: os.Getpid(), BootID: syncstate.BootID()},
		{Token: "elsewhere", Host: "other-host", PID: dead.PID, BootID: syncstate.BootID()},
	} {
		if _, _, err := store.AcquireLock(t.Context(), h, time.Hour); err != nil {
			t.Fatal(err)
		}
		if r := w.bsync(t, "sync"); r.code != exitLocked {
			t.Errorf("holder %s: exit %d, want 4", h.Token, r.code)
		}
		if st := data(w.bsync(t, "status")); st["running"] == nil {
			t.Errorf("holder %s: status shows nothing running", h.Token)
		}
		w.redis.Client(t, 15).Del(t.Context(), syncstate.LockKey)
	}
}

// A disabled sync is not stale and has no next run in the past.
func TestDisabledSyncIsNotStale(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	w.env["BUGSINK_SYNC_INTERVAL"] = "1"
	var out, errb bytes.Buffer
	a := testApp(w.env, &out, &errb)
	a.now = func() time.Time { return time.Now().Add(24 * time.Hour) }
	code := a.run(context.Background(), []string{"status", "--fail-if-stale", "--env-file", w.emptyEnv})
	var doc map[string]any
	json.Unmarshal(out.Bytes(), &doc)
	d := data(result{doc: doc})
	if code != exitOK || d["stale"] != false || d["next_run"] != nil {
		t.Errorf("status of a disabled sync a day later: exit %d, stale %v, next_run %v", code, d["stale"], d["next_run"])
	}
}

// envFile writes text to an env file and returns its path.
func envFile(t *testing.T, text string) string {
	p := t.TempDir() + "/bsync.env"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runWith runs bsync with env as the environment (listed by environ too)
// and args as given.
func runWith(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	a := testApp(env, &out, &errb)
	a.environ = func() []string {
		var l []string
		for k, v := range env {
			l = append(l, k+"="+v)
		}
		return l
	}
	code := a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

// A misspelt variable is named beside the right name, by sync and by
// doctor, in the env file and in the environment; other programs'
// GITEA_*/REDIS_* variables are left alone.
func TestMisspeltVariablesAreNamed(t *testing.T) {
	w := newWorld(t)
	env := map[string]string{}
	for k, v := range w.env {
		if k != "BUGSINK_SYNC_ENABLED" {
			env[k] = v
		}
	}
	file := envFile(t, "BUGSINK_SYNC_ENABLE=true\n")
	for _, c := range []string{"sync", "doctor"} {
		code, out, errb := runWith(t, env, c, "--env-file", file)
		if code == exitOK || !strings.Contains(out, "BUGSINK_SYNC_ENABLE in "+file) || !strings.Contains(out, "did you mean BUGSINK_SYNC_ENABLED?") {
			t.Errorf("%s with BUGSINK_SYNC_ENABLE in the env file: exit %d\n%s%s", c, code, out, errb)
		}
	}
	env["BUGSINK_SYNC_ENABLE"] = "true"
	code, out, _ := runWith(t, env, "sync", "--env-file", w.emptyEnv)
	if code != exitUsage || !strings.Contains(out, "the environment sets BUGSINK_SYNC_ENABLE, which bsync does not read: did you mean BUGSINK_SYNC_ENABLED?") {
		t.Errorf("sync with BUGSINK_SYNC_ENABLE in the environment: exit %d\n%s", code, out)
	}
	delete(env, "BUGSINK_SYNC_ENABLE")
	env["REDIS_URI"], env["REDIS_HOST"], env["GITEA_WORK_DIR"] = "x", "x", "x"
	file = envFile(t, "BSYNC_OLD_SETTING=1\nGITEA_CUSTOM=/x\nREDIS_PASSWORD=y\n")
	code, out, errb := runWith(t, env, "sync", "--env-file", file)
	if code != exitOK || !strings.Contains(out, "BSYNC_OLD_SETTING in "+file+" is not a bsync variable") ||
		!strings.Contains(out, "REDIS_URI, which bsync does not read: did you mean REDIS_URL?") || !strings.Contains(errb, "REDIS_URI") {
		t.Errorf("unknown names are not named: exit %d\n%s%s", code, out, errb)
	}
	for _, other := range []string{"REDIS_HOST", "GITEA_WORK_DIR", "GITEA_CUSTOM", "REDIS_PASSWORD"} {
		if strings.Contains(out, other) {
			t.Errorf("another program's %s is named:\n%s", other, out)
		}
	}
	if code, out, _ := runWith(t, env, "doctor", "--env-file", file); !strings.Contains(out, `"config_names"`) || !strings.Contains(out, "REDIS_URI") {
		t.Errorf("doctor does not name the unknown variables: exit %d\n%s", code, out)
	}
}

// A run that read no configuration at all says so, rather than only
// "disabled".
func TestARunThatReadNothingSaysSo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, out, _ := runWith(t, map[string]string{}, "sync")
	if code != exitOK || !strings.Contains(out, "no configuration was read: there is no "+dir+"/.env") || !strings.Contains(out, "--env-file") {
		t.Errorf("sync with nothing to read: exit %d\n%s", code, out)
	}
	code, out, _ = runWith(t, map[string]string{}, "doctor")
	if code != exitFatal || !strings.Contains(out, "no configuration was read") {
		t.Errorf("doctor with nothing to read: exit %d\n%s", code, out)
	}
}

func TestTypoDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"BUGSINK_SYNC_ENABLE", "BUGSINK_SYNC_ENABLED", 1}, {"GITAE_URL", "GITEA_URL", 1}, {"REDIS_URL", "REDIS_URL", 0},
		{"BSYNC_TIMEOUTS", "BSYNC_TIMEOUT", 1}, {"REDIS_HOST", "REDIS_URL", 4}, {"ABCDEF", "ABC", 3}} {
		if got := typoDistance(c.a, c.b); got != c.d {
			t.Errorf("typoDistance(%s, %s) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

// A broken Gitea setup fails every run, also one with nothing new: a
// revoked token, a token without write:issue, a wrong repository. Each
// exits 1 with its own error code naming what to fix; nothing is written.
func TestABrokenGiteaSetupFailsWhileNothingIsNew(t *testing.T) {
	cases := []struct {
		name, key, value string
		code             errorCode
		hint             string
	}{
		{"revoked token", "GITEA_API_TOKEN", strings.Repeat("d", 40), codeGiteaToken, "write:issue and read:repository"},
		{"token without write:issue", "GITEA_API_TOKEN", giteatest.ReadOnlyToken, codeGiteaScope, "lacks the write:issue scope"},
		{"wrong repository", "GITEA_REPO", "nope", codeGiteaRepository, "GITEA_OWNER and GITEA_REPO"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.bs.SeedDemo(time.Now())
			if r := w.bsync(t, "sync"); r.code != exitOK {
				t.Fatalf("first sync: exit %d", r.code)
			}
			w.env[tc.key] = tc.value
			for _, args := range [][]string{{"sync"}, {"sync", "--dry-run"}} {
				r := w.bsync(t, args...)
				if r.code != exitFatal || errCode(r) != string(tc.code) || !strings.Contains(r.stdout, tc.hint) {
					t.Errorf("%v with nothing new: exit %d, code %s\n%s", args, r.code, errCode(r), r.stdout)
				}
			}
			if st := w.bsync(t, "status", "--fail-if-stale"); st.code != exitStale {
				t.Errorf("status after the failed run: exit %d, want 5", st.code)
			}
		})
	}
}

// With write:issue alone, issues are filed but carry no code links or
// owners: the report says which scope is missing, and doctor names it
// instead of a raw 403.
func TestATokenWithoutReadRepositoryIsNamed(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["GITEA_API_TOKEN"] = giteatest.IssueOnlyToken
	r := w.bsync(t, "sync")
	if r.code != exitOK || data(r)["synced"] != float64(10) {
		t.Fatalf("sync with write:issue only: exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stdout, "code links and owners are off: GITEA_API_TOKEN lacks the read:repository scope") {
		t.Errorf("the report does not name read:repository: %v", data(r)["warnings"])
	}
	d := w.bsync(t, "doctor")
	c := checks(d)["gitea_repository_scope"]
	if c == nil || c["status"] != "warn" || !strings.Contains(c["message"].(string), "lacks the read:repository scope") {
		t.Errorf("doctor with write:issue only: %v\n%s", c, d.stdout)
	}
	if s := checks(d)["gitea_token_scope"]; s == nil || s["status"] != "ok" {
		t.Errorf("doctor's write:issue check: %v", s)
	}
}

// A user without write access to the repository: the run warns that
// issues come without labels, each run.
func TestNoWriteAccessIsSaidEveryRun(t *testing.T) {
	w := newWorld(t, withBugsink, withRedis)
	w.gt = giteatest.New("acme", "app", giteatest.WithoutWriteAccess())
	t.Cleanup(w.gt.Close)
	w.env["GITEA_URL"], w.env["GITEA_API_TOKEN"] = w.gt.URL, giteatest.Token
	r := w.bsync(t, "sync")
	if r.code != exitOK || !strings.Contains(r.stdout, "has no write access to acme/app") {
		t.Errorf("sync without write access: exit %d\n%s", r.code, r.stdout)
	}
}

// doctor names the checks it skipped because one they need failed.
func TestDoctorNamesWhatItSkipped(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["GITEA_REPO"] = "nope"
	r := w.bsync(t, "doctor")
	msg := r.doc["error"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "failed: gitea_repository") || !strings.Contains(msg, "skipped, as they need what failed: gitea_write_access, gitea_token_scope, gitea_labels") {
		t.Errorf("doctor's error: %s", msg)
	}
	if sk := data(r)["skipped"].([]any); len(sk) != 5 {
		t.Errorf("skipped %v", sk)
	}
	tab := w.bsync(t, "doctor", "-o", "table")
	if !strings.Contains(tab.stdout, "SKIP  gitea_labels") && !strings.Contains(tab.stdout, "SKIP    gitea_labels") {
		t.Errorf("doctor's table does not show the skipped checks:\n%s", tab.stdout)
	}
}

// A URL copied from the browser is named with the URL to use, before
// anything is contacted (exit 2).
func TestURLMistakesAreNamedWithTheFix(t *testing.T) {
	cases := []struct{ key, value, want string }{
		{"BUGSINK_URL", "https://bugsink.example.com/projects/", "BUGSINK_URL https://bugsink.example.com/projects is a page of Bugsink (/projects), not its base URL: set BUGSINK_URL=https://bugsink.example.com"},
		{"BUGSINK_URL", "https://example.com/bugsink/issues/3/", "set BUGSINK_URL=https://example.com/bugsink"},
		{"GITEA_URL", "https://git.example.com/acme/app", "GITEA_URL https://git.example.com/acme/app is the page of repository acme/app, not Gitea's base URL: set GITEA_URL=https://git.example.com"},
		{"GITEA_URL", "https://git.example.com/api/v1/", "set GITEA_URL=https://git.example.com (bsync adds /api/v1)"},
	}
	for _, tc := range cases {
		w := newWorld(t, withRedis)
		w.env[tc.key] = tc.value
		for _, c := range []string{"sync", "doctor"} {
			r := w.bsync(t, c)
			if r.code == exitOK || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("%s with %s=%s: exit %d\n%s", c, tc.key, tc.value, r.code, r.stdout)
			}
		}
		if r := w.bsync(t, "status"); r.code != exitOK {
			t.Errorf("status, which does not talk to the remotes, refused %s=%s: exit %d", tc.key, tc.value, r.code)
		}
	}
}

// A base URL with a wrong sub-path reaches a web page, not the API: the
// error names the path really requested and the fix, without the page,
// and a JSON error code of its own.
func TestAWebPageInsteadOfTheAPIIsNamed(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_URL"] = w.bs.URL + "/bugsink"
	r := w.bsync(t, "sync")
	msg, _ := r.doc["error"].(map[string]any)["message"].(string)
	if r.code != exitFatal || errCode(r) != "bugsink_url" || !strings.Contains(msg, "/bugsink/api/canonical/0/projects/") ||
		!strings.Contains(msg, "set BUGSINK_URL to Bugsink's base URL") || strings.Contains(r.stdout, "<") {
		t.Errorf("sync with a wrong Bugsink sub-path: exit %d, code %s\n%s", r.code, errCode(r), r.stdout)
	}
	w = newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["GITEA_URL"] = w.gt.URL + "/git"
	r = w.bsync(t, "sync")
	if r.code != exitFatal || errCode(r) != "gitea_url" || !strings.Contains(r.stdout, "/git/api/v1/repos/acme/app/labels") || !strings.Contains(r.stdout, "set GITEA_URL to Gitea's base URL") {
		t.Errorf("sync with a wrong Gitea sub-path: exit %d, code %s\n%s", r.code, errCode(r), r.stdout)
	}
}

// Sync's errors carry doctor's fixes and codes of their own.
func TestSyncErrorsCarryTheFix(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_API_TOKEN"] = strings.Repeat("c", 40)
	if r := w.bsync(t, "sync"); r.code != exitFatal || errCode(r) != "bugsink_token" || !strings.Contains(r.stdout, "bugsink-manage create_auth_token") {
		t.Errorf("a wrong Bugsink token: exit %d, code %s\n%s", r.code, errCode(r), r.stdout)
	}
	w = newWorld(t, withBugsink, withRedis)
	w.bs.SeedDemo(time.Now())
	w.env["GITEA_API_TOKEN"] = giteatest.Token
	if r := w.bsync(t, "sync"); r.code != exitFatal || errCode(r) != "gitea_unreachable" || !strings.Contains(r.stdout, "GITEA_URL=http://127.0.0.1:1") {
		t.Errorf("Gitea down: exit %d, code %s\n%s", r.code, errCode(r), r.stdout)
	}
}

// status and list-synced against a Redis that is down name REDIS_URL.
func TestADownRedisNamesRedisURL(t *testing.T) {
	w := newWorld(t, withRedis)
	w.redis.Stop()
	for _, c := range []string{"status", "list-synced", "forget"} {
		args := []string{c}
		if c == "forget" {
			args = append(args, "00000000-0000-4000-8000-000000000009")
		}
		r := w.bsync(t, args...)
		if r.code != exitFatal || errCode(r) != "redis" || !strings.Contains(r.stdout, "check REDIS_URL") {
			t.Errorf("%s with Redis down: exit %d, code %s\n%s", c, r.code, errCode(r), r.stdout)
		}
	}
}

// forget says which old Gitea issue it left open; with --close it closes
// it with a comment, and leaves alone one another environment still uses.
func TestForgetSaysOrClosesTheOldIssue(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("flyer-crawler-backend", "Backend")
	w.bs.AddProject("flyer-crawler-backend-test", "Backend test")
	at := time.Now().Add(-time.Hour)
	lone := w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "alone", LastSeen: at})
	lone2 := w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "alone too", LastSeen: at})
	test := w.bs.AddIssue("flyer-crawler-backend-test", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	w.bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "E", Value: "boom", LastSeen: at})
	w.bsync(t, "sync")
	number := func(id string) float64 {
		for _, m := range data(w.bsync(t, "list-synced"))["mappings"].([]any) {
			if m.(map[string]any)["bugsink_issue_id"] == id {
				return m.(map[string]any)["gitea_issue_number"].(float64)
			}
		}
		t.Fatalf("%s not mapped", id)
		return 0
	}
	n1, n2 := number(lone), number(lone2)
	r := w.bsync(t, "forget", lone)
	if open := data(r)["left_open"].([]any); len(open) != 1 || open[0] != n1 || !strings.Contains(r.stderr, "close it in Gitea") {
		t.Errorf("forget without --close: %s\n%s", r.stdout, r.stderr)
	}
	// Its mapping is gone: a second forget, with --close, cannot find the
	// issue, so the hint must not send the operator there.
	if again := w.bsync(t, "forget", "--close", lone); len(data(again)["closed"].([]any)) != 0 || strings.Contains(r.stderr, "or forget with --close") {
		t.Errorf("the hint offers a forget --close that closes nothing: %s\n%s", r.stderr, again.stdout)
	}
	r = w.bsync(t, "forget", "--close", lone2, test)
	closed := data(r)["closed"].([]any)
	if r.code != exitOK || len(closed) != 1 || closed[0] != n2 || len(data(r)["left_open"].([]any)) != 0 {
		t.Fatalf("forget --close: exit %d %s", r.code, r.stdout)
	}
	for _, gi := range w.gt.Issues() {
		switch float64(gi.Number) {
		case n2:
			cs := w.gt.Comments(gi.Number)
			if gi.State != "closed" || len(cs) != 1 || !strings.Contains(cs[0].Body, lone2) {
				t.Errorf("the forgotten issue #%d: state %s, comments %v", gi.Number, gi.State, cs)
			}
		case n1:
			if gi.State != "open" {
				t.Errorf("#%d closed without --close", gi.Number)
			}
		default:
			if gi.State != "open" {
				t.Errorf("the shared issue #%d was closed", gi.Number)
			}
		}
	}
}

// The dry run the README has an operator make before turning the sync on
// reports the sync as it is configured: off. It still previews.
func TestADryRunOfADisabledSyncSaysItIsOff(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BUGSINK_SYNC_ENABLED"] = "false"
	d := data(w.bsync(t, "sync", "--dry-run"))
	if d["enabled"] != false || d["dry_run"] != true || d["new_issues"] == float64(0) {
		t.Errorf("dry run of a disabled sync: enabled %v, dry_run %v, new_issues %v; want false, true, > 0",
			d["enabled"], d["dry_run"], d["new_issues"])
	}
	w.env["BUGSINK_SYNC_ENABLED"] = "true"
	if d := data(w.bsync(t, "sync", "--dry-run")); d["enabled"] != true {
		t.Errorf("dry run of an enabled sync: enabled %v, want true", d["enabled"])
	}
}

// After a failed run, status says why and what to do, in its JSON, its
// table and the --fail-if-stale message, not only "the last run ended
// failed".
func TestStatusOfAFailedRunNamesItsError(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bsync(t, "sync")
	w.env["GITEA_API_TOKEN"] = strings.Repeat("d", 40)
	w.bsync(t, "sync")
	const why = "Gitea refused the token"
	st := w.bsync(t, "status", "--fail-if-stale")
	if st.code != exitStale || !strings.Contains(data(st)["stale_reason"].(string), why) || !strings.Contains(st.stderr, why) {
		t.Errorf("status after a failed run: exit %d, stale_reason %q, stderr %q", st.code, data(st)["stale_reason"], st.stderr)
	}
	if tab := w.bsync(t, "status", "-o", "table"); !strings.Contains(tab.stdout, why) {
		t.Errorf("status table after a failed run does not say why:\n%s", tab.stdout)
	}
}
