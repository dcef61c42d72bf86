package cmd

import (
	"strings"
	"testing"
	"time"

	"bsync/pkg/gitea/giteatest"
)

func checks(r result) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, c := range data(r)["checks"].([]any) {
		m := c.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

func TestDoctorPassesAgainstTheSandbox(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	r := w.bsync(t, "doctor")
	if r.code != exitOK || r.doc["success"] != true || data(r)["fail"] != float64(0) {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	cs := checks(r)
	for _, name := range []string{"config", "bugsink_token", "bugsink_version", "bugsink_projects", "gitea_reachable",
		"gitea_repository", "gitea_write_access", "gitea_token_scope", "gitea_labels", "redis"} {
		if cs[name]["status"] != "ok" {
			t.Errorf("%s: %v", name, cs[name])
		}
	}
	// The test redis-server runs without persistence: doctor warns.
	if cs["redis_durability"]["status"] != "warn" || !strings.Contains(cs["redis_durability"]["message"].(string), "restart loses") {
		t.Errorf("redis_durability: %v", cs["redis_durability"])
	}
	if len(w.gt.Labels()) != 0 || len(w.gt.Issues()) != 0 {
		t.Error("doctor wrote to Gitea")
	}
	keys, _ := w.redis.Client(t, 15).Keys(t.Context(), "*").Result()
	if len(keys) != 0 {
		t.Errorf("doctor wrote %v to Redis", keys)
	}
}

func TestDoctorSaysWhatToFix(t *testing.T) {
	cases := []struct {
		name, key, value, check, hint string
	}{
		{"wrong bugsink token", "BUGSINK_API_TOKEN", strings.Repeat("c", 40), "bugsink_token", "BUGSINK_API_TOKEN"},
		{"wrong gitea token", "GITEA_API_TOKEN", strings.Repeat("d", 40), "gitea_token", "GITEA_API_TOKEN"},
		{"missing repository", "GITEA_REPO", "nope", "gitea_repository", "GITEA_OWNER and GITEA_REPO"},
		{"read-only token", "GITEA_API_TOKEN", giteatest.ReadOnlyToken, "gitea_token_scope", "write:issue"},
		{"unknown project", "BUGSINK_PROJECTS", "flyer-crawler-backend,ghost", "bugsink_projects", "ghost"},
		{"missing variable", "GITEA_URL", "", "config", "GITEA_URL is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.bs.SeedDemo(time.Now())
			w.env[tc.key] = tc.value
			r := w.bsync(t, "doctor")
			if r.code != exitFatal || r.doc["success"] != false {
				t.Fatalf("exit %d: %s", r.code, r.stdout)
			}
			c := checks(r)[tc.check]
			if c == nil || c["status"] != "fail" || !strings.Contains(c["message"].(string), tc.hint) {
				t.Errorf("%s: %v, want a failure mentioning %q", tc.check, c, tc.hint)
			}
		})
	}
}

func TestDoctorOldBugsinkFails(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.bs.SetVersion("1.0.0")
	r := w.bsync(t, "doctor")
	if c := checks(r)["bugsink_version"]; r.code != exitFatal || c["status"] != "fail" || !strings.Contains(c["message"].(string), "2.2.1") {
		t.Errorf("exit %d, %v", r.code, c)
	}
}

func TestDoctorReadsTheVersionsBugsinkReports(t *testing.T) {
	cases := map[string]string{
		"2.5.1.dev49+g5b09ae57": "ok", // an image built from a commit
		"2.6.0rc1":              "ok",
		"0.0.0+unknown":         "warn", // built without version metadata
		"2.2.1.dev3":            "warn",
		"2.2.0":                 "fail",
	}
	for v, want := range cases {
		t.Run(v, func(t *testing.T) {
			w := newWorld(t)
			w.bs.SeedDemo(time.Now())
			w.bs.SetVersion(v)
			r := w.bsync(t, "doctor")
			c := checks(r)["bugsink_version"]
			if c["status"] != want || !strings.Contains(c["message"].(string), v) {
				t.Errorf("bugsink_version %v, want %s", c, want)
			}
			if wantCode := map[bool]int{true: exitFatal, false: exitOK}[want == "fail"]; r.code != wantCode {
				t.Errorf("exit %d, want %d", r.code, wantCode)
			}
		})
	}
}

func TestDoctorChecksTheLabelsOfTheProjectsBugsinkLists(t *testing.T) {
	w := newWorld(t)
	w.bs.AddProject("shop-frontend-dev", "Shop")
	w.bs.AddProject("shop-backend", "Shop API")
	w.env["BSYNC_EXCLUDE_PROJECTS"] = "shop-backend"
	w.gt.AddLabel("env:development", "6b7280")
	r := w.bsync(t, "doctor")
	c := checks(r)["gitea_labels"]
	msg, _ := c["message"].(string)
	// No BUGSINK_PROJECTS: the sync works on what Bugsink lists, less the
	// excluded project, so those labels are the ones to check.
	if c["status"] != "ok" || !strings.Contains(msg, "1 label(s) exist") || !strings.Contains(msg, "bug:frontend, source:bugsink") {
		t.Errorf("gitea_labels %v, want env:development found and bug:frontend, source:bugsink to create", c)
	}
	for _, other := range []string{"bug:backend", "env:test", "env:production", "bug:infrastructure"} {
		if strings.Contains(msg, other) {
			t.Errorf("gitea_labels names %s, which no listed project uses: %s", other, msg)
		}
	}
}

// TestDoctorShowsTheCodeOwnersFile: doctor names the CODEOWNERS file
// Gitea's rules find, the lines Gitea would skip, and the owners bsync
// cannot assign; with none it says issues get no assignees.
func TestDoctorShowsTheCodeOwnersFile(t *testing.T) {
	w := newWorld(t)
	w.bs.SeedDemo(time.Now())
	w.gt.Commit("", map[string]string{"src/a.ts": "x"})
	r := w.bsync(t, "doctor")
	cs := checks(r)
	if cs["gitea_codeowners"]["status"] != "warn" || !strings.Contains(cs["gitea_codeowners"]["message"].(string), "has no CODEOWNERS") {
		t.Errorf("gitea_codeowners without a file: %v", cs["gitea_codeowners"])
	}
	if cs["gitea_code"]["status"] != "ok" || !strings.Contains(cs["gitea_code"]["message"].(string), "holds 1 file(s)") {
		t.Errorf("gitea_code: %v", cs["gitea_code"])
	}

	w.gt.Commit("", map[string]string{".gitea/CODEOWNERS": "src/.* @wri @ghost @acme/web\nbad\n"})
	w.gt.AddUser("wri", "write")
	r = w.bsync(t, "doctor")
	cs = checks(r)
	msg := cs["gitea_codeowners"]["message"].(string)
	if cs["gitea_codeowners"]["status"] != "warn" || !strings.Contains(msg, ".gitea/CODEOWNERS on main: 1 rule(s)") ||
		!strings.Contains(msg, "line 2: incorrect format") {
		t.Errorf("gitea_codeowners: %v", cs["gitea_codeowners"])
	}
	msg = cs["gitea_assignees"]["message"].(string)
	if !strings.Contains(msg, "cannot be assigned in acme/app (no write access, or no such user): ghost") || !strings.Contains(msg, "teams (Gitea assigns users only): acme/web") {
		t.Errorf("gitea_assignees: %v", cs["gitea_assignees"])
	}
	if r.code != exitOK {
		t.Errorf("warnings failed doctor: exit %d", r.code)
	}
}
