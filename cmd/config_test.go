package cmd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bsync/pkg/syncer"
)

func envFunc(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// load is loadConfig over env alone.
func load(env map[string]string, need needs) (*config, error) {
	return loadConfig(source{lookup: envFunc(env)}, need)
}

func validEnv() map[string]string {
	return map[string]string{
		"BUGSINK_URL":          "https://bugsink.example.com/",
		"BUGSINK_API_TOKEN":    strings.Repeat("a1", 20),
		"GITEA_URL":            "https://gitea.example.com",
		"GITEA_API_TOKEN":      "0123456789abcdef0123456789abcdef01234567",
		"GITEA_OWNER":          "acme",
		"GITEA_REPO":           "app",
		"BUGSINK_SYNC_ENABLED": "true",
	}
}

func TestLoadConfigValid(t *testing.T) {
	cfg, err := load(validEnv(), needBugsink|needGitea)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BugsinkURL != "https://bugsink.example.com" || !cfg.Enabled || cfg.Interval != 15*time.Minute ||
		cfg.RedisURL.reveal() != "redis://127.0.0.1:6379" || cfg.Concurrency != 4 || cfg.LogLevel != "info" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestLoadConfigReportsEveryProblemAtOnce(t *testing.T) {
	env := map[string]string{
		"BUGSINK_URL":           "ftp://x",
		"BUGSINK_API_TOKEN":     "Bearer abc",
		"GITEA_OWNER":           "acme/app",
		"BUGSINK_SYNC_ENABLED":  "ture",
		"BUGSINK_SYNC_INTERVAL": "0",
		"REDIS_URL":             "http://nope",
		"BUGSINK_PROJECTS":      "ok-slug,Bad Slug",
		"BSYNC_LOG_LEVEL":       "loud",
	}
	_, err := load(env, needBugsink|needGitea)
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"BUGSINK_URL is malformed", "BUGSINK_API_TOKEN is malformed", "GITEA_URL is not set",
		"GITEA_API_TOKEN is not set", "GITEA_OWNER is malformed", "GITEA_REPO is not set", "BUGSINK_SYNC_ENABLED is malformed",
		"BUGSINK_SYNC_INTERVAL is malformed", "REDIS_URL", "malformed slug \"Bad Slug\"", "BSYNC_LOG_LEVEL is malformed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "Bearer abc") {
		t.Error("error repeats the token")
	}
}

func TestLoadConfigTable(t *testing.T) {
	cases := []struct {
		name   string
		set    map[string]string
		need   needs
		errHas string
		check  func(*config) bool
	}{
		{"redis db named", map[string]string{"REDIS_URL": "redis://h:1/3"}, 0, "", func(c *config) bool { return c.RedisURL.reveal() == "redis://h:1/3" }},
		{"disabled when unset", map[string]string{"BUGSINK_SYNC_ENABLED": ""}, 0, "", func(c *config) bool { return !c.Enabled }},
		{"disabled when false", map[string]string{"BUGSINK_SYNC_ENABLED": "false"}, 0, "", func(c *config) bool { return !c.Enabled }},
		{"interval", map[string]string{"BUGSINK_SYNC_INTERVAL": "30"}, 0, "", func(c *config) bool { return c.Interval == 30*time.Minute }},
		{"project labels", map[string]string{"BUGSINK_PROJECT_LABELS": "a=x,y; b=z"}, 0, "", func(c *config) bool {
			return strings.Join(c.ProjectLabels["a"], ",") == "x,y" && c.ProjectLabels["b"][0] == "z"
		}},
		{"bad project labels", map[string]string{"BUGSINK_PROJECT_LABELS": "a"}, 0, "BUGSINK_PROJECT_LABELS is malformed (entry", nil},
		{"uppercase bugsink token", map[string]string{"BUGSINK_API_TOKEN": strings.Repeat("A", 40)}, needBugsink, "BUGSINK_API_TOKEN is malformed", nil},
		{"url with credentials", map[string]string{"GITEA_URL": "https://u:p@gitea"}, needGitea, "must not carry credentials", nil},
		{"concurrency", map[string]string{"BSYNC_CONCURRENCY": "99"}, 0, "BSYNC_CONCURRENCY", nil},
		{"timeout", map[string]string{"BSYNC_TIMEOUT": "forever"}, 0, "BSYNC_TIMEOUT", nil},
		{"thresholds", map[string]string{"BSYNC_MIN_OCCURRENCES": "3", "BSYNC_MIN_LEVEL": "Warning", "BSYNC_MAX_AGE": "30d", "BSYNC_MAX_CREATE": "50",
			"BSYNC_EXCLUDE_PROJECTS": "a,b"}, 0, "", func(c *config) bool {
			return c.MinOccurrences == 3 && c.MinLevel == "warning" && c.MaxAge == 30*24*time.Hour && c.MaxCreate == 50 && len(c.ExcludeProjects) == 2
		}},
		{"bad level", map[string]string{"BSYNC_MIN_LEVEL": "loud"}, 0, "BSYNC_MIN_LEVEL", nil},
		{"bad age", map[string]string{"BSYNC_MAX_AGE": "soon"}, 0, "BSYNC_MAX_AGE", nil},
		{"bad cap", map[string]string{"BSYNC_MAX_CREATE": "-1"}, 0, "BSYNC_MAX_CREATE", nil},
		{"full scans by default", map[string]string{}, 0, "", func(c *config) bool {
			return c.FullScanEvery == syncer.DefaultFullScanEvery && c.BugsinkConcurrency == syncer.DefaultBugsinkConcurrency
		}},
		{"full scans", map[string]string{"BSYNC_FULL_SCAN_EVERY": "7d", "BSYNC_BUGSINK_CONCURRENCY": "2"}, 0, "", func(c *config) bool {
			return c.FullScanEvery == 7*24*time.Hour && c.BugsinkConcurrency == 2
		}},
		{"full scans only when needed", map[string]string{"BSYNC_FULL_SCAN_EVERY": "0"}, 0, "", func(c *config) bool { return c.FullScanEvery == 0 }},
		{"bad full scans", map[string]string{"BSYNC_FULL_SCAN_EVERY": "daily"}, 0, "BSYNC_FULL_SCAN_EVERY", nil},
		{"figures every six hours by default", map[string]string{}, 0, "", func(c *config) bool { return c.FiguresEvery == syncer.DefaultFiguresEvery }},
		{"figures every day", map[string]string{"BSYNC_FIGURES_EVERY": "1d"}, 0, "", func(c *config) bool { return c.FiguresEvery == 24*time.Hour }},
		{"figures on every run", map[string]string{"BSYNC_FIGURES_EVERY": "0"}, 0, "", func(c *config) bool { return c.FiguresEvery == syncer.FiguresEveryRun }},
		{"bad figures interval", map[string]string{"BSYNC_FIGURES_EVERY": "-1h"}, 0, "BSYNC_FIGURES_EVERY", nil},
		{"environments linked by default", map[string]string{}, 0, "", func(c *config) bool { return c.LinkEnvironments && len(c.Components) == 0 }},
		{"environments apart", map[string]string{"BSYNC_LINK_ENVIRONMENTS": "false"}, 0, "", func(c *config) bool { return !c.LinkEnvironments }},
		{"components", map[string]string{"BSYNC_COMPONENTS": "shop=web,web-staging; api=api"}, 0, "", func(c *config) bool {
			return c.Components["web"] == "shop" && c.Components["web-staging"] == "shop" && c.Components["api"] == "api" && len(c.Components) == 3
		}},
		{"a slug in two components", map[string]string{"BSYNC_COMPONENTS": "a=x,y;b=y"}, 0, "slug y is in components a and b", nil},
		{"bad components", map[string]string{"BSYNC_COMPONENTS": "shop"}, 0, "BSYNC_COMPONENTS is malformed (entry", nil},
		{"bad bugsink concurrency", map[string]string{"BSYNC_BUGSINK_CONCURRENCY": "0"}, 0, "BSYNC_BUGSINK_CONCURRENCY", nil},
		{"bad heartbeat", map[string]string{"BSYNC_HEARTBEAT_URL": "ftp://x"}, 0, "BSYNC_HEARTBEAT_URL", nil},
		{"heartbeat kept secret", map[string]string{"BSYNC_HEARTBEAT_URL": "https://hc.example/abc"}, 0, "", func(c *config) bool {
			return c.HeartbeatURL.String() == "<redacted>" && c.HeartbeatURL.reveal() == "https://hc.example/abc"
		}},
		{"redis-only commands need no API variables", map[string]string{"BUGSINK_URL": "", "GITEA_URL": ""}, 0, "", func(c *config) bool { return true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			for k, v := range tc.set {
				env[k] = v
			}
			cfg, err := load(env, tc.need)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cfg) {
				t.Errorf("cfg = %+v", cfg)
			}
		})
	}
}

func TestEnvFileIsReadAndTheRealEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bsync.env")
	os.WriteFile(path, []byte("GITEA_OWNER=from-file\nGITEA_REPO=repo-from-file\nBUGSINK_SYNC_INTERVAL=20\nBSYNC_MAX_CREATE=7\n"), 0o600)
	env := validEnv()
	delete(env, "GITEA_REPO")
	env["BSYNC_MAX_CREATE"] = "" // set but empty: wins over the file, as with godotenv.Load
	a := testApp(env, nil, nil)
	a.envFile, a.envNamed = path, true
	a.flags = map[string]string{}
	cfg, err := a.config(needGitea)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GiteaOwner != "acme" || cfg.GiteaRepo != "repo-from-file" || cfg.Interval != 20*time.Minute || cfg.MaxCreate != 0 {
		t.Errorf("owner %q repo %q interval %v max create %d", cfg.GiteaOwner, cfg.GiteaRepo, cfg.Interval, cfg.MaxCreate)
	}
	// The default .env may be absent; a file the user named may not.
	a.envFile, a.envNamed = filepath.Join(dir, "missing"), false
	if _, err := a.config(0); err != nil {
		t.Errorf("absent default env file: %v", err)
	}
	a.envNamed = true
	if _, err := a.config(0); err == nil {
		t.Error("absent named env file accepted")
	}
}

