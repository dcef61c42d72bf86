//go:build crash

package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate/redistest"
)

// TestCrash kills the real binary with SIGKILL at random moments, over and
// over, while Bugsink keeps producing new issues and returns of synced ones
// (some with their Gitea issue closed: regressions), then lets a run finish
// and checks that every wanted Bugsink issue has exactly one Gitea issue,
// every mapping points at an existing Gitea issue, no reservation is left
// behind, and every closed issue that came back got exactly one regression
// comment and was reopened. Run it with scripts/crashtest.sh.
//
// A killed run leaves its lock behind; the lock would expire after the run
// timeout, so the test deletes it between kills instead of waiting.
func TestCrash(t *testing.T) {
	kills := envInt("CRASH_KILLS", 100)
	// The kill comes at a random moment within the window; a loaded
	// machine needs a wider one for runs to reach their creates.
	window := envInt("CRASH_WINDOW_MS", 150)
	seed := int64(envInt("CRASH_SEED", 1))
	rng := rand.New(rand.NewSource(seed))

	bs := bugsinktest.New()
	defer bs.Close()
	gt := giteatest.New("projectium", "flyer-crawler", giteatest.WithIndexDelay(time.Second))
	defer gt.Close()
	bs.Faults.SetLatency(3 * time.Millisecond)
	gt.Faults.SetLatency(20 * time.Millisecond)
	rs := redistest.Start(t)
	rdb := rs.Client(t, 15)

	projects := []string{"crash-frontend", "crash-backend-test", "crash-infra", "crash-backend", "crash-backend-staging"}
	for _, p := range projects {
		bs.AddProject(p, p)
	}
	addIssues := func(n int) {
		for i := 0; i < n; i++ {
			bs.AddIssue(projects[rng.Intn(len(projects))], bugsinktest.IssueSpec{Type: "CrashError", Value: fmt.Sprintf("case %d", rng.Int())})
		}
	}
	addIssues(40)
	// Shared errors: the same error in the backend's test and production
	// projects, one Gitea issue between them. Half arrive in both before a
	// run (racing to be first), half in one environment now and in the
	// other a few runs later.
	envs := []string{"crash-backend-test", "crash-backend"}
	shared := map[string][]string{} // error value → its bugsink issues
	var halfShared []string
	addShared := func() {
		v := fmt.Sprintf("shared %d", rng.Int())
		first := rng.Intn(2)
		shared[v] = append(shared[v], bs.AddIssue(envs[first], bugsinktest.IssueSpec{Type: "CrashError", Value: v}))
		if rng.Intn(2) == 0 {
			shared[v] = append(shared[v], bs.AddIssue(envs[1-first], bugsinktest.IssueSpec{Type: "CrashError", Value: v}))
			if rng.Intn(2) == 0 {
				// A trio: staging too.
				shared[v] = append(shared[v], bs.AddIssue("crash-backend-staging", bugsinktest.IssueSpec{Type: "CrashError", Value: v}))
			}
		} else {
			halfShared = append(halfShared, v)
		}
		if len(halfShared) > 3 {
			v := halfShared[0]
			halfShared = halfShared[1:]
			other := envs[0]
			if is, _ := bs.Issue(shared[v][0]); is.Project == 1+slices.Index(projects, envs[0]) {
				other = envs[1]
			}
			shared[v] = append(shared[v], bs.AddIssue(other, bugsinktest.IssueSpec{Type: "CrashError", Value: v}))
		}
	}

	env := []string{
		"BUGSINK_URL=" + bs.URL, "BUGSINK_API_TOKEN=" + bugsinktest.Token,
		"GITEA_URL=" + gt.URL, "GITEA_API_TOKEN=" + giteatest.Token, "GITEA_OWNER=projectium", "GITEA_REPO=flyer-crawler",
		"BUGSINK_SYNC_ENABLED=true", "REDIS_URL=" + rs.URL(), "BSYNC_PENDING_GRACE=1500ms", "BSYNC_LOG_LEVEL=error",
	}
	run := func(killAfter time.Duration, args ...string) (int, map[string]any) {
		c := exec.Command(bsyncBin, append([]string{"sync", "--env-file", "/dev/null"}, args...)...)
		c.Env = env
		var out strings.Builder
		c.Stdout = &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		if killAfter > 0 {
			timer := time.AfterFunc(killAfter, func() { _ = c.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		err := c.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return -1, nil
			}
		}
		var doc map[string]any
		_ = json.Unmarshal([]byte(out.String()), &doc)
		return code, doc
	}

	killed, midCreate, adopted, completed := 0, 0, 0, 0
	// Both kinds of pass are killed: every third run is a full one (as a
	// first run, --full or a due full scan), the others are incremental
	// once a run has left watermarks behind.
	killedFull, killedIncremental := 0, 0
	passes := map[string]int{}
	closed := map[string]int{} // bugsink issue → its gitea issue, closed once before it came back
	closedNums := map[int]bool{}
	giteaNumber := func(id string) int {
		for _, gi := range gt.Issues() {
			if strings.Contains(gi.Body, render.Marker(id)) {
				return gi.Number
			}
		}
		return 0
	}
	for i := 0; i < kills; i++ {
		// Every run finds work: new errors keep arriving.
		addIssues(4)
		addShared()
		if i%10 == 9 {
			// Bring back two synced issues (regressions) now and then.
			for n, id := range bs.IssueIDs() {
				if is, _ := bs.Issue(id); is.IsResolved && n%7 == i%7 {
					// Every other one was closed in Gitea (once): a regression.
					// A shared issue is closed once, whichever of its
					// environments comes back (Gitea's close times have
					// whole seconds: two closes a second apart are one).
					if num := giteaNumber(id); n%2 == 0 && num > 0 && !closedNums[num] {
						gt.SetIssueState(num, "closed")
						closed[id], closedNums[num] = num, true
					}
					bs.Regress(id, time.Now())
				}
			}
		}
		rdb.Del(t.Context(), "bugsink:lock:sync")
		var args []string
		if i%3 == 0 {
			args = []string{"--full"}
		}
		watermarks, _ := rdb.Keys(t.Context(), "bugsink:watermark:*").Result()
		code, doc := run(time.Duration(rng.Intn(window))*time.Millisecond, args...)
		if code == -1 {
			killed++
			if len(args) > 0 || len(watermarks) == 0 {
				killedFull++
			} else {
				killedIncremental++
			}
			if n, _ := rdb.Keys(t.Context(), "bugsink:pending:*").Result(); len(n) > 0 {
				midCreate++
			}
		} else if doc != nil {
			completed++
			if d, ok := doc["data"].(map[string]any); ok {
				if a, ok := d["adopted"].(float64); ok {
					adopted += int(a)
				}
				passes[fmt.Sprint(d["pass"])]++
			}
		}
	}

	// Let runs finish until everything is synced and nothing is deferred.
	rdb.Del(t.Context(), "bugsink:lock:sync")
	finalRuns := 0
	for {
		finalRuns++
		code, doc := run(0)
		d, _ := doc["data"].(map[string]any)
		if d != nil {
			if a, ok := d["adopted"].(float64); ok {
				adopted += int(a)
			}
		}
		if code == 0 && d != nil && d["deferred"] == float64(0) && d["synced"] == float64(0) {
			break
		}
		if finalRuns > 10 {
			t.Fatalf("no clean run after %d tries: exit %d %v", finalRuns, code, doc)
		}
		time.Sleep(1600 * time.Millisecond) // past the reservation grace
	}

	// Invariants.
	issues := gt.Issues()
	byMarker := map[string][]int{}
	for _, gi := range issues {
		for _, id := range bs.IssueIDs() {
			if strings.Contains(gi.Body, render.Marker(id)) {
				byMarker[id] = append(byMarker[id], gi.Number)
			}
		}
	}
	duplicates, losses := 0, 0
	for _, id := range bs.IssueIDs() {
		switch n := len(byMarker[id]); {
		case n == 0:
			losses++
			t.Errorf("%s has no gitea issue", id)
		case n > 1:
			duplicates += n - 1
			t.Errorf("%s has gitea issues %v", id, byMarker[id])
		}
		if is, _ := bs.Issue(id); !is.IsResolved {
			t.Errorf("%s is not resolved in bugsink", id)
		}
		raw, err := rdb.Get(t.Context(), "bugsink:synced:"+id).Result()
		if err != nil {
			t.Errorf("%s has no mapping", id)
			continue
		}
		var rec struct {
			N int `json:"gitea_issue_number"`
		}
		json.Unmarshal([]byte(raw), &rec)
		if rec.N < 1 || rec.N > len(issues) || !strings.Contains(issues[rec.N-1].Body, render.Marker(id)) {
			t.Errorf("%s maps to #%d, which does not carry its marker", id, rec.N)
		}
	}
	if p, _ := rdb.Keys(t.Context(), "bugsink:pending:*").Result(); len(p) > 0 {
		t.Errorf("reservations left behind: %v", p)
	}
	if l, _ := rdb.Keys(t.Context(), "bugsink:leftover:*").Result(); len(l) > 0 {
		t.Errorf("leftover work after a clean run: %v", l)
	}
	regressionComments, repeated := 0, 0
	perIssue := map[int]int{}
	for _, gi := range issues {
		seen := map[string]bool{}
		for _, c := range gt.Comments(gi.Number) {
			for _, line := range strings.Split(c.Body, "\n") {
				if strings.HasPrefix(line, "<!-- bsync-regression: ") {
					regressionComments++
					perIssue[gi.Number]++
				}
				if strings.HasPrefix(line, "<!-- bsync-regression: ") || strings.HasPrefix(line, "<!-- bsync-escaped: ") {
					if seen[line] {
						repeated++
						t.Errorf("gitea #%d carries %s twice", gi.Number, line)
					}
					seen[line] = true
				}
			}
		}
	}
	for id, num := range closed {
		if n := perIssue[num]; n != 1 || issues[num-1].State != "open" {
			t.Errorf("%s (gitea #%d) came back after its close: %d regression comments, state %s", id, num, n, issues[num-1].State)
		}
	}
	sharedIssues, pairs := 0, 0
	for v, ids := range shared {
		if len(ids) < 2 {
			continue
		}
		pairs += len(ids) - 1
		a, one := byMarker[ids[0]], true
		for _, id := range ids[1:] {
			if b := byMarker[id]; len(a) != 1 || len(b) != 1 || a[0] != b[0] {
				t.Errorf("%q: its environments are gitea issues %v and %v, want one", v, a, b)
				one = false
			}
		}
		if !one {
			continue
		}
		sharedIssues++
		if labels := gt.LabelNames(a[0]); !slices.Contains(labels, "env:test") || !slices.Contains(labels, "env:production") {
			t.Errorf("%q: gitea #%d labels %v lack an environment", v, a[0], labels)
		}
	}
	if want := len(bs.IssueIDs()) - pairs; len(issues) != want {
		t.Errorf("%d gitea issues for %d bugsink issues of which %d join another's; want %d", len(issues), len(bs.IssueIDs()), pairs, want)
	}
	t.Logf("seed %d: %d runs killed with SIGKILL (%d left a create half-done), %d ran to the end, %d final runs; "+
		"%d bugsink issues, %d gitea issues, %d adopted after a crash; duplicates %d, losses %d; "+
		"%d closed issues came back, %d regression comments, %d repeated",
		seed, killed, midCreate, completed, finalRuns, len(bs.IssueIDs()), len(issues), adopted, duplicates, losses,
		len(closed), regressionComments, repeated)
	t.Logf("%d issues of errors seen in two or three environments joined another's; %d shared gitea issues", pairs, sharedIssues)
	t.Logf("killed during full passes %d, during incremental passes %d; completed runs by pass %v", killedFull, killedIncremental, passes)
	if killedFull == 0 || killedIncremental == 0 {
		t.Errorf("kills missed a kind of pass: %d full, %d incremental", killedFull, killedIncremental)
	}
	if killed < kills/2 {
		t.Errorf("only %d of %d runs were killed; the kill window misses the runs", killed, kills)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
