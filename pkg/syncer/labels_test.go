package syncer

import (
	"strings"
	"testing"
)

func TestLabelsForSlug(t *testing.T) {
	cases := map[string]string{
		"shop-frontend":         "bug:frontend,env:production",
		"shop-backend-test":     "bug:backend,env:test",
		"shop-infra-dev":        "bug:infrastructure,env:development",
		"billing":               "env:production",
		"latest-frontend":       "bug:frontend,env:production", // "latest" is not the word "test"
		"Payments_Backend_Test": "bug:backend,env:test",
		// One environment word, wherever it stands, names the environment.
		"flyer-crawler-backend-staging":     "bug:backend,env:staging",
		"flyer-crawler-test-infrastructure": "bug:infrastructure,env:test",
		"api-qa":                            "env:qa",
		"api-uat":                           "env:uat",
		"shop-frontend-prod":                "bug:frontend,env:production",
	}
	for slug, want := range cases {
		if got := strings.Join(LabelsForSlug(slug), ","); got != want {
			t.Errorf("LabelsForSlug(%q) = %s, want %s", slug, got, want)
		}
	}
}

func TestDefaultTableCoversTheSixSeedProjects(t *testing.T) {
	e := &Engine{}
	cases := map[string]string{
		"flyer-crawler-backend":             "bug:backend,env:production,source:bugsink",
		"flyer-crawler-backend-test":        "bug:backend,env:test,source:bugsink",
		"flyer-crawler-frontend":            "bug:frontend,env:production,source:bugsink",
		"flyer-crawler-frontend-test":       "bug:frontend,env:test,source:bugsink",
		"flyer-crawler-infrastructure":      "bug:infrastructure,env:production,source:bugsink",
		"flyer-crawler-test-infrastructure": "bug:infrastructure,env:test,source:bugsink",
	}
	for slug, want := range cases {
		if got := strings.Join(e.labelsFor(slug), ","); got != want {
			t.Errorf("%s → %s, want %s", slug, got, want)
		}
	}
	e.Opts.ProjectLabels = map[string][]string{"flyer-crawler-backend": {"team:core", "source:bugsink"}}
	if got := strings.Join(e.labelsFor("flyer-crawler-backend"), ","); got != "team:core,source:bugsink" {
		t.Errorf("override → %s", got)
	}
}

// Every environment a slug can name gets a colour of its own.
func TestEnvironmentLabelsHaveColours(t *testing.T) {
	for _, slug := range []string{"a-test", "a-staging", "a-dev", "a-qa", "a-uat", "a-prod"} {
		l := LabelsForSlug(slug)
		if _, ok := LabelColors[l[len(l)-1]]; !ok {
			t.Errorf("%s: label %s has no colour", slug, l[len(l)-1])
		}
	}
}
