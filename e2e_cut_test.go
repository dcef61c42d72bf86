package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bsync/pkg/httpfault"
)

// pings records the heartbeat pings a run sends.
type pings struct {
	mu    sync.Mutex
	paths []string
}

func (p *pings) server(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.Path)
		p.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ping/check-1"
}

func (p *pings) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paths = nil
}

func (p *pings) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// cutRun is a run of the real binary against three waiting issues, with a
// heartbeat monitor and a metrics file.
type cutRun struct {
	x       *e2e
	pings   pings
	metrics string
}

func newCutRun(t *testing.T) *cutRun {
	c := &cutRun{x: slowBacklog(t, 3, 0), metrics: filepath.Join(t.TempDir(), "bsync.prom")}
	c.x.env = append(c.x.env, "BSYNC_HEARTBEAT_URL="+c.pings.server(t), "BSYNC_METRICS_FILE="+c.metrics)
	return c
}

// assertCut checks what every run cut short must leave: its exit code, the
// outcome in the run record and the metrics, the unfinished project named,
// no success ping, and every created issue recorded.
// assertCut checks a run cut short. created is the number of Gitea issues
// it leaves, or with atLeast its minimum: the issues behind one held at
// Bugsink go on to Gitea meanwhile (Gitea never waits on Bugsink), and
// each ends untouched or recorded.
func (c *cutRun) assertCut(t *testing.T, code int, doc map[string]any, wantCode int, outcome string, created int, atLeast bool) {
	t.Helper()
	if code != wantCode || doc["success"] != false {
		t.Fatalf("exit %d, want %d: %v", code, wantCode, doc)
	}
	msg := doc["error"].(map[string]any)["message"].(string)
	data, _ := doc["data"].(map[string]any)
	if !strings.Contains(msg, "projects not finished: slow-backend") || data == nil ||
		!slices.Equal(data["unfinished_projects"].([]any), []any{"slow-backend"}) {
		t.Errorf("the report does not name the unfinished project: %q %v", msg, data["unfinished_projects"])
	}
	n := len(c.x.gt.Issues())
	if n != created && !(atLeast && n > created) {
		t.Errorf("%d gitea issues, want %d (the issue in hand is finished)", n, created)
	}
	rdb := c.x.redis.Client(t, 15)
	if keys, _ := rdb.Keys(t.Context(), "bugsink:synced:*").Result(); len(keys) != n {
		t.Errorf("%d mappings for %d created issues", len(keys), n)
	}
	if keys, _ := rdb.Keys(t.Context(), "bugsink:pending:*").Result(); len(keys) != 0 {
		t.Errorf("reservations left behind: %v", keys)
	}
	last, _ := rdb.Get(t.Context(), "bugsink:run:last").Result()
	if !strings.Contains(last, `"outcome":"`+outcome+`"`) {
		t.Errorf("run record %s, want outcome %s", last, outcome)
	}
	got := c.pings.list()
	if !slices.Contains(got, "/ping/check-1/fail") || slices.Contains(got, "/ping/check-1") {
		t.Errorf("heartbeat pings %v, want start and fail, never success", got)
	}
	prom, err := os.ReadFile(c.metrics)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prom), `bsync_last_run_outcome{outcome="`+outcome+`"} 1`) || !strings.Contains(string(prom), "bsync_last_run_success 0") {
		t.Errorf("metrics say otherwise:\n%s", prom)
	}
}

// A SIGTERM that lands in any stage of the work (listing, reading an event,
// creating the Gitea issue, resolving in Bugsink) is never a success. The
// signal is sent once the stage's request is in flight (the fake holds it),
// so the stage is certain; the issue in hand is finished and recorded.
func TestASignalInEveryStageIsNeverSuccess(t *testing.T) {
	const hold = 2 * time.Second
	cases := []struct {
		stage   string
		fake    func(c *cutRun) *httpfault.Injector
		rule    httpfault.Rule
		created int
		atLeast bool
	}{
		{"listing", func(c *cutRun) *httpfault.Injector { return c.x.bs.Faults },
			httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/issues/", Delay: 20 * time.Second}, 0, false},
		{"event read", func(c *cutRun) *httpfault.Injector { return c.x.bs.Faults },
			httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/events/", Delay: hold, Times: 1}, 0, true},
		{"create", func(c *cutRun) *httpfault.Injector { return c.x.gt.Faults },
			httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodPost, PathContains: "/issues", Delay: hold, Times: 1}, 1, false},
		{"resolve", func(c *cutRun) *httpfault.Injector { return c.x.bs.Faults },
			httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodPost, PathContains: "/resolve/", Delay: hold, Times: 1}, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.stage, func(t *testing.T) {
			t.Parallel()
			c := newCutRun(t)
			faults := tc.fake(c)
			faults.Add(tc.rule)
			cmd := exec.Command(bsyncBin, "sync", "--concurrency", "1")
			cmd.Env = c.x.env
			cmd.Dir = t.TempDir()
			var out bytes.Buffer
			cmd.Stdout = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); faults.Hits(httpfault.Slow) == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatal("the run never reached the stage")
				}
			}
			cmd.Process.Signal(syscall.SIGTERM)
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			var doc map[string]any
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("stdout: %v\n%s", err, out.String())
			}
			c.assertCut(t, code, doc, 130, "interrupted", tc.created, tc.atLeast)
		})
	}
}

// The whole-run deadline landing while the only project is listed: 124.
// (The listing is held far longer than the timeout, so the deadline lands
// in it unless starting up takes longer than the whole timeout.)
func TestADeadlineDuringTheListingExits124(t *testing.T) {
	c := newCutRun(t)
	c.x.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/issues/", Delay: 20 * time.Second})
	code, doc, _ := c.x.run(t, "sync", "--timeout", "2s")
	c.assertCut(t, code, doc, 124, "timeout", 0, false)
}
