package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
	"bsync/pkg/render"
)

// held is a stage of a run whose requests a fake holds open: prepare sets
// the fakes and the state up (earlier runs included) and may name the
// path to hold; then every request of the stage is held far longer than
// the test waits.
type held struct {
	stage   string
	prepare func(t *testing.T, c *cutRun) string
	fake    func(c *cutRun) *httpfault.Injector
	method  string
	path    string
}

// hangAfter is how long the test waits for a run to end once its deadline
// or signal came; a run still going then is hung. It is no measured bound.
const hangAfter = 20 * time.Second

func bugsinkFaults(c *cutRun) *httpfault.Injector { return c.x.bs.Faults }
func giteaFaults(c *cutRun) *httpfault.Injector   { return c.x.gt.Faults }

// syncedOnce runs one sync that must succeed.
func syncedOnce(t *testing.T, c *cutRun) string {
	t.Helper()
	if code, doc, stderr := c.x.run(t, "sync"); code != 0 {
		t.Fatalf("the run before: exit %d %v\n%s", code, doc, stderr)
	}
	return ""
}

// giteaNumber is the number of the Gitea issue of a Bugsink issue.
func (c *cutRun) giteaNumber(t *testing.T, id string) int {
	t.Helper()
	for _, gi := range c.x.gt.Issues() {
		if strings.Contains(gi.Body, render.Marker(id)) {
			return gi.Number
		}
	}
	t.Fatalf("%s has no gitea issue", id)
	return 0
}

// leftoverBehind leaves one issue in the leftover set (its create refused)
// and a newer resolved one, so that the next run's listing, which starts
// ten minutes below the newest last_seen, does not reach the backlog (last
// seen an hour ago): the leftover is read on its own. It returns its path.
func leftoverBehind(t *testing.T, c *cutRun) string {
	t.Helper()
	c.x.bs.AddIssue("slow-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: time.Now()})
	c.x.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Method: http.MethodPost, PathContains: "/issues", Status: 422, Times: 1})
	if code, doc, _ := c.x.run(t, "sync"); code != 3 {
		t.Fatalf("the run before: exit %d, want 3 (one create refused) %v", code, doc)
	}
	c.x.gt.Faults.Clear()
	for _, id := range c.x.bs.IssueIDs() {
		if is, _ := c.x.bs.Issue(id); !is.IsResolved {
			return "/api/canonical/0/issues/" + id + "/"
		}
	}
	t.Fatal("no issue was left unsynced")
	return ""
}

// heldStages are the stages of a run, each reached by the requests of one
// kind: a full pass's listing and an incremental pass's listings read
// ahead, the steps of a new issue, those of one that came back (open: its
// figures; closed: a regression), and a leftover read again.
func heldStages() []held {
	listing := "/api/canonical/0/issues/"
	regressed := func(close bool) func(t *testing.T, c *cutRun) string {
		return func(t *testing.T, c *cutRun) string {
			syncedOnce(t, c)
			id := c.x.bs.IssueIDs()[0]
			if close {
				c.x.gt.SetIssueState(c.giteaNumber(t, id), "closed")
			}
			c.x.bs.Regress(id, time.Now())
			return ""
		}
	}
	return []held{
		{"listing", nil, bugsinkFaults, http.MethodGet, listing},
		{"read-ahead", syncedOnce, bugsinkFaults, http.MethodGet, listing},
		{"event read", nil, bugsinkFaults, http.MethodGet, "/api/canonical/0/events/"},
		{"create", nil, giteaFaults, http.MethodPost, "/issues"},
		{"resolve", nil, bugsinkFaults, http.MethodPost, "/resolve/"},
		{"back-link", nil, bugsinkFaults, http.MethodPost, "/issue-comments/"},
		{"figures", regressed(false), giteaFaults, http.MethodPatch, "/issues/"},
		{"regression comment", regressed(true), giteaFaults, http.MethodPost, "/comments"},
		{"leftover re-read", leftoverBehind, bugsinkFaults, http.MethodGet, ""},
	}
}

