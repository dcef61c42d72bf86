package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate/redistest"
)

// These tests build the real binary and run it as cron would, against the
// fakes and a real redis-server.

var bsyncBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bsync-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bsyncBin = filepath.Join(dir, "bsync")
	build := exec.Command("go", "build", "-o", bsyncBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build bsync:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type e2e struct {
	bs    *bugsinktest.Server
	gt    *giteatest.Server
	redis *redistest.Server
	env   []string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	x := &e2e{bs: bugsinktest.New(), gt: giteatest.New("projectium", "flyer-crawler"), redis: redistest.Start(t)}
	t.Cleanup(x.bs.Close)
	t.Cleanup(x.gt.Close)
	x.env = []string{
		"BUGSINK_URL=" + x.bs.URL, "BUGSINK_API_TOKEN=" + bugsinktest.Token,
		"GITEA_URL=" + x.gt.URL, "GITEA_API_TOKEN=" + giteatest.Token,
		"GITEA_OWNER=projectium", "GITEA_REPO=flyer-crawler",
		"BUGSINK_SYNC_ENABLED=true", "REDIS_URL=" + x.redis.URL(), "PATH=" + os.Getenv("PATH"),
	}
	return x
}

func (x *e2e) run(t *testing.T, args ...string) (int, map[string]any, string) {
	t.Helper()
	c := exec.Command(bsyncBin, args...)
	c.Env = x.env
	c.Dir = t.TempDir()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("bsync %v: stdout is not one JSON document: %v\n%s", args, err, out.String())
	}
	return code, doc, errb.String()
}

func TestEndToEndSyncTwice(t *testing.T) {
	x := newE2E(t)
	x.bs.SeedDemo(time.Now().UTC())
	wanted := map[string]bool{}
	for _, id := range x.bs.IssueIDs() {
		is, _ := x.bs.Issue(id)
		wanted[id] = !is.IsResolved && !is.IsMuted
	}

	code, doc, _ := x.run(t, "sync", "--dry-run")
	if code != 0 || len(x.gt.Issues()) != 0 || len(x.gt.Labels()) != 0 {
		t.Fatalf("dry run: exit %d, %d issues, %d labels", code, len(x.gt.Issues()), len(x.gt.Labels()))
	}
	dry := doc["data"].(map[string]any)
	warnings := dry["warnings"].([]any)
	distinct := map[any]bool{}
	for _, w := range warnings {
		distinct[w] = true
	}
	if len(dry["would_create"].([]any)) != 10 || len(distinct) != len(warnings) {
		t.Errorf("dry run: %d would be created (want 10), warnings %v (each once)", len(dry["would_create"].([]any)), warnings)
	}

	code, doc, _ = x.run(t, "sync")
	d := doc["data"].(map[string]any)
	if code != 0 || doc["success"] != true || d["synced"] != float64(10) || d["failed"] != float64(0) {
		t.Fatalf("first sync: exit %d %v", code, doc)
	}
	rdb := x.redis.Client(t, 15)
	for _, id := range x.bs.IssueIDs() {
		is, _ := x.bs.Issue(id)
		var markers []giteatest.Issue
		for _, gi := range x.gt.Issues() {
			if strings.Contains(gi.Body, render.Marker(id)) {
				markers = append(markers, gi)
			}
		}
		if !wanted[id] {
			if len(markers) != 0 {
				t.Errorf("%s (muted or resolved before the run) was synced", id)
			}
			continue
		}
		if len(markers) != 1 {
			t.Errorf("%s has %d gitea issues, want 1", id, len(markers))
			continue
		}
		raw, err := rdb.Get(t.Context(), "bugsink:synced:"+id).Result()
		if err != nil {
			t.Errorf("%s: no redis record: %v", id, err)
			continue
		}
		var rec map[string]any
		json.Unmarshal([]byte(raw), &rec)
		if rec["gitea_issue_number"] != float64(markers[0].Number) || rec["title"] != markers[0].Title || rec["project"] == "" {
			t.Errorf("%s record %s", id, raw)
		}
		if _, err := time.Parse(time.RFC3339, rec["synced_at"].(string)); err != nil {
			t.Errorf("synced_at %v", rec["synced_at"])
		}
		if !is.IsResolved {
			t.Errorf("%s not resolved in bugsink", id)
		}
		labels := x.gt.LabelNames(markers[0].Number)
		if !slices.Contains(labels, "source:bugsink") || len(labels) != 3 {
			t.Errorf("#%d labels %v", markers[0].Number, labels)
		}
	}
	keys, _ := rdb.Keys(t.Context(), "bugsink:*").Result()
	for _, k := range keys {
		if !strings.HasPrefix(k, "bugsink:") {
			t.Errorf("key outside the prefix: %s", k)
		}
	}

	code, doc, _ = x.run(t, "sync")
	d = doc["data"].(map[string]any)
	if code != 0 || d["synced"] != float64(0) || len(x.gt.Issues()) != 10 {
		t.Errorf("second sync: exit %d synced %v; gitea has %d", code, d["synced"], len(x.gt.Issues()))
	}

	code, doc, _ = x.run(t, "status", "--fail-if-stale")
	if code != 0 || doc["data"].(map[string]any)["total_synced"] != float64(10) {
		t.Errorf("status: exit %d %v", code, doc)
	}
}

