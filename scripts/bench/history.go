package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncer"
)

// The cases of incremental passes and memory: a deployment with a long
// history (99% of its issues resolved), and a first sync where Gitea is
// the slow server.

// seedHistory adds n issues over the given projects, one a minute up to
// now, every hundredth unresolved. It returns the ids of the unresolved
// ones. The resolved ones have no events: nothing reads them.
func (w *world) seedHistory(projects []string, n int) []string {
	for _, p := range projects {
		w.bs.AddProject(p, p)
	}
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	var open []string
	for i := 0; i < n; i++ {
		at := base.Add(time.Duration(i) * time.Minute)
		spec := bugsinktest.IssueSpec{Type: "HistoryError", Value: "case " + strconv.Itoa(i), LastSeen: at, FirstSeen: at.Add(-time.Hour)}
		if i%100 != 0 {
			spec.Resolved, spec.NoEvents = true, true
		}
		id := w.bs.AddIssue(projects[i%len(projects)], spec)
		if i%100 == 0 {
			open = append(open, id)
		}
	}
	return open
}

func sixProjects() []string {
	var ps []string
	for _, s := range []string{"frontend", "backend", "infrastructure"} {
		ps = append(ps, "history-"+s, "history-"+s+"-test")
	}
	return ps
}

// listingPages sums the listing requests a report names.
func listingPages(r result) (pages, leftovers int) {
	ps, _ := r.data()["projects"].([]any)
	for _, p := range ps {
		m, _ := p.(map[string]any)
		pages += int(m["listing_pages"].(float64))
		leftovers += int(m["leftovers_reread"].(float64))
	}
	return pages, leftovers
}

// benchIncremental measures the no-op incremental pass and the pass with
// 10 new and 5 returning issues, over n issues in six projects.
func benchIncremental(bin, dir string, n int, latency time.Duration) error {
	w, err := newWorld(bin, filepath.Join(dir, "incremental"), 0)
	if err != nil {
		return err
	}
	defer w.close()
	open := w.seedHistory(sixProjects(), n)
	if r, err := w.bsync(nil, "sync"); err != nil || r.code != 0 || int(r.data()["synced"].(float64)) != len(open) {
		return fmt.Errorf("setup sync of %d: exit %d %v", n, r.code, err)
	}
	w.bs.Faults.SetLatency(latency)
	w.gt.Faults.SetLatency(latency)
	perCall, err := w.perCall()
	if err != nil {
		return err
	}
	var runs []result
	for i := 0; i < 5; i++ {
		r, err := w.bsync(nil, "sync")
		if err != nil || r.code != 0 || r.data()["pass"] != "incremental" || r.data()["synced"].(float64) != 0 {
			return fmt.Errorf("no-op incremental sync: exit %d %v %v", r.code, err, r.data()["pass"])
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].wall < runs[j].wall })
	r := runs[2]
	pages, left := listingPages(r)
	calls := r.req("bugsink") + r.req("gitea")
	ideal, nominal := time.Duration(calls)*perCall, time.Duration(calls)*latency
	fmt.Printf("| incremental no-op (median of 5) | %d issues, 6 projects | %d listing requests (%.1f per project), %d leftovers | %d API calls | %s | %s (%d × %.2f ms, the measured per-call time); %s at %s | %.2f; %.2f at %s |  %.1f MB |\n",
		n, pages, float64(pages)/6, left, calls, ms(r.wall), ms(ideal), calls, ms1(perCall), ms(nominal), latency,
		float64(r.wall)/float64(ideal), float64(r.wall)/float64(nominal), latency, float64(r.maxRSSKB)/1024)

	for i := 0; i < 10; i++ {
		w.bs.AddIssue(sixProjects()[i%6], bugsinktest.IssueSpec{Type: "NewError", Value: "new " + strconv.Itoa(i), LastSeen: time.Now()})
	}
	for _, id := range open[:5] {
		w.bs.Regress(id, time.Now())
	}
	w.bs.ResetRequests()
	w.gt.ResetRequests()
	r, err = w.bsync(nil, "sync")
	if err != nil || r.code != 0 || r.data()["synced"].(float64) != 10 || r.data()["recurring"].(float64) != 5 {
		return fmt.Errorf("incremental sync with 15 changes: exit %d %v %v", r.code, err, r.data())
	}
	pages, left = listingPages(r)
	fmt.Printf("| incremental, 10 new + 5 returning | %d issues, 6 projects | %d listing requests, %d leftovers | bugsink: %s; gitea: %s | %s | | | %.1f MB |\n",
		n, pages, left, callsBy(w.bs.Requests()), callsBy(w.gt.Requests()), ms(r.wall), float64(r.maxRSSKB)/1024)
	return nil
}

// callsBy summarises requests by method and route.
func callsBy(reqs []bugsinktest.Request) string {
	counts := map[string]int{}
	for _, r := range reqs {
		counts[r.Method+" "+route(r.Path)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		if out != "" {
			out += ", "
		}
		out += fmt.Sprintf("%d %s", counts[k], k)
	}
	return out
}

// route replaces the ids in a path by {id}.
func route(p string) string {
	out := []byte{}
	seg := ""
	flush := func() {
		if len(seg) >= 8 && (seg[0] >= '0' && seg[0] <= '9' || len(seg) == 36 || seg[0] == 'e') || isNumber(seg) && seg != "0" {
			seg = "{id}"
		}
		out = append(out, seg...)
		seg = ""
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			flush()
			out = append(out, '/')
			continue
		}
		seg += string(p[i])
	}
	flush()
	return string(out)
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return s != "" && err == nil
}

