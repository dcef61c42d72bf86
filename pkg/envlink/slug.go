package envlink

import "strings"

// envWords maps a word of a project slug to the environment it names. A
// slug without one of these words is production.
var envWords = map[string]string{
	"test":        "test",
	"tests":       "test",
	"testing":     "test",
	"staging":     "staging",
	"dev":         "development",
	"development": "development",
	"qa":          "qa",
	"uat":         "uat",
	"prod":        Production,
	"production":  Production,
}

// SlugEnv is what a project slug says of where it runs.
type SlugEnv struct {
	// App is the slug with its environment word taken out, wherever it
	// stood ("flyer-crawler-test-infrastructure" → "flyer-crawler-infrastructure").
	App string
	// Env is the environment the word names, Production without one.
	Env string
	// Ambiguous is true when the slug has more than one environment word
	// ("qa-tools-staging"): Env is the last one's, and App is not known.
	Ambiguous bool
}

// ParseSlug splits a project slug into its application and environment.
// Words are the slug's parts between '-', '_' and '.', compared without
// case; the application is the other words, lower case, joined by '-'.
func ParseSlug(slug string) SlugEnv {
	type word struct{ start, end int }
	var words []word
	start := -1
	for i := 0; i <= len(slug); i++ {
		sep := i == len(slug) || slug[i] == '-' || slug[i] == '_' || slug[i] == '.'
		switch {
		case sep && start >= 0:
			words = append(words, word{start, i})
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	out := SlugEnv{Env: Production}
	var app []string
	found := false
	for _, w := range words {
		lower := strings.ToLower(slug[w.start:w.end])
		env, ok := envWords[lower]
		if !ok {
			app = append(app, lower)
			continue
		}
		out.Ambiguous = out.Ambiguous || found
		found, out.Env = true, env
	}
	if !out.Ambiguous {
		out.App = strings.Join(app, "-")
	}
	return out
}
