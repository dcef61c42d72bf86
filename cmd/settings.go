package cmd

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"bsync/pkg/codeindex"
	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

// setting is one configuration variable: everything bsync knows about it is
// in its entry of settings. The README's table, scripts/bsync.env.example
// and the flags' help are checked against (or made from) this table.
type setting struct {
	env   string // the variable's name
	def   string // default, in the variable's own syntax ("" = none)
	shown string // the default as the README shows it, when def does not say it well
	needs needs  // the variable is required by the commands that need these remotes
	help  string // what it means (the README's Meaning column)
	parse func(c *config, v string) error

	// flag, when set, overrides the variable on the command named by
	// flagOn ("" for every command).
	flag     string
	flagOn   string
	flagKind flagKind
	flagArg  string // the value's name in --help ("value" when unset)
	flagHelp string
}

// settings is every variable bsync reads, in the README's order.
var settings = []setting{
	{env: "BUGSINK_URL", needs: needBugsink, help: "Bugsink base URL (may include a sub-path), e.g. `https://bugsink.example.com`",
		parse: baseURL(func(c *config) *string { return &c.BugsinkURL })},
	{env: "BUGSINK_API_TOKEN", needs: needBugsink, help: "Bugsink API token: 40 lowercase hex characters (`bugsink-manage create_auth_token`)",
		parse: token(func(c *config) *secret { return &c.BugsinkToken }, reBugsinkToken, "Bugsink tokens are 40 lowercase hex characters")},
	{env: "GITEA_URL", needs: needGitea, help: "Gitea base URL",
		parse: baseURL(func(c *config) *string { return &c.GiteaURL })},
	{env: "GITEA_API_TOKEN", needs: needGitea, help: "Gitea access token with the scopes `write:issue` (issues, labels, comments) and `read:repository` (code links and owners; without it the report warns and issues carry neither); its user needs write access to the repository (else Gitea silently drops labels). Every run checks both first",
		parse: token(func(c *config) *secret { return &c.GiteaToken }, reNoSpace, "it contains white space")},
	{env: "GITEA_OWNER", needs: needGitea, help: "owner (user or organisation) of the repository that receives the issues",
		parse: repoName(func(c *config) *string { return &c.GiteaOwner })},
	{env: "GITEA_REPO", needs: needGitea, help: "the repository that receives the issues",
		parse: repoName(func(c *config) *string { return &c.GiteaRepo })},
	{env: "BUGSINK_SYNC_ENABLED", def: "false", help: "`true` (or `1`, `yes`, `on`, any case) lets `sync` work; unset, empty, `false`, `0`, `no` or `off` makes `sync` contact nothing and exit 0 (`--dry-run` still previews); any other value is a configuration error (exit 2)",
		parse: boolean(func(c *config) *bool { return &c.Enabled })},
	{env: "BUGSINK_SYNC_INTERVAL", def: "15", help: "minutes between cron runs (1–1440); `status` uses it for `next_run` and staleness",
		parse: minutes(func(c *config) *time.Duration { return &c.Interval })},
	{env: "REDIS_URL", def: "redis://127.0.0.1:6379", help: "the Redis holding the state; db 15 unless the URL names another (`/3` or `?db=3`)",
		parse: redisURL},
	{env: "BUGSINK_PROJECTS", shown: "all projects the token sees", help: "comma-separated project slugs to sync; an unknown slug is an error (exit 2), one named twice is synced once",
		flag: "project", flagOn: "sync", flagKind: listFlag, flagHelp: "sync only these Bugsink project slugs",
		parse: slugs(func(c *config) *[]string { return &c.Projects })},
	{env: "BUGSINK_PROJECT_LABELS", shown: "see below", help: "per-project labels: `slug=label,label;slug=label`",
		parse: projectLabels},
	{env: "BUGSINK_INCLUDE_MUTED", def: "false", help: "also sync muted issues",
		flag: "include-muted", flagOn: "sync", flagKind: boolFlag, flagHelp: "also sync muted issues",
		parse: boolean(func(c *config) *bool { return &c.IncludeMuted })},
	{env: "BSYNC_CONCURRENCY", def: "4", help: "issues worked on at once (1–32)",
		flag: "concurrency", flagArg: "n", flagOn: "sync", flagHelp: "issues worked on at once",
		parse: intIn(func(c *config) *int { return &c.Concurrency }, 1, 32)},
	{env: "BSYNC_TIMEOUT", def: "10m", help: "bound on a whole `sync` run",
		flag: "timeout", flagArg: "duration", flagOn: "sync", flagHelp: "bound the whole run",
		parse: duration(func(c *config) *time.Duration { return &c.Timeout })},
	{env: "BSYNC_WONTFIX_LABELS", def: "wontfix,won't fix,status:wontfix", help: "labels that keep a closed Gitea issue closed when its error comes back",
		parse: func(c *config, v string) error { c.WontFix = splitList(v, ","); return nil }},
	{env: "BSYNC_MAX_BODY_BYTES", def: "65536", help: "cap on an issue body (4096–16777216); the stack trace is shortened first",
		parse: intIn(func(c *config) *int { return &c.MaxBodyBytes }, 4096, 16<<20)},
	{env: "BSYNC_CODE_MAPPINGS", help: "explicit code mappings for the links from stack frames to files of the repository: `slug:stack-prefix=source-prefix`, `;`-separated, e.g. `flyer-crawler-backend:/srv/app/=src/`; a frame path of that project starting with the stack prefix is the file at the source prefix plus the rest, and nothing else; without one, a project earns its mappings from its own frames (see [Code links and owners](docs/code-links.md))",
		parse: codeMappings},
	{env: "BSYNC_ASSIGN", def: "codeowners", help: "`codeowners`: a new issue is assigned to the CODEOWNERS owners of its innermost frame linked through a code mapping (users Gitea lists as assignees only); `off`: no assignees. Set at creation only",
		parse: oneOf(func(c *config) *string { return &c.Assign }, "codeowners", "off")},
	{env: "BSYNC_BUGSINK_BACKLINK", def: "true", help: "after creating a Gitea issue, comment on the Bugsink issue with its link",
		flag: "no-backlink", flagOn: "sync", flagKind: negatedFlag, flagHelp: "do not comment on Bugsink issues with their Gitea link",
		parse: boolean(func(c *config) *bool { return &c.BackLink })},
	{env: "BSYNC_PENDING_GRACE", def: "2m", help: "how long a create interrupted mid-way protects its issue before it is tried again (see [Exactly once](docs/exactly-once.md))",
		parse: duration(func(c *config) *time.Duration { return &c.PendingGrace })},
	{env: "BSYNC_RESOLVE_IN_BUGSINK", def: "true", help: "resolve each synced issue in Bugsink (regressions are still noticed when off)",
		flag: "no-resolve", flagOn: "sync", flagKind: negatedFlag, flagHelp: "leave issues unresolved in Bugsink",
		parse: boolean(func(c *config) *bool { return &c.Resolve })},
	{env: "BSYNC_RESOLVE_MODE", def: "resolve", help: "how bsync resolves in Bugsink: `resolve`, or `next-release` (Bugsink 2.2.1+); what each costs is under [Regressions](docs/regressions.md)",
		parse: resolveMode},
	{env: "BSYNC_EXCLUDE_PROJECTS", help: "comma-separated slugs never synced",
		flag: "exclude-project", flagOn: "sync", flagKind: listFlag, flagHelp: "never sync these project slugs",
		parse: slugs(func(c *config) *[]string { return &c.ExcludeProjects })},
	{env: "BSYNC_MIN_OCCURRENCES", def: "0", help: "leave issues seen fewer times alone",
		flag: "min-occurrences", flagArg: "n", flagOn: "sync", flagHelp: "leave issues seen fewer times alone",
		parse: intIn(func(c *config) *int { return &c.MinOccurrences }, 0, 1<<31-1)},
	{env: "BSYNC_MIN_LEVEL", help: "leave issues less severe alone: fatal > error > warning > info > debug",
		flag: "min-level", flagArg: "level", flagOn: "sync", flagHelp: "leave issues less severe alone: fatal, error, warning, info, debug",
		parse: minLevel},
	{env: "BSYNC_MAX_AGE", help: "leave issues last seen longer ago alone, e.g. `72h` or `30d`",
		flag: "max-age", flagArg: "duration", flagOn: "sync", flagHelp: "leave issues last seen longer ago alone, e.g. 72h or 30d",
		parse: age(func(c *config) *time.Duration { return &c.MaxAge })},
	{env: "BSYNC_MAX_CREATE", def: "0", shown: "`0` (no cap)", help: "at most N new Gitea issues per run, the oldest first",
		flag: "max-create", flagArg: "n", flagOn: "sync", flagHelp: "create at most N Gitea issues this run, the oldest first; the rest wait (0: no cap)",
		parse: intIn(func(c *config) *int { return &c.MaxCreate }, 0, 1<<31-1)},
	{env: "BSYNC_FULL_SCAN_EVERY", def: "24h", help: "how often each project is listed in full rather than from its watermark, e.g. `24h` or `7d`; `0`: only when needed (see [What a run lists](docs/performance.md#what-a-run-lists); `sync --full` forces one)",
		parse: fullScanEvery},
	{env: "BSYNC_FIGURES_EVERY", def: "6h", help: "how often at most the occurrence figures of an open Gitea issue are rewritten while its error keeps recurring (each rewrite fires Gitea's issue-edited webhook), e.g. `6h` or `1d`; `0`: on every run (see [Regressions](docs/regressions.md))",
		parse: figuresEvery},
	{env: "BSYNC_LINK_ENVIRONMENTS", def: "true", help: "one Gitea issue per bug: the same error in the projects of one application (slugs equal once one environment word is taken out, other labels equal; or `BSYNC_COMPONENTS`) is one Gitea issue with a row per environment; `false` files each project's issues apart (see [Environments](docs/environments.md))",
		parse: boolean(func(c *config) *bool { return &c.LinkEnvironments })},
	{env: "BSYNC_COMPONENTS", help: "components for layouts the slug rule does not fit: `name=slug,slug;name=slug`; a slug named here is linked only with the others of its entry (each still needs one `env:*` label); a slug Bugsink does not know is a configuration error (exit 2)",
		parse: components},
	{env: "BSYNC_BUGSINK_CONCURRENCY", def: "6", help: "Bugsink calls in flight at once (1–32): event reads, resolves, back-links, leftover reads",
		parse: intIn(func(c *config) *int { return &c.BugsinkConcurrency }, 1, 32)},
	{env: "BSYNC_METRICS_FILE", help: "write the run's figures for node_exporter's textfile collector",
		flag: "metrics-file", flagArg: "path", flagOn: "sync", flagHelp: "write the run's figures for node_exporter's textfile collector",
		parse: func(c *config, v string) error { c.MetricsFile = v; return nil }},
	{env: "BSYNC_HEARTBEAT_URL", help: "cron-monitor URL pinged at start, on success and on failure (kept secret)",
		parse: heartbeatURL},
	{env: "BSYNC_LOG_LEVEL", def: "info", help: "log level on stderr: `debug`, `info`, `warn`, `error`",
		flag: "log-level", flagArg: "level", flagHelp: "log level on stderr: debug, info, warn, error",
		parse: oneOf(func(c *config) *string { return &c.LogLevel }, "debug", "info", "warn", "warning", "error")},
	{env: "BSYNC_LOG_FORMAT", def: "text", help: "log format on stderr: `text` or `json`",
		flag: "log-format", flagArg: "format", flagHelp: "log format on stderr: text or json",
		parse: oneOf(func(c *config) *string { return &c.LogFormat }, "text", "json")},
}

