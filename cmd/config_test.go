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

func envFunc(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

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
	cfg, err := LoadConfig(envFunc(validEnv()), "", false, Needs{Bugsink: true, Gitea: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BugsinkURL != "https://bugsink.example.com" || !cfg.Enabled || cfg.Interval != 15*time.Minute ||
		cfg.RedisURL.Reveal() != DefaultRedisURL || cfg.Concurrency != DefaultConcurrency {
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
	}
	_, err := LoadConfig(envFunc(env), "", false, Needs{Bugsink: true, Gitea: true})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"BUGSINK_URL is malformed", "BUGSINK_API_TOKEN is malformed", "GITEA_URL is not set",
		"GITEA_API_TOKEN is not set", "GITEA_OWNER is malformed", "GITEA_REPO is not set", "BUGSINK_SYNC_ENABLED is malformed",
		"BUGSINK_SYNC_INTERVAL is malformed", "REDIS_URL", "malformed slug \"Bad Slug\""} {
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
		needs  Needs
		errHas string
		check  func(*Config) bool
	}{
		{"redis db named", map[string]string{"REDIS_URL": "redis://h:1/3"}, Needs{}, "", func(c *Config) bool { return c.RedisURL.Reveal() == "redis://h:1/3" }},
		{"disabled when unset", map[string]string{"BUGSINK_SYNC_ENABLED": ""}, Needs{}, "", func(c *Config) bool { return !c.Enabled }},
		{"disabled when false", map[string]string{"BUGSINK_SYNC_ENABLED": "false"}, Needs{}, "", func(c *Config) bool { return !c.Enabled }},
		{"interval", map[string]string{"BUGSINK_SYNC_INTERVAL": "30"}, Needs{}, "", func(c *Config) bool { return c.Interval == 30*time.Minute }},
		{"project labels", map[string]string{"BUGSINK_PROJECT_LABELS": "a=x,y; b=z"}, Needs{}, "", func(c *Config) bool {
			return strings.Join(c.ProjectLabels["a"], ",") == "x,y" && c.ProjectLabels["b"][0] == "z"
		}},
		{"bad project labels", map[string]string{"BUGSINK_PROJECT_LABELS": "a"}, Needs{}, "BUGSINK_PROJECT_LABELS entry", nil},
		{"uppercase bugsink token", map[string]string{"BUGSINK_API_TOKEN": strings.Repeat("A", 40)}, Needs{Bugsink: true}, "BUGSINK_API_TOKEN is malformed", nil},
		{"url with credentials", map[string]string{"GITEA_URL": "https://u:p@gitea"}, Needs{Gitea: true}, "must not carry credentials", nil},
		{"concurrency", map[string]string{"BSYNC_CONCURRENCY": "99"}, Needs{}, "BSYNC_CONCURRENCY", nil},
		{"timeout", map[string]string{"BSYNC_TIMEOUT": "forever"}, Needs{}, "BSYNC_TIMEOUT", nil},
		{"thresholds", map[string]string{"BSYNC_MIN_OCCURRENCES": "3", "BSYNC_MIN_LEVEL": "Warning", "BSYNC_MAX_AGE": "30d", "BSYNC_MAX_CREATE": "50",
			"BSYNC_EXCLUDE_PROJECTS": "a,b"}, Needs{}, "", func(c *Config) bool {
			return c.MinOccurrences == 3 && c.MinLevel == "warning" && c.MaxAge == 30*24*time.Hour && c.MaxCreate == 50 && len(c.ExcludeProjects) == 2
		}},
		{"bad level", map[string]string{"BSYNC_MIN_LEVEL": "loud"}, Needs{}, "BSYNC_MIN_LEVEL", nil},
		{"bad age", map[string]string{"BSYNC_MAX_AGE": "soon"}, Needs{}, "BSYNC_MAX_AGE", nil},
		{"bad cap", map[string]string{"BSYNC_MAX_CREATE": "-1"}, Needs{}, "BSYNC_MAX_CREATE", nil},
		{"full scans by default", map[string]string{}, Needs{}, "", func(c *Config) bool {
			return c.FullScanEvery == syncer.DefaultFullScanEvery && c.BugsinkConcurrency == syncer.DefaultBugsinkConcurrency
		}},
		{"full scans", map[string]string{"BSYNC_FULL_SCAN_EVERY": "7d", "BSYNC_BUGSINK_CONCURRENCY": "2"}, Needs{}, "", func(c *Config) bool {
			return c.FullScanEvery == 7*24*time.Hour && c.BugsinkConcurrency == 2
		}},
		{"full scans only when needed", map[string]string{"BSYNC_FULL_SCAN_EVERY": "0"}, Needs{}, "", func(c *Config) bool { return c.FullScanEvery == 0 }},
		{"bad full scans", map[string]string{"BSYNC_FULL_SCAN_EVERY": "daily"}, Needs{}, "BSYNC_FULL_SCAN_EVERY", nil},
		{"bad bugsink concurrency", map[string]string{"BSYNC_BUGSINK_CONCURRENCY": "0"}, Needs{}, "BSYNC_BUGSINK_CONCURRENCY", nil},
		{"bad heartbeat", map[string]string{"BSYNC_HEARTBEAT_URL": "ftp://x"}, Needs{}, "BSYNC_HEARTBEAT_URL", nil},
		{"heartbeat kept secret", map[string]string{"BSYNC_HEARTBEAT_URL": "https://hc.example/abc"}, Needs{}, "", func(c *Config) bool {
			return c.HeartbeatURL.String() == "<redacted>" && c.HeartbeatURL.Reveal() == "https://hc.example/abc"
		}},
		{"redis-only commands need no API variables", map[string]string{"BUGSINK_URL": "", "GITEA_URL": ""}, Needs{}, "", func(c *Config) bool { return true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			for k, v := range tc.set {
				env[k] = v
			}
			cfg, err := LoadConfig(envFunc(env), "", false, tc.needs)
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
	os.WriteFile(path, []byte("GITEA_OWNER=from-file\nGITEA_REPO=repo-from-file\nBUGSINK_SYNC_INTERVAL=20\n"), 0o600)
	env := validEnv()
	delete(env, "GITEA_REPO")
	cfg, err := LoadConfig(envFunc(env), path, true, Needs{Gitea: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GiteaOwner != "acme" || cfg.GiteaRepo != "repo-from-file" || cfg.Interval != 20*time.Minute {
		t.Errorf("owner %q repo %q interval %v", cfg.GiteaOwner, cfg.GiteaRepo, cfg.Interval)
	}
	// The default .env may be absent; a file the user named may not.
	if _, err := LoadConfig(envFunc(env), filepath.Join(dir, "missing"), false, Needs{}); err != nil {
		t.Errorf("absent default env file: %v", err)
	}
	if _, err := LoadConfig(envFunc(env), filepath.Join(dir, "missing"), true, Needs{}); err == nil {
		t.Error("absent named env file accepted")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
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
