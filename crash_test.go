//go:build crash

package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
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

	projects := []string{"crash-frontend", "crash-backend-test", "crash-infra"}
	for _, p := range projects {
		bs.AddProject(p, p)
	}
	addIssues := func(n int) {
		for i := 0; i < n; i++ {
			bs.AddIssue(projects[rng.Intn(len(projects))], bugsinktest.IssueSpec{Type: "CrashError", Value: fmt.Sprintf("case %d", rng.Int())})
		}
	}
	addIssues(40)

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
		if i%10 == 9 {
			// Bring back two synced issues (regressions) now and then.
			for n, id := range bs.IssueIDs() {
				if is, _ := bs.Issue(id); is.IsResolved && n%7 == i%7 {
					// Every other one was closed in Gitea (once): a regression.
					if num := giteaNumber(id); n%2 == 0 && num > 0 && closed[id] == 0 {
						gt.SetIssueState(num, "closed")
						closed[id] = num
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
		code, doc := run(time.Duration(rng.Intn(150))*time.Millisecond, args...)
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
	for _, gi := range issues {
		seen := map[string]bool{}
		for _, c := range gt.Comments(gi.Number) {
			for _, line := range strings.Split(c.Body, "\n") {
				if strings.HasPrefix(line, "<!-- bsync-regression: ") {
					regressionComments++
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
		n := 0
		for _, c := range gt.Comments(num) {
			if strings.Contains(c.Body, "<!-- bsync-regression: "+id) {
				n++
			}
		}
		if n != 1 || issues[num-1].State != "open" {
			t.Errorf("%s (gitea #%d) came back after its close: %d regression comments, state %s", id, num, n, issues[num-1].State)
		}
	}
	t.Logf("seed %d: %d runs killed with SIGKILL (%d left a create half-done), %d ran to the end, %d final runs; "+
		"%d bugsink issues, %d gitea issues, %d adopted after a crash; duplicates %d, losses %d; "+
		"%d closed issues came back, %d regression comments, %d repeated",
		seed, killed, midCreate, completed, finalRuns, len(bs.IssueIDs()), len(issues), adopted, duplicates, losses,
		len(closed), regressionComments, repeated)
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
