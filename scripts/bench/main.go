// Command bench runs the real bsync binary against the fakes with a fixed
// latency per API call and a real redis-server, and prints two tables:
// first syncs of N issues, no-op full passes over 10,000 synced issues, and
// `bsync status` over 100,000 mappings; then (history.go) incremental
// passes over a long history, a Gitea-bound first sync and the peak memory
// of a full pass over a million listed issues; and, when asked
// (realgitea.go), a first sync against the real Gitea beside a bare client.
//
//	go run ./scripts/bench                 # 5 ms per call, N = 100, 1000, 10000
//	go run ./scripts/bench -latency 5ms -sizes 100,1000 -concurrency 1,4,8
//	go run ./scripts/bench -sizes "" -status-mappings 0 -history 0 -rss 0 -gitea-bound 0 -real-gitea 250
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

func main() {
	latency := flag.Duration("latency", 5*time.Millisecond, "latency added to every API call")
	sizes := flag.String("sizes", "100,1000,10000", "numbers of Bugsink issues for first syncs")
	conc := flag.String("concurrency", "4", "concurrency values to measure (the default is 4)")
	statusN := flag.Int("status-mappings", 100000, "mappings for the status measurement (0 to skip)")
	history := flag.Int("history", 100000, "issues (99% resolved, 6 projects) for the incremental passes (0 to skip)")
	rss := flag.Int("rss", 1000000, "listed issues (99% resolved) for the full pass's peak memory (0 to skip)")
	giteaBound := flag.Int("gitea-bound", 1000, "issues for the first sync at 20 ms per Gitea call (0 to skip)")
	real := flag.Int("real-gitea", 0, "issues for the first sync against the real Gitea from the peers folder (0 skips it)")
	flag.IntVar(&realPairs, "real-pairs", realPairs, "pairs (bsync, bare replays) the real-Gitea case times; 0 times only its fixed costs")
	peers := flag.String("peers", peersDefault(), "the peers folder with start-gitea.sh (default $BSYNC_PEERS_DIR or ../shared/peers)")
	env := flag.String("env", "", "extra settings for the Gitea-bound and real-Gitea first syncs, e.g. BSYNC_BUGSINK_CONCURRENCY=4")
	flag.Parse()
	extraEnv = strings.Fields(*env)
	if err := run(*latency, ints(*sizes), ints(*conc), *statusN); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if err := runHistory(*latency, *history, *rss, *giteaBound); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if err := runRealGitea(*latency, *real, *peers); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// peersDefault is where scripts/test-real.sh also looks for the peers
// folder.
func peersDefault() string {
	if d := os.Getenv("BSYNC_PEERS_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "peers")
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

type result struct {
	wall     time.Duration
	cpu      time.Duration // the bsync process's own user + system CPU
	maxRSSKB int64
	report   map[string]any
	code     int
}

func (r result) data() map[string]any { d, _ := r.report["data"].(map[string]any); return d }
func (r result) req(k string) int64 {
	q, _ := r.data()["requests"].(map[string]any)
	v, _ := q[k].(float64)
	return int64(v)
}

type world struct {
	dir   string
	bin   string
	bs    *bugsinktest.Server
	gt    *giteatest.Server
	redis *redistest.Server
	env   []string
}

func newWorld(bin, dir string, latency time.Duration) (*world, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	rs, err := redistest.Launch(dir)
	if err != nil {
		return nil, err
	}
	w := &world{dir: dir, bin: bin, bs: bugsinktest.New(), gt: giteatest.New("bench", "repo"), redis: rs}
	w.bs.Faults.SetLatency(latency)
	w.gt.Faults.SetLatency(latency)
	w.env = []string{
		"BUGSINK_URL=" + w.bs.URL, "BUGSINK_API_TOKEN=" + bugsinktest.Token,
		"GITEA_URL=" + w.gt.URL, "GITEA_API_TOKEN=" + giteatest.Token, "GITEA_OWNER=bench", "GITEA_REPO=repo",
		"BUGSINK_SYNC_ENABLED=true", "REDIS_URL=" + rs.URL(), "BSYNC_LOG_LEVEL=error", "BSYNC_TIMEOUT=30m",
	}
	return w, nil
}

func (w *world) close() { w.bs.Close(); w.gt.Close(); w.redis.Stop() }

func (w *world) seed(n int) {
	w.bs.AddProject("bench-backend", "Bench")
	for i := 0; i < n; i++ {
		w.bs.AddIssue("bench-backend", bugsinktest.IssueSpec{Type: "BenchError", Value: "case " + strconv.Itoa(i)})
	}
}

func (w *world) bsync(extraEnv []string, args ...string) (result, error) {
	c := exec.Command(w.bin, append(args, "--env-file", "/dev/null")...)
	c.Env = append(append([]string{"PATH=" + os.Getenv("PATH")}, w.env...), extraEnv...)
	var out strings.Builder
	c.Stdout = &out
	c.Stderr = os.Stderr
	start := time.Now()
	err := c.Run()
	r := result{wall: time.Since(start)}
	if c.ProcessState != nil {
		r.cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		return r, err
	}
	_ = json.Unmarshal([]byte(out.String()), &r.report)
	// bsync reports its own peak RSS (VmHWM); the wait status's maxrss would
	// also count this benchmark process, which the child starts as a copy of.
	r.maxRSSKB = r.req("peak_rss_kb")
	return r, nil
}

// perCall measures what one call costs against the fakes with the
// injected latency when nothing else runs: the nominal latency plus the
// timer's slack and the HTTP round trip (median of 100 sequential calls).
func (w *world) perCall() (time.Duration, error) {
	c := bugsink.New(w.bs.URL, bugsinktest.Token, apiclient.Options{})
	var ds []time.Duration
	for i := 0; i < 100; i++ {
		start := time.Now()
		if _, err := c.Projects(context.Background()); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[50], nil
}

// noOp times the listing alone and a no-op full pass five times each,
// alternating, and returns the medians (the sync's full result).
func (w *world) noOp(env []string) (time.Duration, result, error) {
	var lists []time.Duration
	var runs []result
	for i := 0; i < 5; i++ {
		l, err := w.listOnly()
		if err != nil {
			return 0, result{}, err
		}
		r, err := w.bsync(env, "sync", "--full")
		if err != nil || r.code != 0 || r.data()["synced"].(float64) != 0 {
			return 0, result{}, fmt.Errorf("no-op sync: exit %d %v", r.code, err)
		}
		lists, runs = append(lists, l), append(runs, r)
	}
	sort.Slice(lists, func(i, j int) bool { return lists[i] < lists[j] })
	sort.Slice(runs, func(i, j int) bool { return runs[i].wall < runs[j].wall })
	return lists[2], runs[2], nil
}

// listOnly times listing every issue of the project with the Bugsink
// client alone: the floor for a sync that has nothing to do.
func (w *world) listOnly() (time.Duration, error) {
	c := bugsink.New(w.bs.URL, bugsinktest.Token, apiclient.Options{})
	start := time.Now()
	for _, err := range c.IssuePagesBy(context.Background(), 1, bugsink.SortDigestOrder, false) {
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// buildBsync builds the binary under test into a new temporary folder
// named after prefix; the caller removes dir.
func buildBsync(prefix string) (dir, bin string, err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "bsync")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("go build: %w", err)
	}
	return dir, bin, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

func run(latency time.Duration, sizes, concs []int, statusN int) error {
	dir, bin, err := buildBsync("bsync-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("latency per API call: %s; host: %d CPUs; redis-server on loopback\n", latency, cpuCount())
	if len(sizes) > 0 {
		fmt.Println("\n| case | N | concurrency | wall | ideal at nominal latency | ratio | ideal at measured per-call time | ratio | API calls/issue | Redis round trips | peak RSS |")
		fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	}
	var noop *world
	for _, n := range sizes {
		for _, c := range concs {
			w, err := firstSync(bin, filepath.Join(dir, fmt.Sprintf("n%d-c%d", n, c)), latency, n, c)
			if err != nil {
				return err
			}
			if n == sizes[len(sizes)-1] && c == 4 && noop == nil {
				noop = w
				continue
			}
			w.close()
		}
	}
	if noop != nil {
		if err := noopRows(bin, dir, latency, sizes[len(sizes)-1], noop); err != nil {
			return err
		}
	}
	if statusN > 0 {
		return benchStatus(bin, dir, statusN)
	}
	return nil
}

// firstSync syncs n new issues at concurrency c and prints the row; the
// caller closes the world it returns.
func firstSync(bin, dir string, latency time.Duration, n, c int) (*world, error) {
	w, err := newWorld(bin, dir, latency)
	if err != nil {
		return nil, err
	}
	w.seed(n)
	r, err := w.bsync([]string{"BSYNC_CONCURRENCY=" + strconv.Itoa(c)}, "sync")
	if err != nil || r.code != 0 {
		w.close()
		return nil, fmt.Errorf("first sync of %d: exit %d %v %v", n, r.code, err, r.data()["errors"])
	}
	if got := int(r.data()["synced"].(float64)); got != n {
		w.close()
		return nil, fmt.Errorf("first sync of %d synced %d", n, got)
	}
	// Requests no sync can avoid: per issue the event list, the event, the
	// resolve and the back-link comment (Bugsink, at most
	// DefaultBugsinkConcurrency at a time) and the create (Gitea,
	// `concurrency` at a time), the two servers working side by side; plus,
	// one after another, the listing pages, the project list, the label
	// list and creates, and the one scan of the empty repository for
	// markers.
	pages := (n + 249) / 250
	sequential := pages + 1 + 1 + 3 + 1
	parallel := func(per time.Duration) time.Duration {
		return max(time.Duration(4*n)*per/syncer.DefaultBugsinkConcurrency, time.Duration(n)*per/time.Duration(c)) +
			time.Duration(sequential)*per
	}
	ideal := parallel(latency)
	perCall, err := w.perCall()
	if err != nil {
		w.close()
		return nil, err
	}
	idealMeasured := parallel(perCall)
	calls := float64(r.req("bugsink")+r.req("gitea")) / float64(n)
	fmt.Printf("| first sync | %d | %d | %s | %s | %.2f | %s (%.2f ms/call) | %.2f | %.2f | %d | %.1f MB |\n", n, c, ms(r.wall), ms(ideal),
		float64(r.wall)/float64(ideal), ms(idealMeasured), ms1(perCall), float64(r.wall)/float64(idealMeasured),
		calls, r.req("redis_round_trips"), float64(r.maxRSSKB)/1024)
	return w, nil
}

// noopRows prints the no-op rows: synced and resolved (on noop, which holds
// n synced issues), then synced but left unresolved
// (BSYNC_RESOLVE_IN_BUGSINK=false: every listed issue is looked up, one
// Redis round trip per page).
func noopRows(bin, dir string, latency time.Duration, n int, noop *world) error {
	pages := (n + 249) / 250
	list, r, err := noop.noOp(nil)
	noop.close()
	if err != nil {
		return err
	}
	fmt.Printf("| no-op full pass (median of 5), all %d synced and resolved | %d | 4 | %s | listing alone %s | %.2f | | | %.3f | %d | %.1f MB |\n",
		n, n, ms(r.wall), ms(list), float64(r.wall)/float64(list), float64(r.req("bugsink")+r.req("gitea"))/float64(n),
		r.req("redis_round_trips"), float64(r.maxRSSKB)/1024)
	w, err := newWorld(bin, filepath.Join(dir, "noop-unresolved"), latency)
	if err != nil {
		return err
	}
	defer w.close()
	w.seed(n)
	keep := []string{"BSYNC_RESOLVE_IN_BUGSINK=false"}
	if r, err := w.bsync(keep, "sync"); err != nil || r.code != 0 {
		return fmt.Errorf("first sync (no resolve): exit %d %v", r.code, err)
	}
	list, r, err = w.noOp(keep)
	if err != nil {
		return err
	}
	fmt.Printf("| no-op full pass (median of 5), all %d synced, left unresolved | %d | 4 | %s | listing alone %s | %.2f | | | %.3f | %d (%d pages) | %.1f MB |\n",
		n, n, ms(r.wall), ms(list), float64(r.wall)/float64(list), float64(r.req("bugsink")+r.req("gitea"))/float64(n),
		r.req("redis_round_trips"), pages, float64(r.maxRSSKB)/1024)
	return nil
}

func benchStatus(bin, dir string, n int) error {
	w, err := newWorld(bin, filepath.Join(dir, "status"), 0)
	if err != nil {
		return err
	}
	defer w.close()
	ctx := context.Background()
	rdb := w.redis.Client(nopTB{}, 15)
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Set(ctx, fmt.Sprintf("bugsink:synced:00000000-0000-4000-8000-%012d", i),
			`{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"t"}`, 0)
		if i%5000 == 4999 || i == n-1 {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	store, err := syncstate.Open(w.redis.URL())
	if err != nil {
		return err
	}
	store.SaveRun(ctx, syncstate.RunRecord{Outcome: "ok", FinishedAt: time.Now()}, true)
	if _, err := store.RefreshCount(ctx); err != nil { // what every sync run leaves behind
		return err
	}
	store.Close()
	var times []time.Duration
	for i := 0; i < 31; i++ {
		r, err := w.bsync(nil, "status")
		if err != nil || r.code != 0 || int(r.data()["total_synced"].(float64)) != n {
			return fmt.Errorf("status: exit %d %v", r.code, err)
		}
		times = append(times, r.wall)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("\n`bsync status` over %d mappings, whole process, 31 runs: median %.1f ms, min %.1f ms, max %.1f ms\n",
		n, ms1(times[15]), ms1(times[0]), ms1(times[30]))
	return nil
}

func ms1(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cpuCount() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}
