package envlink

import "testing"

// labelsOf is the label table of the tests: the default derivation for
// the flyer-crawler slugs, configured labels for the rest.
var labelsOf = map[string][]string{
	"flyer-crawler-backend":             {"bug:backend", "env:production", "source:bugsink"},
	"flyer-crawler-backend-test":        {"source:bugsink", "env:test", "bug:backend"},
	"flyer-crawler-backend-staging":     {"bug:backend", "env:staging", "source:bugsink"},
	"flyer-crawler-frontend":            {"bug:frontend", "env:production", "source:bugsink"},
	"flyer-crawler-infrastructure":      {"bug:infrastructure", "env:production"},
	"flyer-crawler-test-infrastructure": {"bug:infrastructure", "env:test"},
	"shop-frontend":                     {"bug:frontend", "env:production"},
	"blog-frontend-test":                {"bug:frontend", "env:test"},
	"two-envs":                          {"bug:backend", "env:production", "env:test"},
	"no-env":                            {"bug:backend"},
	"qa-tools-staging":                  {"env:staging"},
	"shop":                              {"team:a", "env:production"},
	"shop-staging":                      {"team:b", "env:staging"},
	"payments":                          {"bug:backend", "env:production"},
	"payments-test":                     {"bug:backend", "team:pay", "env:test"},
	"api":                               {"env:production"},
	"api-prod":                          {"env:production"},
}

func testPlacer(projects ...string) Placer {
	return Placer{Labels: func(s string) []string { return labelsOf[s] }, Ignore: []string{"source:bugsink"},
		Components: map[string]string{"shop": "shop", "shop-staging": "shop"}, Projects: projects}
}

func TestPlaceLinksOneApplicationsEnvironments(t *testing.T) {
	pl := testPlacer()
	cases := []struct {
		a, b string
		same bool
		why  string
	}{
		{"flyer-crawler-backend", "flyer-crawler-backend-test", true, "the environment word at the end"},
		{"flyer-crawler-backend", "flyer-crawler-backend-staging", true, "staging is an environment of the backend"},
		{"flyer-crawler-infrastructure", "flyer-crawler-test-infrastructure", true, "the environment word in the middle"},
		{"flyer-crawler-backend", "flyer-crawler-frontend", false, "two components of one application"},
		{"shop-frontend", "blog-frontend-test", false, "two applications with the same component label"},
		{"payments", "payments-test", false, "labels other than env:* differ"},
		{"shop", "shop-staging", true, "BSYNC_COMPONENTS names them one component whatever their labels"},
	}
	for _, c := range cases {
		a, okA := pl.Place(c.a)
		b, okB := pl.Place(c.b)
		if !okA || !okB {
			t.Errorf("%s (%v) / %s (%v): want both placed (%s)", c.a, okA, c.b, okB, c.why)
			continue
		}
		if (a.Component == b.Component) != c.same {
			t.Errorf("%s %+v and %s %+v: same component %v, want %v (%s)", c.a, a, c.b, b, a.Component == b.Component, c.same, c.why)
		}
	}
	if p, _ := pl.Place("flyer-crawler-backend-staging"); p.Env != "staging" || p.EnvLabel() != "env:staging" {
		t.Errorf("staging placed as %+v, want its own environment", p)
	}
}

func TestPlaceLeavesAmbiguousProjectsAlone(t *testing.T) {
	pl := testPlacer("api", "api-prod", "flyer-crawler-backend")
	for _, s := range []string{
		"two-envs",         // two env:* labels
		"no-env",           // no env:* label
		"qa-tools-staging", // two environment words: which one is the application's?
		"api", "api-prod",  // one application, both production: rows would say production twice
	} {
		if p, ok := pl.Place(s); ok {
			t.Errorf("%s placed at %+v, want not linked", s, p)
		}
	}
	if _, ok := pl.Place("flyer-crawler-backend"); !ok {
		t.Error("a project alone in its place is not linked")
	}
}

func TestParseSlug(t *testing.T) {
	cases := map[string]SlugEnv{
		"flyer-crawler-backend":             {App: "flyer-crawler-backend", Env: "production"},
		"flyer-crawler-backend-test":        {App: "flyer-crawler-backend", Env: "test"},
		"flyer-crawler-test-infrastructure": {App: "flyer-crawler-infrastructure", Env: "test"},
		"Shop_Web.Staging":                  {App: "shop-web", Env: "staging"},
		"api-dev":                           {App: "api", Env: "development"},
		"api-development":                   {App: "api", Env: "development"},
		"api-qa":                            {App: "api", Env: "qa"},
		"api-uat":                           {App: "api", Env: "uat"},
		"api-prod":                          {App: "api", Env: "production"},
		"product-api":                       {App: "product-api", Env: "production"},
		"contest-api":                       {App: "contest-api", Env: "production"},
		"qa-tools-staging":                  {Env: "staging", Ambiguous: true},
		"test":                              {App: "", Env: "test"},
	}
	for slug, want := range cases {
		if got := ParseSlug(slug); got != want {
			t.Errorf("ParseSlug(%q) = %+v, want %+v", slug, got, want)
		}
	}
}

func TestGenericTemplate(t *testing.T) {
	for v, want := range map[string]bool{
		"%s": true, "%s: %s": true, "{}": true, "{0} - {1}": true, "%(msg)s": true, "%-5.2f %r": true, "%o": true,
		"": true, "Error: %s": false, "Failed to fetch %s": false, "user {id} not found": false, "%s 42": false,
		"payment failed": false,
	} {
		if got := GenericTemplate(v); got != want {
			t.Errorf("GenericTemplate(%q) = %v, want %v", v, got, want)
		}
	}
}
