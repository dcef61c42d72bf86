package envlink

import (
	"regexp"
	"slices"
	"strings"
)

// reEnv is what an environment's name may be: it is written into hidden
// lines of the Gitea issue, which reindex reads back.
var reEnv = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// EnvPrefix starts the label that names a project's environment.
const EnvPrefix = "env:"

// Production is the environment whose first sight of a bug is news.
const Production = "production"

// Place is where a project belongs: its component and its environment.
type Place struct {
	Component string
	// Env is the environment's name: its label without EnvPrefix.
	Env string
}

// EnvLabel is the label of the place's environment.
func (p Place) EnvLabel() string { return EnvPrefix + p.Env }

// Placer finds a project's place from its labels, or from the configured
// components for the slugs they name.
type Placer struct {
	// Labels returns a project's labels (without the label every issue
	// carries, which Ignore names).
	Labels func(slug string) []string
	// Ignore are labels every project has (they say nothing of the
	// component).
	Ignore []string
	// Components maps a slug to its configured component; a slug it names
	// ignores the label rule.
	Components map[string]string
}

// Place returns a project's place; ok is false when the project is linked
// with no other: it has no env:* label or several, one whose name is not a
// plain word (letters, digits, ".", "_", "-"), or (by the label rule) no
// label but its env:* one.
//
// By the label rule, projects belong to one component when their labels
// differ only in the env:* label: bug:backend + env:test and bug:backend +
// env:production are the backend in two environments.
func (pl Placer) Place(slug string) (Place, bool) {
	var env string
	var rest []string
	for _, l := range pl.Labels(slug) {
		switch {
		case slices.Contains(pl.Ignore, l):
		case strings.HasPrefix(l, EnvPrefix):
			if env != "" || l == EnvPrefix {
				return Place{}, false
			}
			env = strings.TrimPrefix(l, EnvPrefix)
		default:
			if !slices.Contains(rest, l) {
				rest = append(rest, l)
			}
		}
	}
	if !reEnv.MatchString(env) {
		return Place{}, false
	}
	if c, ok := pl.Components[slug]; ok {
		return Place{Component: "component " + c, Env: env}, true
	}
	if len(rest) == 0 {
		return Place{}, false
	}
	slices.Sort(rest)
	return Place{Component: "labels " + strings.Join(rest, ","), Env: env}, true
}
