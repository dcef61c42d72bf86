package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"bsync/pkg/peertest"
)

// TestRealPersonReopenInBugsink: a person presses Reopen on a synced issue
// through Bugsink's API. bsync counts it once and never resolves that issue
// again; nothing is written to Gitea.
func TestRealPersonReopenInBugsink(t *testing.T) {
	t.Parallel()
	const proj = "flyer-crawler-frontend"
	p := newRealPair(t, peertest.BugsinkServer(t), proj)
	p.b.Envelope(t, p.projects[proj], simpleEvent("ReopenedByPersonError", "x"))
	p.sync(t)
	gi := p.assertOnePerIssue(t)
	id := p.issueOfType(t, proj, "ReopenedByPersonError").ID
	if r := p.b.API(t, "POST", "/issues/"+id+"/reopen/", nil); r.Status != 200 {
		t.Fatalf("reopen %s in bugsink: %d %s", id, r.Status, r.Body)
	}
	for run, want := range []float64{1, 0} {
		d := p.sync(t)
		if d["reopened_in_bugsink"] != want || d["re_resolved"] != float64(0) || d["synced"] != float64(0) {
			t.Errorf("run %d after the reopen: reopened_in_bugsink %v (want %v), re_resolved %v, synced %v",
				run+1, d["reopened_in_bugsink"], want, d["re_resolved"], d["synced"])
		}
		if p.bugsinkIssue(t, id).IsResolved {
			t.Errorf("run %d resolved the issue a person reopened", run+1)
		}
	}
	if n := len(p.comments(t, gi[id].Number)); n != 0 || len(p.giteaIssues(t)) != 1 {
		t.Errorf("gitea: %d comments on #%d, %d issues; want 0, 1", n, gi[id].Number, len(p.giteaIssues(t)))
	}
}