func TestTwoSyncsStartedTogether(t *testing.T) {
	x := newE2E(t)
	x.bs.SeedDemo(time.Now().UTC())
	x.bs.Faults.SetLatency(100 * time.Millisecond) // a run of a second or more, so the two overlap
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i], _, _ = x.run(t, "sync")
		}(i)
	}
	wg.Wait()
	slices.Sort(codes)
	if codes[0] != 0 || codes[1] != 4 {
		t.Errorf("exit codes %v, want one 0 and one 4 (locked)", codes)
	}
	if n := len(x.gt.Issues()); n != 10 {
		t.Errorf("%d gitea issues, want exactly 10", n)
	}
}

// slowBacklog seeds n issues behind a slow Gitea, for runs that stop early.
func slowBacklog(t *testing.T, n int, latency time.Duration) *e2e {
	x := newE2E(t)
	x.bs.AddProject("slow-backend", "Slow")
	for i := 0; i < n; i++ {
		x.bs.AddIssue("slow-backend", bugsinktest.IssueSpec{Type: "E", Value: fmt.Sprint(i)})
	}
	x.gt.Faults.SetLatency(latency)
	return x
}

// assertStoppedCleanly checks a run that stopped early: some but not all
// issues created, each one recorded, no reservation or lock left, and the
// run record saying how it ended.
func (x *e2e) assertStoppedCleanly(t *testing.T, total int, outcome string) {
	t.Helper()
	rdb := x.redis.Client(t, 15)
	created := len(x.gt.Issues())
	keys, _ := rdb.Keys(t.Context(), "bugsink:synced:*").Result()
	pending, _ := rdb.Keys(t.Context(), "bugsink:pending:*").Result()
	if created == 0 || created == total || len(keys) != created || len(pending) != 0 {
		t.Errorf("%d gitea issues, %d mappings, %d reservations: every created issue must be recorded", created, len(keys), len(pending))
	}
	if h, _ := rdb.Exists(t.Context(), "bugsink:lock:sync").Result(); h != 0 {
		t.Error("lock left behind")
	}
	last, _ := rdb.Get(t.Context(), "bugsink:run:last").Result()
	if !strings.Contains(last, `"outcome":"`+outcome+`"`) {
		t.Errorf("run record %s, want outcome %s", last, outcome)
	}
}

func TestSignalStopsCleanly(t *testing.T) {
	x := slowBacklog(t, 40, 50*time.Millisecond)
	c := exec.Command(bsyncBin, "sync", "--concurrency", "1")
	c.Env = x.env
	c.Dir = t.TempDir()
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the run is under way (the first issue exists).
	for deadline := time.Now().Add(20 * time.Second); len(x.gt.Issues()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the run never created an issue")
		}
	}
	c.Process.Signal(os.Interrupt)
	err := c.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout: %v\n%s", err, out.String())
	}
	x.assertStoppedCleanly(t, 40, "interrupted")
}

func TestTimeoutExits124WithEverythingRecorded(t *testing.T) {
	x := slowBacklog(t, 30, 100*time.Millisecond)
	code, doc, _ := x.run(t, "sync", "--timeout", "2s", "--concurrency", "1")
	if code != 124 || doc["success"] != false {
		t.Fatalf("exit %d, want 124: %v", code, doc)
	}
	x.assertStoppedCleanly(t, 30, "timeout")
}