// Whatever request a server holds open, a run's deadline or a signal ends
// it within a few seconds (the issues in hand get
// syncer.DefaultFinishGrace to finish), with its exit code, a run record
// and the failure ping: no wait in the engine or the clients outlives the
// run. The runs go side by side (each has its own fakes and Redis): they
// mostly wait.
func TestNoHeldRequestOutlivesTheRun(t *testing.T) {
	type started struct {
		name, how string
		c         *cutRun
		faults    *httpfault.Injector
		ended     chan heldResult
	}
	var runs []started
	for _, h := range heldStages() {
		for _, how := range []string{"timeout", "signal"} {
			c := newCutRun(t)
			path := h.path
			if h.prepare != nil {
				if p := h.prepare(t, c); p != "" {
					path = p
				}
			}
			faults := h.fake(c)
			faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: h.method, PathContains: path, Delay: 10 * time.Minute})
			runs = append(runs, started{h.stage + "/" + how, how, c, faults, c.startHeld(t, faults, how)})
		}
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			res := <-r.ended
			if res.problem != "" {
				t.Fatalf("%s\n%s", res.problem, res.stderr)
			}
			if r.faults.Hits(httpfault.Slow) == 0 {
				t.Fatalf("the run never reached the stage (exit %d)", res.code)
			}
			var doc map[string]any
			if err := json.Unmarshal(res.stdout, &doc); err != nil {
				t.Fatalf("stdout: %v\n%s\n%s", err, res.stdout, res.stderr)
			}
			want, outcome := 130, "interrupted"
			if r.how == "timeout" {
				want, outcome = 124, "timeout"
			}
			r.c.assertEnded(t, res.code, doc, want, outcome)
		})
	}
}

// heldResult is how a run with a held request ended; problem says why
// the test must fail before anything else is checked (hung, or the stage
// never reached).
type heldResult struct {
	code           int
	stdout, stderr []byte
	problem        string
}

// reached waits until a request is held, for hangAfter at most.
func reached(faults *httpfault.Injector) bool {
	for deadline := time.Now().Add(hangAfter); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if faults.Hits(httpfault.Slow) > 0 {
			return true
		}
	}
	return false
}

// startHeld starts sync, which its deadline (3 s) ends, or a SIGTERM sent
// once the held request is in flight, and reports on the channel how it
// ended. A run still going hangAfter after its deadline or signal is
// killed and reported as hung.
func (c *cutRun) startHeld(t *testing.T, faults *httpfault.Injector, how string) chan heldResult {
	t.Helper()
	c.pings.reset() // only this run's
	args := []string{"sync", "--concurrency", "1"}
	if how == "timeout" {
		args = append(args, "--timeout", "3s")
	}
	cmd := exec.Command(bsyncBin, args...)
	cmd.Env = c.x.env
	cmd.Dir = t.TempDir()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ended := make(chan heldResult, 1)
	go func() {
		res := heldResult{}
		limit := time.After(3*time.Second + hangAfter)
		if how == "signal" {
			if reached(faults) {
				cmd.Process.Signal(syscall.SIGTERM)
				limit = time.After(hangAfter)
			} else {
				res.problem = "the run never reached the stage"
				limit = time.After(0)
			}
		}
		var err error
		select {
		case err = <-exited:
		case <-limit:
			cmd.Process.Kill()
			err = <-exited
			if res.problem == "" {
				res.problem = fmt.Sprintf("the run was still going %s after its %s: hung", hangAfter, how)
			}
		}
		if ee, ok := err.(*exec.ExitError); ok {
			res.code = ee.ExitCode()
		}
		res.stdout, res.stderr = out.Bytes(), stderr.Bytes()
		ended <- res
	}()
	return ended
}

// assertEnded checks what a run cut short leaves: its exit code, the
// unfinished project named, the outcome in the run record, the failure
// ping and never a success one.
func (c *cutRun) assertEnded(t *testing.T, code int, doc map[string]any, wantCode int, outcome string) {
	t.Helper()
	if code != wantCode || doc["success"] != false {
		t.Fatalf("exit %d, want %d: %v", code, wantCode, doc)
	}
	data, _ := doc["data"].(map[string]any)
	if data == nil || fmt.Sprint(data["unfinished_projects"]) != "[slow-backend]" {
		t.Errorf("the report does not name the unfinished project: %v", doc)
	}
	last, _ := c.x.redis.Client(t, 15).Get(t.Context(), "bugsink:run:last").Result()
	if !strings.Contains(last, `"outcome":"`+outcome+`"`) {
		t.Errorf("run record %s, want outcome %s", last, outcome)
	}
	got := c.pings.list()
	if !slices.Contains(got, "/ping/check-1/fail") || slices.Contains(got, "/ping/check-1") {
		t.Errorf("heartbeat pings %v, want a failure ping and no success one", got)
	}
}
