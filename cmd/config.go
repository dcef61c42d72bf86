package cmd

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

// Config is bsync's configuration, read from the environment and a .env
// file (the real environment wins).
type Config struct {
	BugsinkURL    string
	BugsinkToken  Secret
	GiteaURL      string
	GiteaToken    Secret
	GiteaOwner    string
	GiteaRepo     string
	Enabled       bool
	Interval      time.Duration
	RedisURL      Secret // may carry a password
	Projects      []string
	ProjectLabels map[string][]string
	IncludeMuted  bool
	BackLink      bool
	Resolve       bool
	ResolveMode   string // syncer.ResolvePlain or syncer.ResolveNextRelease
	Concurrency   int
	WontFix       []string
	MaxBodyBytes  int
	Timeout       time.Duration
	PendingGrace  time.Duration
	// Noise control and monitoring.
	ExcludeProjects []string
	MinOccurrences  int
	MinLevel        string
	MaxAge          time.Duration
	// FullScanEvery is how often each project is listed in full
	// (BSYNC_FULL_SCAN_EVERY; 0: only when needed).
	FullScanEvery time.Duration
	// BugsinkConcurrency bounds the Bugsink calls in flight
	// (BSYNC_BUGSINK_CONCURRENCY).
	BugsinkConcurrency int
	MaxCreate          int
	MetricsFile        string
	HeartbeatURL       Secret
	LogLevel           string
	LogFormat          string
}

// Needs says which parts of the configuration a command requires.
type Needs struct {
	Bugsink bool
	Gitea   bool
}

// Defaults.
const (
	DefaultRedisURL    = "redis://127.0.0.1:6379"
	DefaultInterval    = 15 * time.Minute
	DefaultTimeout     = 10 * time.Minute
	DefaultConcurrency = 4
)

// DefaultWontFix are the label names that keep a closed issue closed when
// its error comes back.
var DefaultWontFix = []string{"wontfix", "won't fix", "status:wontfix"}

// ConfigError lists every problem found in the configuration at once.
type ConfigError struct{ Problems []string }

// Error implements error.
func (e *ConfigError) Error() string {
	return "configuration: " + strings.Join(e.Problems, "; ")
}

// envSource merges a .env file under the real environment.
type envSource struct {
	getenv func(string) string
	file   map[string]string
}

func (s envSource) get(k string) string {
	if v := s.getenv(k); v != "" {
		return v
	}
	return s.file[k]
}

// readEnvFile reads path; a missing default file is fine, a missing file
// the user named is an error.
func readEnvFile(path string, named bool) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	m, err := godotenv.Read(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !named {
			return nil, nil
		}
		return nil, fmt.Errorf("read env file %s: %w", path, err)
	}
	return m, nil
}

