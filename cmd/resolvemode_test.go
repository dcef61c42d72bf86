package cmd

import (
	"strings"
	"testing"
	"time"
)

func TestResolveModeNextReleaseUsesResolveNext(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BSYNC_RESOLVE_MODE"] = "next-release"
	r := w.bsync(t, "sync")
	if r.code != exitOK || data(r)["synced"] != float64(10) {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	if n, plain := w.bs.CountRequests("POST", "/resolve-next/"), w.bs.CountRequests("POST", "/resolve/"); n != 10 || plain != 0 {
		t.Errorf("resolve-next %d, resolve %d", n, plain)
	}
	for _, k := range []string{"recurring", "reopened_in_bugsink", "regressed", "synced", "skipped", "failed", "duration_ms"} {
		if _, ok := data(r)[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
}

func TestResolveModeIsValidated(t *testing.T) {
	w := newWorld(t)
	w.env["BSYNC_RESOLVE_MODE"] = "later"
	if r := w.bsync(t, "sync"); r.code != exitUsage || !strings.Contains(r.stdout, "BSYNC_RESOLVE_MODE") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
}

func TestDoctorWarnsNextReleaseWithoutReleases(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.env["BSYNC_RESOLVE_MODE"] = "next-release"
	c := checks(w.bsync(t, "doctor"))["bugsink_releases"]
	if c == nil || c["status"] != "warn" || !strings.Contains(c["message"].(string), "flyer-crawler-backend") {
		t.Fatalf("bugsink_releases: %v", c)
	}
	// Once every project has reported a release, the mode fits.
	for _, id := range w.bs.IssueIDs() {
		w.bs.Ingest(id, time.Now(), "1.0."+id[:4])
	}
	if c := checks(w.bsync(t, "doctor"))["bugsink_releases"]; c == nil || c["status"] != "ok" {
		t.Errorf("bugsink_releases with releases: %v", c)
	}
	delete(w.env, "BSYNC_RESOLVE_MODE")
	if c := checks(w.bsync(t, "doctor"))["bugsink_releases"]; c != nil {
		t.Errorf("resolve mode checked releases: %v", c)
	}
}