func TestFlagsGoThroughTheVariablesParser(t *testing.T) {
	env := validEnv()
	env["BSYNC_MAX_AGE"] = "soon" // overridden by the flag, so not an error
	cfg, err := loadConfig(source{lookup: envFunc(env), flags: map[string]string{"BSYNC_MAX_AGE": "30d", "BSYNC_RESOLVE_IN_BUGSINK": "false"}}, 0)
	if err != nil || cfg.MaxAge != 30*24*time.Hour || cfg.Resolve {
		t.Fatalf("cfg %+v, err %v", cfg, err)
	}
	_, err = loadConfig(source{lookup: envFunc(env), flags: map[string]string{"BSYNC_MIN_LEVEL": "loud", "BSYNC_CONCURRENCY": "0"}}, 0)
	for _, want := range []string{"--min-level is malformed", "--concurrency is malformed", "BSYNC_MAX_AGE is malformed"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestSyncEnabledValues(t *testing.T) {
	for v, want := range map[string]bool{"": false, "true": true, "TRUE": true, "1": true, "yes": true, "On": true,
		"false": false, "0": false, "no": false, "OFF": false} {
		env := validEnv()
		env["BUGSINK_SYNC_ENABLED"] = v
		cfg, err := load(env, 0)
		if err != nil || cfg.Enabled != want {
			t.Errorf("%q: enabled %v, err %v; want %v", v, cfg != nil && cfg.Enabled, err, want)
		}
	}
	for _, v := range []string{"maybe", "ture", "2"} {
		env := validEnv()
		env["BUGSINK_SYNC_ENABLED"] = v
		if _, err := load(env, 0); err == nil || !strings.Contains(err.Error(), "BUGSINK_SYNC_ENABLED is malformed") {
			t.Errorf("%q: err %v, want a configuration error", v, err)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := secret("hunter2")
	for _, out := range []string{s.String(), s.GoString(), string(must(s.MarshalJSON()))} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret printed: %s", out)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