var (
	reBugsinkToken = regexp.MustCompile(`^[0-9a-f]{40}$`)
	reSlug         = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// LoadConfig reads and validates the configuration for a command with the
// given needs. It reports every missing or malformed variable in one
// *ConfigError and makes no network call.
func LoadConfig(getenv func(string) string, envFile string, envFileNamed bool, needs Needs) (*Config, error) {
	file, err := readEnvFile(envFile, envFileNamed)
	if err != nil {
		return nil, &ConfigError{Problems: []string{err.Error()}}
	}
	src := envSource{getenv: getenv, file: file}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	c := &Config{
		BugsinkURL: strings.TrimRight(strings.TrimSpace(src.get("BUGSINK_URL")), "/"),
		GiteaURL:   strings.TrimRight(strings.TrimSpace(src.get("GITEA_URL")), "/"),
		GiteaOwner: strings.TrimSpace(src.get("GITEA_OWNER")),
		GiteaRepo:  strings.TrimSpace(src.get("GITEA_REPO")),
		LogLevel:   strings.ToLower(strings.TrimSpace(src.get("BSYNC_LOG_LEVEL"))),
		LogFormat:  strings.ToLower(strings.TrimSpace(src.get("BSYNC_LOG_FORMAT"))),
	}
	bugsinkToken := strings.TrimSpace(src.get("BUGSINK_API_TOKEN"))
	giteaToken := strings.TrimSpace(src.get("GITEA_API_TOKEN"))
	c.BugsinkToken, c.GiteaToken = Secret(bugsinkToken), Secret(giteaToken)

	if needs.Bugsink {
		checkURL("BUGSINK_URL", c.BugsinkURL, bad)
		switch {
		case bugsinkToken == "":
			bad("BUGSINK_API_TOKEN is not set")
		case !reBugsinkToken.MatchString(bugsinkToken):
			bad("BUGSINK_API_TOKEN is malformed (Bugsink tokens are 40 lowercase hex characters)")
		}
	}
	if needs.Gitea {
		checkURL("GITEA_URL", c.GiteaURL, bad)
		switch {
		case giteaToken == "":
			bad("GITEA_API_TOKEN is not set")
		case strings.ContainsAny(giteaToken, " \t\r\n"):
			bad("GITEA_API_TOKEN is malformed (it contains white space)")
		}
		for _, kv := range [][2]string{{"GITEA_OWNER", c.GiteaOwner}, {"GITEA_REPO", c.GiteaRepo}} {
			name, v := kv[0], kv[1]
			if v == "" {
				bad("%s is not set", name)
			} else if strings.ContainsAny(v, "/ \t?#") {
				bad("%s is malformed (a single name without '/' or spaces)", name)
			}
		}
	}

	if c.Enabled, err = parseBool(src.get("BUGSINK_SYNC_ENABLED"), false); err != nil {
		bad("BUGSINK_SYNC_ENABLED is malformed (want true or false)")
	}
	if c.IncludeMuted, err = parseBool(src.get("BUGSINK_INCLUDE_MUTED"), false); err != nil {
		bad("BUGSINK_INCLUDE_MUTED is malformed (want true or false)")
	}
	if c.BackLink, err = parseBool(src.get("BSYNC_BUGSINK_BACKLINK"), true); err != nil {
		bad("BSYNC_BUGSINK_BACKLINK is malformed (want true or false)")
	}
	if c.Resolve, err = parseBool(src.get("BSYNC_RESOLVE_IN_BUGSINK"), true); err != nil {
		bad("BSYNC_RESOLVE_IN_BUGSINK is malformed (want true or false)")
	}
	if c.ResolveMode = strings.TrimSpace(src.get("BSYNC_RESOLVE_MODE")); !syncer.ValidResolveMode(c.ResolveMode) {
		bad("BSYNC_RESOLVE_MODE is malformed (want resolve or next-release)")
	}
	c.Interval = DefaultInterval
	if v := strings.TrimSpace(src.get("BUGSINK_SYNC_INTERVAL")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1440 {
			bad("BUGSINK_SYNC_INTERVAL is malformed (whole minutes from 1 to 1440)")
		} else {
			c.Interval = time.Duration(n) * time.Minute
		}
	}
	redisURL := strings.TrimSpace(src.get("REDIS_URL"))
	if redisURL == "" {
		redisURL = DefaultRedisURL
	}
	if _, err := syncstate.ParseURL(redisURL); err != nil {
		bad("%v", err)
	}
	c.RedisURL = Secret(redisURL)

	for _, s := range splitList(src.get("BUGSINK_PROJECTS"), ",") {
		if !reSlug.MatchString(s) {
			bad("BUGSINK_PROJECTS has a malformed slug %q", s)
			continue
		}
		c.Projects = append(c.Projects, s)
	}
	c.ProjectLabels = map[string][]string{}
	for _, entry := range splitList(src.get("BUGSINK_PROJECT_LABELS"), ";") {
		slug, labels, ok := strings.Cut(entry, "=")
		slug = strings.TrimSpace(slug)
		ls := splitList(labels, ",")
		if !ok || !reSlug.MatchString(slug) || len(ls) == 0 {
			bad("BUGSINK_PROJECT_LABELS entry %q is malformed (want slug=label,label;slug=label)", entry)
			continue
		}
		for _, l := range ls {
			if len(l) > 255 {
				bad("BUGSINK_PROJECT_LABELS label %q is longer than 255 bytes", l[:40]+"…")
			}
		}
		c.ProjectLabels[slug] = ls
	}
	c.Concurrency = DefaultConcurrency
	if v := strings.TrimSpace(src.get("BSYNC_CONCURRENCY")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 32 {
			bad("BSYNC_CONCURRENCY is malformed (a whole number from 1 to 32)")
		} else {
			c.Concurrency = n
		}
	}
	c.WontFix = DefaultWontFix
	if v := src.get("BSYNC_WONTFIX_LABELS"); v != "" {
		c.WontFix = splitList(v, ",")
	}
	if v := strings.TrimSpace(src.get("BSYNC_MAX_BODY_BYTES")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 4096 || n > 16<<20 {
			bad("BSYNC_MAX_BODY_BYTES is malformed (bytes from 4096 to 16777216)")
		} else {
			c.MaxBodyBytes = n
		}
	}
	c.Timeout = DefaultTimeout
	if v := strings.TrimSpace(src.get("BSYNC_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("BSYNC_TIMEOUT is malformed (a duration such as 10m)")
		} else {
			c.Timeout = d
		}
	}
	if v := strings.TrimSpace(src.get("BSYNC_PENDING_GRACE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("BSYNC_PENDING_GRACE is malformed (a duration such as 2m)")
		} else {
			c.PendingGrace = d
		}
	}
	for _, s := range splitList(src.get("BSYNC_EXCLUDE_PROJECTS"), ",") {
		if !reSlug.MatchString(s) {
			bad("BSYNC_EXCLUDE_PROJECTS has a malformed slug %q", s)
			continue
		}
		c.ExcludeProjects = append(c.ExcludeProjects, s)
	}
	if v := strings.TrimSpace(src.get("BSYNC_MIN_OCCURRENCES")); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			bad("BSYNC_MIN_OCCURRENCES is malformed (a whole number, 0 for none)")
		} else {
			c.MinOccurrences = n
		}
	}
	if v := strings.ToLower(strings.TrimSpace(src.get("BSYNC_MIN_LEVEL"))); v != "" {
		if !syncer.ValidLevel(v) {
			bad("BSYNC_MIN_LEVEL is malformed (one of fatal, error, warning, info, debug)")
		} else {
			c.MinLevel = v
		}
	}
	if v := strings.TrimSpace(src.get("BSYNC_MAX_AGE")); v != "" {
		if d, err := parseAge(v); err != nil {
			bad("BSYNC_MAX_AGE is malformed (a duration such as 72h or 30d)")
		} else {
			c.MaxAge = d
		}
	}
	if v := strings.TrimSpace(src.get("BSYNC_MAX_CREATE")); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			bad("BSYNC_MAX_CREATE is malformed (a whole number, 0 for no cap)")
		} else {
			c.MaxCreate = n
		}
	}
	c.FullScanEvery = syncer.DefaultFullScanEvery
	if v := strings.TrimSpace(src.get("BSYNC_FULL_SCAN_EVERY")); v != "" {
		if d, err := parseAge(v); err != nil && v != "0" {
			bad("BSYNC_FULL_SCAN_EVERY is malformed (a duration such as 24h or 7d, 0 for only when needed)")
		} else {
			c.FullScanEvery = d
		}
	}
	c.BugsinkConcurrency = syncer.DefaultBugsinkConcurrency
	if v := strings.TrimSpace(src.get("BSYNC_BUGSINK_CONCURRENCY")); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 32 {
			bad("BSYNC_BUGSINK_CONCURRENCY is malformed (a whole number from 1 to 32)")
		} else {
			c.BugsinkConcurrency = n
		}
	}
	c.MetricsFile = strings.TrimSpace(src.get("BSYNC_METRICS_FILE"))
	if v := strings.TrimSpace(src.get("BSYNC_HEARTBEAT_URL")); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("BSYNC_HEARTBEAT_URL is malformed (want an http(s) URL)")
		} else {
			c.HeartbeatURL = Secret(v)
		}
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return c, nil
}

// parseAge reads a Go duration, or whole days as "30d".
func parseAge(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("bad days")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad duration")
	}
	return d, nil
}

func checkURL(name, v string, bad func(string, ...any)) {
	if v == "" {
		bad("%s is not set", name)
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("%s is malformed (want http(s)://host[:port][/path])", name)
		return
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		bad("%s must not carry credentials, a query or a fragment", name)
	}
}

func parseBool(v string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return def, nil
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean")
}

func splitList(v, sep string) []string {
	var out []string
	for _, p := range strings.Split(v, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