// benchFullRSS measures the peak memory of a full pass over n listed
// issues, 99% of them resolved (the first sync: the others are created).
func benchFullRSS(bin, dir string, n int) error {
	w, err := newWorld(bin, filepath.Join(dir, "rss"), 0)
	if err != nil {
		return err
	}
	defer w.close()
	open := w.seedHistory([]string{"history-backend"}, n)
	r, err := w.bsync(nil, "sync", "--full")
	if err != nil || r.code != 0 || int(r.data()["synced"].(float64)) != len(open) {
		return fmt.Errorf("full pass of %d: exit %d %v", n, r.code, err)
	}
	pages, _ := listingPages(r)
	fmt.Printf("| full pass (first sync) | %d listed, %d created | %d listing requests | | %s | | | %.1f MB (goal ≤ 60 MB) |\n",
		n, len(open), pages, ms(r.wall), float64(r.maxRSSKB)/1024)
	return nil
}

// extraEnv is added to the environment of the Gitea-bound and real-Gitea
// first syncs (-env), e.g. to try another BSYNC_BUGSINK_CONCURRENCY.
var extraEnv []string

// benchGiteaBound measures a first sync of n issues where Gitea is the
// slow server: 5 ms per Bugsink call, 20 ms per Gitea call, 4 Gitea
// creates at a time. Ideal: every Gitea call at 20 ms, 4 at a time, with
// Bugsink's calls hidden behind them.
func benchGiteaBound(bin, dir string, n int) error {
	w, err := newWorld(bin, filepath.Join(dir, "gitea-bound"), 0)
	if err != nil {
		return err
	}
	defer w.close()
	w.seed(n)
	w.bs.Faults.SetLatency(5 * time.Millisecond)
	w.gt.Faults.SetLatency(20 * time.Millisecond)
	r, err := w.bsync(append([]string{"BSYNC_CONCURRENCY=4"}, extraEnv...), "sync")
	if err != nil || r.code != 0 || int(r.data()["synced"].(float64)) != n {
		return fmt.Errorf("first sync of %d: exit %d %v", n, r.code, err)
	}
	gitea := r.req("gitea")
	ideal := time.Duration(gitea) * 20 * time.Millisecond / 4
	bare, err := bareCreates(w, int(gitea))
	if err != nil {
		return err
	}
	fmt.Printf("| first sync, Gitea 20 ms, Bugsink 5 ms | %d | Gitea concurrency 4, Bugsink %s | %d gitea + %d bugsink calls | %s | %s (%d × 20 ms ÷ 4); a bare client's %d creates, 4 at a time: %s | %.2f (goal ≤ 1.10); %.2f of the bare client | %.1f MB |\n",
		n, bugsinkConcurrency(), gitea, r.req("bugsink"), ms(r.wall), ms(ideal), gitea, gitea, ms(bare), float64(r.wall)/float64(ideal), float64(r.wall)/float64(bare), float64(r.maxRSSKB)/1024)
	return nil
}

// bareCreates times n creates of small issues against the same Gitea fake,
// 4 at a time, by a client that does nothing else: the floor for the
// Gitea-bound first sync on this host.
func bareCreates(w *world, n int) (time.Duration, error) {
	c := gitea.New(w.gt.URL, giteatest.Token, "bench", "repo", apiclient.Options{})
	opts := make([]gitea.CreateIssueOption, n)
	for i := range opts {
		opts[i] = gitea.CreateIssueOption{Title: "bare " + strconv.Itoa(i), Body: "bare"}
	}
	start := time.Now()
	err := createAll(c, opts, 4)
	return time.Since(start), err
}

// createAll creates the issues conns at a time, each worker on its own
// connection, and returns the first error.
func createAll(c *gitea.Client, opts []gitea.CreateIssueOption, conns int) error {
	jobs := make(chan gitea.CreateIssueOption)
	errs := make(chan error, conns)
	for k := 0; k < conns; k++ {
		go func() {
			var err error
			for o := range jobs {
				if _, e := c.CreateIssue(context.Background(), o); e != nil && err == nil {
					err = e
				}
			}
			errs <- err
		}()
	}
	for _, o := range opts {
		jobs <- o
	}
	close(jobs)
	var first error
	for k := 0; k < conns; k++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// bugsinkConcurrency is the Bugsink concurrency the first sync ran with.
func bugsinkConcurrency() string {
	for _, kv := range extraEnv {
		if v, ok := strings.CutPrefix(kv, "BSYNC_BUGSINK_CONCURRENCY="); ok {
			return v
		}
	}
	return strconv.Itoa(syncer.DefaultBugsinkConcurrency)
}

// runHistory runs the cases of incremental passes, memory and a
// Gitea-bound first sync; a size of 0 skips its case.
func runHistory(latency time.Duration, history, rss, giteaBound int) error {
	if history+rss+giteaBound == 0 {
		return nil
	}
	dir, bin, err := buildBsync("bsync-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("\n| case | size | listing | calls | wall | ideal | ratio | peak RSS |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	if history > 0 {
		if err := benchIncremental(bin, dir, history, latency); err != nil {
			return err
		}
	}
	if giteaBound > 0 {
		if err := benchGiteaBound(bin, dir, giteaBound); err != nil {
			return err
		}
	}
	if rss > 0 {
		return benchFullRSS(bin, dir, rss)
	}
	return nil
}
