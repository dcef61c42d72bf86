package syncer

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// Components are applications: shop-frontend and blog-frontend-test are
// two (one issue each), flyer-crawler-backend-staging is the backend in
// staging (its own environment, linked with production).
func TestLinkComponentsByApplication(t *testing.T) {
	e := newEnv(t)
	for _, s := range []string{"shop-frontend", "blog-frontend-test", "flyer-crawler-backend-staging", prodSlug} {
		e.bs.AddProject(s, s)
	}
	e.addError("shop-frontend", "boom", e.now.Add(-time.Hour))
	e.addError("blog-frontend-test", "boom", e.now.Add(-time.Hour))
	stag := e.addError("flyer-crawler-backend-staging", "boom", e.now.Add(-2*time.Hour))
	e.run(t, linkOpts)
	e.now = e.now.Add(3 * time.Hour)
	prod := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	rep := e.run(t, linkOpts)
	if n := len(e.gt.Issues()); n != 3 || rep.Linked != 1 {
		t.Fatalf("%d gitea issues, %d linked; want 3 and 1 (two applications apart, staging joined by production)", n, rep.Linked)
	}
	gi := sharedIssue(t, e, stag, prod)
	labels := e.gt.LabelNames(gi.Number)
	if !slices.Contains(labels, "env:staging") || !slices.Contains(labels, "env:production") {
		t.Errorf("labels %v, want env:staging and env:production", labels)
	}
	if n := len(e.gt.Comments(gi.Number)); n != 1 {
		t.Errorf("%d comments, want the one saying it reached production from staging", n)
	}
}

// Two projects of one run in one application and environment (api and
// api-prod are both production) are linked with no other: their rows
// would name one environment twice.
func TestLinkLeavesTwoProjectsOfOnePlaceApart(t *testing.T) {
	e := newEnv(t)
	for _, s := range []string{"api", "api-prod", "api-test"} {
		e.bs.AddProject(s, s)
	}
	for _, s := range []string{"api", "api-prod", "api-test"} {
		e.addError(s, "boom", e.now.Add(-time.Hour))
	}
	if rep := e.run(t, linkOpts); len(e.gt.Issues()) != 3 || rep.Linked != 0 {
		t.Fatalf("%d gitea issues, %d linked; want 3 apart", len(e.gt.Issues()), rep.Linked)
	}
}

// A slug BSYNC_COMPONENTS names that Bugsink does not know stops the run
// before anything is written, naming it.
func TestUnknownComponentSlugStopsTheRun(t *testing.T) {
	e := linkEnv(t)
	e.addError(testSlug, "boom", e.now)
	opts := linkOpts
	opts.Components = map[string]string{prodSlug: "backend", "flyer-crawler-backnd-test": "backend"}
	_, err := e.engine(opts).Run(t.Context())
	var up *UnknownProjectsError
	if !errors.As(err, &up) || !slices.Equal(up.Unknown, []string{"flyer-crawler-backnd-test"}) || up.Setting != "BSYNC_COMPONENTS" {
		t.Fatalf("run: %v, want the unknown component slug named", err)
	}
	if len(e.gt.Issues()) != 0 {
		t.Error("issues were created")
	}
}
