package syncer

import (
	"sort"

	"bsync/pkg/bugsink"
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
