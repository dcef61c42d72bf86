package cmd

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"bsync/pkg/codeindex"
)

// config is bsync's configuration, read from the environment, a .env file
// (the real environment wins) and the command's flags (the flags win). Every
// field is set by exactly one entry of settings (settings.go).
type config struct {
	BugsinkURL    string
	BugsinkToken  secret
	GiteaURL      string
	GiteaToken    secret
	GiteaOwner    string
	GiteaRepo     string
	Enabled       bool
	Interval      time.Duration
	RedisURL      secret // may carry a password
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
	// Code links and owners.
	CodeMappings []codeindex.Mapping
	Assign       string // "codeowners" or "off"
	// Noise control and monitoring.
	ExcludeProjects []string
	MinOccurrences  int
	MinLevel        string
	MaxAge          time.Duration
	MaxCreate       int
	FullScanEvery   time.Duration // 0: full passes only when needed
	FiguresEvery    time.Duration // syncer.FiguresEveryRun: on every run
	// LinkEnvironments files one Gitea issue per bug across the
	// environments of a component; Components names components for slugs
	// the label rule does not fit (slug → component).
	LinkEnvironments bool
	Components       map[string]string
	// BugsinkConcurrency bounds the Bugsink calls in flight.
	BugsinkConcurrency int
	MetricsFile        string
	HeartbeatURL       secret
	LogLevel           string
	LogFormat          string
}

// needs says which remotes a command talks to; the variables that describe
// a remote are required only by the commands that need it.
type needs uint8

const (
	needBugsink needs = 1 << iota
	needGitea
)

// configError lists every problem found in the configuration at once.
type configError struct{ problems []string }

func (e *configError) Error() string {
	return "configuration: " + strings.Join(e.problems, "; ")
}

// source is where a configuration value is looked up: the command's flags,
// then the real environment (a variable set to "" counts as set, as with
// godotenv's own loader), then the env file.
type source struct {
	lookup func(string) (string, bool)
	file   map[string]string
	flags  map[string]string // by variable name: values of flags the user set
}

// get returns a variable's raw value and where it came from (a flag's name
// or the variable's).
func (s source) get(st *setting) (string, string) {
	if v, ok := s.flags[st.env]; ok {
		return v, "--" + st.flag
	}
	if v, ok := s.lookup(st.env); ok {
		return v, st.env
	}
	return s.file[st.env], st.env
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

// loadConfig reads and validates the configuration for a command that
// talks to need. Every setting goes through the same steps (value, default,
// parse and range check, requirement); every problem is reported in one
// *configError. It makes no network call.
func loadConfig(src source, need needs) (*config, error) {
	c := &config{}
	var problems []string
	for i := range settings {
		st := &settings[i]
		raw, from := src.get(st)
		raw = strings.TrimSpace(raw)
		required := st.needs&need != 0
		if raw == "" {
			if required {
				problems = append(problems, st.env+" is not set")
				continue
			}
			raw = st.def
		}
		if raw == "" {
			continue
		}
		if err := st.parse(c, raw); err != nil {
			if st.needs != 0 && !required {
				continue // describes a remote this command does not use
			}
			problems = append(problems, fmt.Sprintf("%s is malformed (%v)", from, err))
		}
	}
	problems = append(problems, urlMistakes(c, need)...)
	if len(problems) > 0 {
		return nil, &configError{problems: problems}
	}
	return c, nil
}
