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

// Placer finds a project's place: its environment from its env:* label,
// its component from the configured components for the slugs they name,
// else from its slug and labels.
type Placer struct {
	// Labels returns a project's labels (without the label every issue
	// carries, which Ignore names).
	Labels func(slug string) []string
	// Ignore are labels every project has (they say nothing of the
	// component).
	Ignore []string
	// Components maps a slug to its configured component; a slug it names
	// ignores the slug rule.
	Components map[string]string
	// Projects are the slugs of the run. Two of them in one component and
	// one environment are not linked with any other (their rows would be
	// one environment twice); nil skips the check.
	Projects []string
}

// Place returns a project's place; ok is false when the project is linked
// with no other: it has no env:* label or several, or one whose name is not
// a plain word (letters, digits, ".", "_", "-"); its slug has more than one
// environment word and no configured component; or another project of the
// run has the same place.
//
// By the slug rule, projects belong to one component when their slugs are
// equal after taking out one environment word (ParseSlug) and their other
// labels are equal: flyer-crawler-backend-test and flyer-crawler-backend
// are the backend in test and in production; shop-frontend and
// blog-frontend-test are two applications.
func (pl Placer) Place(slug string) (Place, bool) {
	p, ok := pl.place(slug)
	if !ok {
		return Place{}, false
	}
	for _, other := range pl.Projects {
		if other == slug {
			continue
		}
		if q, ok := pl.place(other); ok && q == p {
			return Place{}, false
		}
	}
	return p, true
}

// place is Place without the check against the run's other projects.
func (pl Placer) place(slug string) (Place, bool) {
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
	se := ParseSlug(slug)
	if se.Ambiguous || se.App == "" {
		return Place{}, false
	}
	slices.Sort(rest)
	return Place{Component: "app " + se.App + "\x00" + strings.Join(rest, ","), Env: env}, true
}
