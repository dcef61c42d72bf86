package cmd

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func readMetrics(t *testing.T, path string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("the client library's parser rejects the file: %v", err)
	}
	return mfs
}

func gaugeValue(t *testing.T, mfs map[string]*dto.MetricFamily, name, label, value string) float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range mf.GetMetric() {
		match := label == ""
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && lp.GetValue() == value {
				match = true
			}
		}
		if match {
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}

func TestMetricsFile(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	path := filepath.Join(t.TempDir(), "bsync.prom")
	if r := w.bsync(t, "sync", "--metrics-file", path); r.code != exitOK {
		t.Fatalf("exit %d", r.code)
	}
	mfs := readMetrics(t, path)
	if v := gaugeValue(t, mfs, "bsync_last_run_issues", "result", "synced"); v != 10 {
		t.Errorf("synced = %v", v)
	}
	if v := gaugeValue(t, mfs, "bsync_last_run_issues", "result", "muted_ignored"); v != 1 {
		t.Errorf("muted = %v", v)
	}
	if v := gaugeValue(t, mfs, "bsync_last_run_outcome", "outcome", "ok"); v != 1 {
		t.Errorf("outcome ok = %v", v)
	}
	if v := gaugeValue(t, mfs, "bsync_mappings", "", ""); v != 10 {
		t.Errorf("mappings = %v", v)
	}
	if ts := gaugeValue(t, mfs, "bsync_last_run_timestamp_seconds", "", ""); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("timestamp %v", ts)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v: node_exporter cannot read it", st.Mode())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "bsync.prom*"))
	if len(leftovers) != 1 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// A failed run says so.
	w.env["GITEA_API_TOKEN"] = strings.Repeat("7", 40)
	w.bs.AddIssue("flyer-crawler-backend", bugsinktestSpec())
	w.bsync(t, "sync", "--metrics-file", path)
	mfs = readMetrics(t, path)
	if gaugeValue(t, mfs, "bsync_last_run_outcome", "outcome", "failed") != 1 || gaugeValue(t, mfs, "bsync_last_run_success", "", "") != 0 {
		t.Error("a failed run is not reported as failed")
	}
}

type pings struct {
	mu    sync.Mutex
	paths []string
	body  []string
}

func pingServer(t *testing.T) (*httptest.Server, *pings) {
	p := &pings{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.Path)
		p.body = append(p.body, string(b))
		p.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv, p
}

func TestHeartbeat(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		w := newWorld(t)
		w.bs.SeedDemo(time.Now())
		srv, p := pingServer(t)
		w.env["BSYNC_HEARTBEAT_URL"] = srv.URL + "/ping/4f0c-secret-uuid"
		r := w.bsync(t, "sync")
		if r.code != exitOK || strings.Join(p.paths, " ") != "/ping/4f0c-secret-uuid/start /ping/4f0c-secret-uuid" {
			t.Fatalf("exit %d, pings %v", r.code, p.paths)
		}
		if !strings.Contains(p.body[1], "synced 10") {
			t.Errorf("success body %q", p.body[1])
		}
		if strings.Contains(r.stdout+r.stderr, "secret-uuid") {
			t.Error("the heartbeat URL was printed")
		}
	})
	t.Run("failure", func(t *testing.T) {
		w := newWorld(t)
		w.bs.SeedDemo(time.Now())
		srv, p := pingServer(t)
		w.env["BSYNC_HEARTBEAT_URL"] = srv.URL + "/ping/abc"
		w.env["BUGSINK_API_TOKEN"] = strings.Repeat("e", 40)
		if r := w.bsync(t, "sync"); r.code != exitFatal || strings.Join(p.paths, " ") != "/ping/abc/start /ping/abc/fail" {
			t.Fatalf("exit %d, pings %v", r.code, p.paths)
		}
	})
	t.Run("redis down", func(t *testing.T) {
		w := newWorld(t)
		srv, p := pingServer(t)
		w.env["BSYNC_HEARTBEAT_URL"] = srv.URL + "/ping/abc"
		w.redis.Stop()
		if r := w.bsync(t, "sync"); r.code != exitFatal || strings.Join(p.paths, " ") != "/ping/abc/fail" {
			t.Fatalf("exit %d, pings %v", r.code, p.paths)
		}
	})
	t.Run("monitor down never fails the sync", func(t *testing.T) {
		w := newWorld(t)
		w.bs.SeedDemo(time.Now())
		srv, _ := pingServer(t)
		srv.Close()
		w.env["BSYNC_HEARTBEAT_URL"] = srv.URL + "/ping/secret-token-path"
		r := w.bsync(t, "sync")
		if r.code != exitOK || !strings.Contains(r.stderr, "heartbeat ping failed") || strings.Contains(r.stderr, "secret-token-path") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("dry run and disabled do not ping", func(t *testing.T) {
		w := newWorld(t)
		srv, p := pingServer(t)
		w.env["BSYNC_HEARTBEAT_URL"] = srv.URL + "/ping/abc"
		w.bsync(t, "sync", "--dry-run")
		w.env["BUGSINK_SYNC_ENABLED"] = "false"
		w.bsync(t, "sync")
		if len(p.paths) != 0 {
			t.Errorf("pings %v", p.paths)
		}
	})
}