var (
	reBugsinkToken = regexp.MustCompile(`^[0-9a-f]{40}$`)
	reNoSpace      = regexp.MustCompile(`^\S+$`)
	reSlug         = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// The parsers below are the only ways a value becomes a config field. An
// error says what is wanted and never repeats a secret.

func baseURL(field func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error {
		v = strings.TrimRight(v, "/")
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("want http(s)://host[:port][/path]")
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return errors.New("it must not carry credentials, a query or a fragment")
		}
		*field(c) = v
		return nil
	}
}

func token(field func(*config) *secret, re *regexp.Regexp, want string) func(*config, string) error {
	return func(c *config, v string) error {
		if !re.MatchString(v) {
			return errors.New(want)
		}
		*field(c) = secret(v)
		return nil
	}
}

func repoName(field func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error {
		if strings.ContainsAny(v, "/ \t?#") {
			return errors.New("a single name without '/' or spaces")
		}
		*field(c) = v
		return nil
	}
}

// parseBool reads the values bsync accepts for a switch, in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, errors.New("true or false; also 1/0, yes/no, on/off")
}

func boolean(field func(*config) *bool) func(*config, string) error {
	return func(c *config, v string) error {
		b, err := parseBool(v)
		*field(c) = b
		return err
	}
}

func intIn(field func(*config) *int, lo, hi int) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			if hi == 1<<31-1 {
				return fmt.Errorf("a whole number, at least %d", lo)
			}
			return fmt.Errorf("a whole number from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

func minutes(field func(*config) *time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1440 {
			return errors.New("whole minutes from 1 to 1440")
		}
		*field(c) = time.Duration(n) * time.Minute
		return nil
	}
}

