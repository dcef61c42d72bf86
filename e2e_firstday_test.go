package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A run killed with SIGKILL leaves its lock behind; the next run on this
// host finds the holder's pid gone and takes the lock over at once, rather
// than exiting 4 until the lock's TTL (the timeout plus three minutes)
// ends. status meanwhile does not show the dead pid as running.
func TestAKilledRunsLockIsTakenOver(t *testing.T) {
	x := slowBacklog(t, 40, 50*time.Millisecond)
	c := exec.Command(bsyncBin, "sync", "--concurrency", "1")
	c.Env = x.env
	c.Dir = t.TempDir()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); len(x.gt.Issues()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the run never created an issue")
		}
	}
	c.Process.Kill()
	c.Wait()
	rdb := x.redis.Client(t, 15)
	if n, _ := rdb.Exists(t.Context(), "bugsink:lock:sync").Result(); n != 1 {
		t.Fatal("the killed run left no lock: nothing to take over")
	}
	_, st, _ := x.run(t, "status")
	d := st["data"].(map[string]any)
	if d["running"] != nil || d["dead_lock_holder"] == nil {
		t.Errorf("status after the kill: running %v, dead_lock_holder %v", d["running"], d["dead_lock_holder"])
	}
	x.gt.Faults.SetLatency(0)
	code, doc, stderr := x.run(t, "sync")
	if code != 0 || !strings.Contains(stderr, "took over the run lock") {
		t.Fatalf("the run after the kill: exit %d\n%v\n%s", code, doc, stderr)
	}
	// The create the kill interrupted waits for BSYNC_PENDING_GRACE
	// (deferred; its Gitea issue may exist, to be adopted); every other
	// issue is done by the run that took over.
	keys, _ := rdb.Keys(t.Context(), "bugsink:synced:*").Result()
	deferred := doc["data"].(map[string]any)["deferred"].(float64)
	if n := len(x.gt.Issues()); n < len(keys) || n > len(keys)+int(deferred) || len(keys)+int(deferred) != 40 {
		t.Errorf("%d gitea issues, %d mappings, %v deferred after the run that took over; want 40 in all", len(x.gt.Issues()), len(keys), deferred)
	}
}