// TestRealReindexAfterRedisWiped: db 15 is lost; `bsync reindex` rebuilds
// every mapping from the real Gitea's issues (open and closed), and the
// next sync creates nothing twice.
func TestRealReindexAfterRedisWiped(t *testing.T) {
	t.Parallel()
	p := newRealPair(t, peertest.BugsinkServer(t), "flyer-crawler-backend", "flyer-crawler-infrastructure")
	for i, proj := range []string{"flyer-crawler-backend", "flyer-crawler-backend", "flyer-crawler-infrastructure"} {
		p.b.Envelope(t, p.projects[proj], simpleEvent(fmt.Sprintf("ReindexCase%dError", i), "x"))
	}
	p.sync(t)
	before := p.assertOnePerIssue(t)
	for _, gi := range before {
		p.giteaDo(t, "PATCH", "/issues/"+strconv.Itoa(gi.Number), map[string]any{"state": "closed"}, 201)
		break // one closed issue among the open ones
	}
	if err := p.redis.Client(t, 15).FlushDB(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	code, doc, stderr := p.run(t, "reindex")
	d, _ := doc["data"].(map[string]any)
	if code != 0 || d == nil || d["found"] != float64(3) || d["written"] != float64(3) {
		t.Fatalf("reindex: exit %d %v %s", code, doc, stderr)
	}
	if s := p.sync(t); s["synced"] != float64(0) {
		t.Errorf("sync after the reindex created %v issues", s["synced"])
	}
	after := p.assertOnePerIssue(t)
	for id, gi := range before {
		if after[id].Number != gi.Number {
			t.Errorf("%s: gitea #%d before the wipe, #%d after", id, gi.Number, after[id].Number)
		}
	}
}

// TestRealCrashLoop kills the real binary with SIGKILL a few times while it
// works against the real pair, with new errors and a regression arriving
// between the kills, then lets runs finish: exactly one Gitea issue per
// Bugsink issue, every mapping right, no reservation left, one regression
// comment. (The long crash test runs on the fakes: scripts/crashtest.sh.)
func TestRealCrashLoop(t *testing.T) {
	t.Parallel()
	const proj = "flyer-crawler-backend-test"
	p := newRealPair(t, peertest.BugsinkServer(t), proj)
	p.env = append(p.env, "BSYNC_PENDING_GRACE=1500ms", "BSYNC_LOG_LEVEL=error")
	n := 0
	add := func(k int) {
		for ; k > 0; k-- {
			n++
			p.b.Envelope(t, p.projects[proj], simpleEvent(fmt.Sprintf("Crash%dError", n), "x"))
		}
	}
	add(12)
	rdb := p.redis.Client(t, 15)
	killed := 0
	kill := func(after ...time.Duration) {
		for _, d := range after {
			rdb.Del(t.Context(), "bugsink:lock:sync") // a killed run's lock would outlive the test
			if p.killedAfter(t, d*time.Millisecond) {
				killed++
			}
			add(2)
		}
	}
	kill(300, 800, 1500)
	// One run finishes, so that some issue is synced whole (resolved in
	// Bugsink, its mapping written); it is closed in Gitea and its error
	// comes back while the next runs are killed.
	rdb.Del(t.Context(), "bugsink:lock:sync")
	p.sync(t)
	closed := 0
	for id, gi := range p.byMarker(t, p.ids(t, proj)) {
		if n, _ := rdb.Exists(t.Context(), "bugsink:synced:"+id).Result(); n == 0 || !p.bugsinkIssue(t, id).IsResolved {
			continue
		}
		p.giteaDo(t, "PATCH", "/issues/"+strconv.Itoa(gi[0].Number), map[string]any{"state": "closed"}, 201)
		p.b.Envelope(t, p.projects[proj], simpleEvent(p.bugsinkIssue(t, id).Type, "x"))
		closed = gi[0].Number
		break
	}
	if closed == 0 {
		t.Fatal("no issue was synced whole by a run that finished")
	}
	kill(300, 1500)
	if killed < 3 {
		t.Errorf("only %d of 5 runs were killed before they finished", killed)
	}
	rdb.Del(t.Context(), "bugsink:lock:sync")
	for runs := 1; ; runs++ {
		d := p.sync(t)
		if d["synced"] == float64(0) && d["deferred"] == float64(0) {
			break
		}
		if runs > 6 {
			t.Fatalf("no quiet run after %d runs: %v", runs, d)
		}
		time.Sleep(1600 * time.Millisecond) // past the reservation grace
	}
	p.assertOnePerIssue(t)
	if cs := p.comments(t, closed); len(cs) != 1 {
		t.Errorf("the closed issue #%d that came back has %d comments, want 1", closed, len(cs))
	}
	t.Logf("%d Bugsink issues, %d of 5 runs killed", n, killed)
}

// ids lists the Bugsink issue ids of a project.
func (p *realPair) ids(t *testing.T, project string) []string {
	t.Helper()
	var out []string
	for _, is := range p.bugsinkIssues(t, project) {
		out = append(out, is.ID)
	}
	return out
}

// killedAfter starts a sync and sends it SIGKILL after d; it reports
// whether the run was killed (rather than finished first).
func (p *realPair) killedAfter(t *testing.T, d time.Duration) bool {
	t.Helper()
	c := exec.Command(bsyncBin, "sync")
	c.Env = p.env
	c.Dir = t.TempDir()
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(d, func() { _ = c.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	err := c.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return true
		}
	}
	var doc map[string]any
	if json.Unmarshal(out.Bytes(), &doc) != nil {
		t.Fatalf("an unkilled run printed no JSON: %v\n%s", err, out.String())
	}
	return false
}

// TestRealRunserver runs the first sync and a regression against Bugsink
// under Django's development server, which refuses chunked request bodies:
// every write bsync sends it must carry its length.
func TestRealRunserver(t *testing.T) {
	t.Parallel()
	const proj = "flyer-crawler-infrastructure"
	p := newRealPair(t, peertest.BugsinkDevServer(t), proj)
	p.b.Envelope(t, p.projects[proj], simpleEvent("RunserverError", "x"))
	p.b.Store(t, p.projects[proj], simpleEvent("RunserverStoreError", "y"))
	if d := p.sync(t); d["synced"] != float64(2) {
		t.Fatalf("first sync: synced %v, want 2", d["synced"])
	}
	gi := p.assertOnePerIssue(t)
	id := p.issueOfType(t, proj, "RunserverError").ID
	p.giteaDo(t, "PATCH", "/issues/"+strconv.Itoa(gi[id].Number), map[string]any{"state": "closed"}, 201)
	p.b.Envelope(t, p.projects[proj], simpleEvent("RunserverError", "x"))
	if d := p.sync(t); d["regressed"] != float64(1) {
		t.Errorf("regression: regressed %v, want 1", d["regressed"])
	}
	p.assertOnePerIssue(t)
	if cs := p.comments(t, gi[id].Number); len(cs) != 1 {
		t.Errorf("#%d has %d comments after its regression, want 1", gi[id].Number, len(cs))
	}
}
