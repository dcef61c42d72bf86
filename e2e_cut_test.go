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

func (p *pings) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// A run whose deadline lands in any stage of the work (listing, reading an
// event, creating the Gitea issue, resolving in Bugsink) exits 124, records
// the outcome timeout, names the project it did not finish, never pings
// success and never writes success metrics. The issue in hand when the
// deadline hits is finished and recorded.
func TestADeadlineInEveryStageIsReportedAsATimeout(t *testing.T) {
	cases := []struct {
		stage   string
		rule    func(x *e2e)
		created int
	}{
		{"listing", func(x *e2e) {
			x.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/issues/", Delay: 20 * time.Second})
		}, 0},
		{"event read", func(x *e2e) {
			x.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/events/", Delay: 1500 * time.Millisecond, Times: 1})
		}, 1},
		{"create", func(x *e2e) {
			x.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodPost, PathContains: "/issues", Delay: 1500 * time.Millisecond, Times: 1})
		}, 1},
		{"resolve", func(x *e2e) {
			x.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodPost, PathContains: "/resolve/", Delay: 1500 * time.Millisecond, Times: 1})
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.stage, func(t *testing.T) {
			t.Parallel()
			x := slowBacklog(t, 3, 0)
			c.rule(x)
			var p pings
			metrics := filepath.Join(t.TempDir(), "bsync.prom")
			x.env = append(x.env, "BSYNC_HEARTBEAT_URL="+p.server(t), "BSYNC_METRICS_FILE="+metrics)
			code, doc, _ := x.run(t, "sync", "--timeout", "1s", "--concurrency", "1")
			if code != 124 || doc["success"] != false {
				t.Fatalf("exit %d, want 124: %v", code, doc)
			}
			msg := doc["error"].(map[string]any)["message"].(string)
			data, _ := doc["data"].(map[string]any)
			if !strings.Contains(msg, "projects not finished: slow-backend") || data == nil ||
				!slices.Equal(data["unfinished_projects"].([]any), []any{"slow-backend"}) {
				t.Errorf("the report does not name the unfinished project: %q %v", msg, data["unfinished_projects"])
			}
			if n := len(x.gt.Issues()); n != c.created {
				t.Errorf("%d gitea issues, want %d (the issue in hand is finished)", n, c.created)
			}
			rdb := x.redis.Client(t, 15)
			if keys, _ := rdb.Keys(t.Context(), "bugsink:synced:*").Result(); len(keys) != c.created {
				t.Errorf("%d mappings for %d created issues", len(keys), c.created)
			}
			last, _ := rdb.Get(t.Context(), "bugsink:run:last").Result()
			if !strings.Contains(last, `"outcome":"timeout"`) {
				t.Errorf("run record %s, want outcome timeout", last)
			}
			got := p.list()
			if !slices.Contains(got, "/ping/check-1/fail") || slices.Contains(got, "/ping/check-1") {
				t.Errorf("heartbeat pings %v, want start and fail, never success", got)
			}
			prom, err := os.ReadFile(metrics)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(prom), `bsync_last_run_outcome{outcome="timeout"} 1`) || !strings.Contains(string(prom), "bsync_last_run_success 0") {
				t.Errorf("metrics say otherwise:\n%s", prom)
			}
		})
	}
}

// SIGTERM while the only project is being listed: exit 130, outcome
// interrupted, the project named, no success ping.
func TestASignalDuringTheListingIsReportedAsInterrupted(t *testing.T) {
	x := slowBacklog(t, 3, 0)
	x.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/issues/", Delay: 20 * time.Second})
	var p pings
	x.env = append(x.env, "BSYNC_HEARTBEAT_URL="+p.server(t))
	c := exec.Command(bsyncBin, "sync")
	c.Env = x.env
	c.Dir = t.TempDir()
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); x.bs.Faults.Hits(httpfault.Slow) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatal("the run never listed issues")
		}
	}
	c.Process.Signal(syscall.SIGTERM)
	err := c.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\n%s", err, out.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout: %v\n%s", err, out.String())
	}
	if msg := doc["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "projects not finished: slow-backend") {
		t.Errorf("error %q does not name the project", msg)
	}
	last, _ := x.redis.Client(t, 15).Get(t.Context(), "bugsink:run:last").Result()
	if !strings.Contains(last, `"outcome":"interrupted"`) {
		t.Errorf("run record %s, want outcome interrupted", last)
	}
	if got := p.list(); slices.Contains(got, "/ping/check-1") {
		t.Errorf("heartbeat pinged success: %v", got)
	}
}