func duration(field func(*config) *time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("a positive duration such as 10m or 90s")
		}
		*field(c) = d
		return nil
	}
}

func age(field func(*config) *time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := parseAge(v)
		*field(c) = d
		return err
	}
}

// fullScanEvery reads BSYNC_FULL_SCAN_EVERY: an age, or 0 for full passes
// only when they are needed.
func fullScanEvery(c *config, v string) error {
	if v == "0" {
		c.FullScanEvery = 0
		return nil
	}
	d, err := parseAge(v)
	if err != nil {
		return errors.New("a duration such as 24h or 7d, or 0 for only when needed")
	}
	c.FullScanEvery = d
	return nil
}

// figuresEvery reads BSYNC_FIGURES_EVERY: an age, or 0 for every run.
func figuresEvery(c *config, v string) error {
	if v == "0" {
		c.FiguresEvery = syncer.FiguresEveryRun
		return nil
	}
	d, err := parseAge(v)
	if err != nil || d <= 0 {
		return errors.New("a duration such as 6h or 1d, or 0 for every run")
	}
	c.FiguresEvery = d
	return nil
}

// parseAge reads a Go duration, or whole days as "30d".
func parseAge(v string) (time.Duration, error) {
	bad := errors.New("a duration such as 72h or 30d")
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

func oneOf(field func(*config) *string, values ...string) func(*config, string) error {
	return func(c *config, v string) error {
		v = strings.ToLower(v)
		for _, ok := range values {
			if v == ok {
				*field(c) = v
				return nil
			}
		}
		return fmt.Errorf("one of %s", strings.Join(values, ", "))
	}
}

func slugs(field func(*config) *[]string) func(*config, string) error {
	return func(c *config, v string) error {
		var bad []string
		for _, s := range splitList(v, ",") {
			if !reSlug.MatchString(s) {
				bad = append(bad, strconv.Quote(s))
				continue
			}
			*field(c) = append(*field(c), s)
		}
		if len(bad) > 0 {
			return fmt.Errorf("malformed slug %s: lowercase letters, digits, - and _", strings.Join(bad, ", "))
		}
		return nil
	}
}

// keyedList is one "key=item,item" entry of a list setting.
type keyedList struct {
	key   string
	items []string
}

// keyedLists reads "key=item,item;key=item": each key a slug with at least
// one item. Malformed entries are problems, naming the form wanted.
func keyedLists(v, want string) (entries []keyedList, problems []string) {
	for _, entry := range splitList(v, ";") {
		key, list, ok := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		items := splitList(list, ",")
		if !ok || !reSlug.MatchString(key) || len(items) == 0 {
			problems = append(problems, fmt.Sprintf("entry %q: want %s", entry, want))
			continue
		}
		entries = append(entries, keyedList{key, items})
	}
	return entries, problems
}

func projectLabels(c *config, v string) error {
	c.ProjectLabels = map[string][]string{}
	entries, problems := keyedLists(v, "slug=label,label;slug=label")
	for _, e := range entries {
		for _, l := range e.items {
			if len(l) > 255 {
				problems = append(problems, fmt.Sprintf("label %q is longer than 255 bytes", l[:40]+"…"))
			}
		}
		c.ProjectLabels[e.key] = e.items
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// components reads BSYNC_COMPONENTS: name=slug,slug;name=slug. A slug may
// belong to one component only.
func components(c *config, v string) error {
	c.Components = map[string]string{}
	entries, problems := keyedLists(v, "name=slug,slug;name=slug")
	for _, e := range entries {
		for _, s := range e.items {
			switch other, dup := c.Components[s]; {
			case !reSlug.MatchString(s):
				problems = append(problems, fmt.Sprintf("malformed slug %q", s))
			case dup && other != e.key:
				problems = append(problems, fmt.Sprintf("slug %s is in components %s and %s", s, other, e.key))
			default:
				c.Components[s] = e.key
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func redisURL(c *config, v string) error {
	if _, err := syncstate.ParseURL(v); err != nil {
		return err
	}
	c.RedisURL = secret(v)
	return nil
}

func minLevel(c *config, v string) error {
	v = strings.ToLower(v)
	if !syncer.ValidLevel(v) {
		return errors.New("one of fatal, error, warning, info, debug")
	}
	c.MinLevel = v
	return nil
}

// codeMappings reads BSYNC_CODE_MAPPINGS.
func codeMappings(c *config, v string) error {
	m, err := codeindex.ParseMappings(v)
	if err != nil {
		return err
	}
	c.CodeMappings = m
	return nil
}

func resolveMode(c *config, v string) error {
	v = strings.ToLower(v)
	if !syncer.ValidResolveMode(v) {
		return fmt.Errorf("%s or %s", syncer.ResolvePlain, syncer.ResolveNextRelease)
	}
	c.ResolveMode = v
	return nil
}

func heartbeatURL(c *config, v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http(s) URL")
	}
	c.HeartbeatURL = secret(v)
	return nil
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
