package peertest

import (
	"net/url"
	"testing"
)

// Gitea is a real Gitea server and a site admin's all-scopes token.
type Gitea struct {
	URL        string
	AdminToken string
}

// GiteaServer returns the real Gitea named by BSYNC_TEST_GITEA_URL and
// BSYNC_TEST_GITEA_ADMIN_TOKEN, or skips the test (fails it under CI=true).
func GiteaServer(tb testing.TB) *Gitea {
	tb.Helper()
	v := need(tb, EnvGiteaURL, EnvGiteaAdminToken)
	return &Gitea{URL: v[0], AdminToken: v[1]}
}

// BsyncScopes are the scopes the README asks of bsync's Gitea token.
var BsyncScopes = []string{"write:issue", "write:repository", "read:user"}

// User is a Gitea user made for one test, with a token of the scopes asked.
type User struct {
	Login    string
	Password string
	Token    string
}

// Account is a fresh Gitea user owning a fresh repository, with a token
// scoped as bsync's: what bsync's GITEA_OWNER, GITEA_REPO and
// GITEA_API_TOKEN name.
type Account struct {
	User
	Repo string
}

// API sends a request to the Gitea API (path after /api/v1) with token.
func (g *Gitea) API(tb testing.TB, method, path, token string, body any) *Response {
	tb.Helper()
	h := map[string]string{"Accept": "application/json"}
	if token != "" {
		h["Authorization"] = "token " + token
	}
	return Send(tb, Request{Method: method, URL: g.URL + "/api/v1" + path, Header: h, Body: body})
}

// NewUser creates a user with a token of the given scopes.
func (g *Gitea) NewUser(tb testing.TB, scopes ...string) User {
	tb.Helper()
	u := User{Login: UniqueName("u"), Password: "Peer-pass-" + runID + "-x"}
	r := g.API(tb, "POST", "/admin/users", g.AdminToken, map[string]any{
		"username": u.Login, "email": u.Login + "@example.com", "password": u.Password,
		"must_change_password": false,
	})
	expect(tb, "create user "+u.Login, r, 201)
	// Tokens are created with the user's own password (basic auth) only.
	tr := Send(tb, Request{Method: "POST",
		URL:    g.URL + "/api/v1/users/" + url.PathEscape(u.Login) + "/tokens",
		Header: map[string]string{"Authorization": basicAuth(u.Login, u.Password)},
		Body:   map[string]any{"name": "t-" + UniqueName("tok"), "scopes": scopes},
	})
	expect(tb, "create token for "+u.Login, tr, 201)
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	tr.JSON(tb, &tok)
	u.Token = tok.SHA1
	return u
}

// NewAccount creates a user with bsync's scopes and a repository it owns
// (initialised with a README, so it has a default branch).
func (g *Gitea) NewAccount(tb testing.TB) *Account {
	tb.Helper()
	a := &Account{User: g.NewUser(tb, BsyncScopes...), Repo: UniqueName("errors")}
	r := g.API(tb, "POST", "/admin/users/"+url.PathEscape(a.Login)+"/repos", g.AdminToken, map[string]any{
		"name": a.Repo, "auto_init": true, "default_branch": "main",
	})
	expect(tb, "create repository "+a.Login+"/"+a.Repo, r, 201)
	return a
}

// AddCollaborator gives user write access to the account's repository.
func (g *Gitea) AddCollaborator(tb testing.TB, a *Account, login string) {
	tb.Helper()
	r := g.API(tb, "PUT", "/repos/"+a.Login+"/"+a.Repo+"/collaborators/"+url.PathEscape(login), g.AdminToken,
		map[string]any{"permission": "write"})
	expect(tb, "add collaborator "+login, r, 204)
}
