package syncer

import (
	"slices"
	"sort"
	"strings"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
)

// The rules of one ticket per bug across environments, each a pure
// function of what the state, Gitea and Bugsink say (docs/environments.md).

// unknownComponentSlugs are the slugs BSYNC_COMPONENTS names that Bugsink
// does not know (sorted): a misspelt slug would split every bug of its
// component in two, so it is a configuration error, as an unknown slug in
// BUGSINK_PROJECTS is. Linking off, the setting is not used.
func unknownComponentSlugs(opts Options, known map[string]bugsink.Project) []string {
	if !opts.LinkEnvironments {
		return nil
	}
	var out []string
	for slug := range opts.Components {
		if _, ok := known[slug]; !ok {
			out = append(out, slug)
		}
	}
	sort.Strings(out)
	return out
}

// legacyComponent is the component the label rule of earlier versions
// gave a project: "labels " and its labels but the env:* one (and
// ignore), sorted; "" when that rule left it unlinked (no env:* label or
// several, or no other label). Bug ids hash the component, so a bug filed
// then has its id from this.
func legacyComponent(labels, ignore []string) string {
	envs := 0
	var rest []string
	for _, l := range labels {
		switch {
		case slices.Contains(ignore, l):
		case strings.HasPrefix(l, envlink.EnvPrefix):
			envs++
		case !slices.Contains(rest, l):
			rest = append(rest, l)
		}
	}
	if envs != 1 || len(rest) == 0 {
		return ""
	}
	slices.Sort(rest)
	return "labels " + strings.Join(rest, ",")
}

// legacyJoinable says whether a new issue of slug may join a bug filed
// under the label rule's id, whose recorded issues are of projects (""
// where the record does not say): only when every one is of slug's
// application, since that rule also merged applications that share a
// label (shop-frontend and blog-frontend-test).
func legacyJoinable(slug string, projects []string) (bool, string) {
	app := envlink.ParseSlug(slug)
	if app.Ambiguous || app.App == "" {
		return false, "the slug names no one application"
	}
	if len(projects) == 0 {
		return false, "no issue of the bug is recorded"
	}
	for _, p := range projects {
		if p == "" {
			return false, "a recorded issue of the bug names no project"
		}
		if q := envlink.ParseSlug(p); q.Ambiguous || q.App != app.App {
			return false, "project " + p + " is another application"
		}
	}
	return true, "every recorded issue of the bug is of application " + app.App
}
