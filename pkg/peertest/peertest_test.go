package peertest

import (
	"strconv"
	"strings"
	"testing"
)

// TestRealPeers checks the plumbing itself: a fresh account can create an
// issue in its own repository with its scoped token, and an event stored in
// a fresh project becomes an unresolved Bugsink issue at once.
func TestRealPeers(t *testing.T) {
	g := GiteaServer(t)
	b := BugsinkServer(t)

	a := g.NewAccount(t)
	r := g.API(t, "POST", "/repos/"+a.Login+"/"+a.Repo+"/issues", a.Token, map[string]any{"title": "plumbing"})
	if r.Status != 201 {
		t.Fatalf("create issue with the account's token: %d %s", r.Status, r.Body)
	}

	w := g.NewUser(t, BsyncScopes...)
	g.AddCollaborator(t, a, w.Login)
	if r := g.API(t, "POST", "/repos/"+a.Login+"/"+a.Repo+"/issues", w.Token, map[string]any{"title": "by a collaborator"}); r.Status != 201 {
		t.Fatalf("a collaborator with write access cannot create an issue: %d %s", r.Status, r.Body)
	}

	p := b.NewProject(t, "plumbing")
	b.Store(t, p, map[string]any{"platform": "python", "level": "error",
		"exception": map[string]any{"values": []any{map[string]any{"type": "ValueError", "value": "by store"}}}})
	b.Envelope(t, p, map[string]any{"platform": "python", "level": "error",
		"exception": map[string]any{"values": []any{map[string]any{"type": "KeyError", "value": "by envelope"}}}})
	var page struct {
		Results []struct {
			IsResolved bool   `json:"is_resolved"`
			Type       string `json:"calculated_type"`
		} `json:"results"`
	}
	l := b.API(t, "GET", "/issues/?project="+strconv.Itoa(p.ID), nil)
	l.JSON(t, &page)
	if len(page.Results) != 2 {
		t.Fatalf("project %s has %d issues after two events of two types, want 2: %s", p.Slug, len(page.Results), l.Body)
	}
	// The development server serves the same installation.
	dev := BugsinkDevServer(t)
	if r := dev.API(t, "GET", "/issues/?project="+strconv.Itoa(p.ID), nil); r.Status != 200 || !strings.Contains(string(r.Body), "KeyError") {
		t.Errorf("the development server does not list the project's issues: %d %s", r.Status, r.Body)
	}
	for _, is := range page.Results {
		if is.IsResolved {
			t.Errorf("a new issue (%s) is resolved", is.Type)
		}
	}
}
