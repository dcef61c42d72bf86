package giteatest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/peertest"
)

// The contract tests hold the fake to a real Gitea: each request bsync
// makes (and each quirk a client meets) is sent to both, brought into the
// same state first, and the answers must agree in status, media type, JSON
// shape, ordering and error text, except for the deliberate differences
// the package comment lists. They run under scripts/test-real.sh.

type giteaPair struct {
	*peertest.Pair
	real *peertest.Gitea
	acct *peertest.Account
	fake *giteatest.Server
}

// newGiteaPair makes a fresh user and repository on the real Gitea (the
// token scoped as bsync's) and a fake serving the same owner/repo; {repo}
// is the repository's path on both.
func newGiteaPair(t *testing.T, opts ...giteatest.Option) *giteaPair {
	t.Helper()
	real := peertest.GiteaServer(t)
	a := real.NewAccount(t)
	fake := giteatest.New(a.Login, a.Repo, opts...)
	t.Cleanup(fake.Close)
	p := &giteaPair{real: real, acct: a, fake: fake, Pair: &peertest.Pair{
		Real:  &peertest.Target{URL: real.URL, API: gitea.APIPath, Auth: "token " + a.Token},
		Fake:  &peertest.Target{URL: fake.URL, API: gitea.APIPath, Auth: "token " + giteatest.Token},
		Diffs: peertest.ReadDifferences(t, "."),
	}}
	repo := "/repos/" + a.Login + "/" + a.Repo
	p.Set("repo", repo, repo)
	return p
}

// fewer lets the fake serve fewer fields than Gitea (each it serves must
// have Gitea's type, and every field bsync reads must be there: Fits).
func (p *giteaPair) fewer(t *testing.T) peertest.Option { return p.Diffs.Subset(t, "fewer-fields") }

// create sends c to both sides, expecting 201, and records the new
// object's id (or number, for an issue) on each side as {name}.
func (p *giteaPair) create(t *testing.T, name, field string, c peertest.Call, opts ...peertest.Option) {
	t.Helper()
	r, f := p.Same(t, c, opts...)
	id := func(resp *peertest.Response) string {
		var v map[string]any
		resp.JSON(t, &v)
		n, ok := v[field].(float64)
		if resp.Status != 201 || !ok {
			t.Fatalf("%s %s: %d %s", c.Method, c.Path, resp.Status, resp.Body)
		}
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	p.Set(name, id(r), id(f))
}

func call(method, path string, body any) peertest.Call {
	return peertest.Call{Method: method, Path: path, Body: body}
}

// sameError compares the answers to c whole when the real one is an
// error, else by shape (a public route answers without a token).
func (p *giteaPair) sameError(t *testing.T, c peertest.Call) {
	t.Helper()
	real, fake := p.Send(t, p.Real, c), p.Send(t, p.Fake, c)
	opts := []peertest.Option{p.fewer(t)}
	if real.Status >= 400 {
		opts = []peertest.Option{peertest.Exact()}
	}
	peertest.Compare(t, c.Method+" "+c.Path, peertest.Side{Base: p.Real.URL, Response: real}, peertest.Side{Base: p.Fake.URL, Response: fake}, opts...)
}

// TestRealGiteaContract covers the labels, issues and comments bsync
// reads and writes in its repository, with their errors.
func TestRealGiteaContract(t *testing.T) {
	t.Parallel() // each has its own user and repository
	p := newGiteaPair(t)
	t.Run("settings and repository", func(t *testing.T) {
		p.Same(t, call("GET", "/settings/api", nil), peertest.Values("max_response_items", "default_paging_num"))
		p.Same(t, call("GET", "/version", nil))
		p.Same(t, call("GET", "{repo}", nil), p.fewer(t), peertest.Fits("", gitea.Repository{}),
			peertest.Values("full_name", "has_issues", "archived", "permissions.admin", "permissions.push", "permissions.pull", "open_issues_count", "default_branch"))
	})
	label := []peertest.Option{p.fewer(t), peertest.Fits("", gitea.Label{}), peertest.Values("name", "color", "description", "exclusive")}
	t.Run("labels", func(t *testing.T) {
		p.create(t, "bug", "id", call("POST", "{repo}/labels", map[string]any{"name": "bug", "color": "#d73a4a", "description": "from Bugsink"}), label...)
		p.create(t, "bug2", "id", call("POST", "{repo}/labels", map[string]any{"name": "bug", "color": "00AAbb", "description": ""}), label...)
		p.create(t, "Bug", "id", call("POST", "{repo}/labels", map[string]any{"name": "Bug", "color": "#abc"}), label...)
		p.create(t, "sev", "id", call("POST", "{repo}/labels", map[string]any{"name": "severity/error", "color": "f00", "exclusive": true}), label...)
		for _, body := range []any{
			map[string]any{"name": "x", "color": "#red"},
			map[string]any{"name": "", "color": "#abc"},
			map[string]any{"name": "x"},
			map[string]any{"color": "#abc"},
		} {
			p.Same(t, call("POST", "{repo}/labels", body), peertest.Exact())
		}
		for _, body := range [][]byte{[]byte(`{"name": "x", "color": 7}`), []byte(`{"name": "x"`)} {
			p.Same(t, call("POST", "{repo}/labels", body), peertest.Exact(), p.Diffs.Ignore(t, "json-errors", "message"))
		}
		p.Same(t, peertest.Call{Method: "POST", Path: "{repo}/labels", Body: map[string]any{"name": "x", "color": "#abc"}, Header: map[string]string{"Content-Type": ""}}, peertest.Exact())
		p.Same(t, peertest.Call{Method: "POST", Path: "{repo}/labels", Body: map[string]any{"name": "x", "color": "#abc"}, Header: map[string]string{"Content-Type": "text/plain"}}, peertest.Exact())
		for _, q := range []string{"", "?page=1&limit=50", "?page=2&limit=2", "?page=3&limit=2", "?page=0&limit=0", "?limit=500"} {
			p.Same(t, call("GET", "{repo}/labels"+q, nil), p.fewer(t), peertest.Fits("[]", gitea.Label{}), peertest.Values("[].name", "[].color"))
		}
	})
	issue := []peertest.Option{p.fewer(t), peertest.Fits("", gitea.Issue{}),
		peertest.Values("number", "title", "body", "state", "labels[].name", "comments", "pull_request")}
	t.Run("issue create", func(t *testing.T) {
		p.create(t, "one", "number", call("POST", "{repo}/issues", []byte(`{"title": "ValueError: bad price", "body": "<!-- bugsink-issue: x -->", "labels": [{bug}, {sev}]}`)), issue...)
		p.create(t, "two", "number", call("POST", "{repo}/issues", []byte(`{"title": "  padded  ", "labels": [{bug2}, 999999, 0, -1, {bug2}]}`)), issue...)
		p.create(t, "long", "number", call("POST", "{repo}/issues", map[string]any{"title": strings.Repeat("x", 300)}), issue...)
		p.create(t, "wide", "number", call("POST", "{repo}/issues", map[string]any{"title": strings.Repeat("错", 200)}), issue...)
		p.create(t, "accents", "number", call("POST", "{repo}/issues", map[string]any{"title": strings.Repeat("é", 200)}), issue...)
		p.create(t, "edge", "number", call("POST", "{repo}/issues", map[string]any{"title": strings.Repeat("y", 255)}), issue...)
		p.create(t, "blank", "number", call("POST", "{repo}/issues", map[string]any{"title": "   "}), issue...)
		p.create(t, "closed", "number", call("POST", "{repo}/issues", map[string]any{"title": "closed at once", "closed": true}), issue...)
		for _, body := range []any{map[string]any{}, map[string]any{"title": ""}, map[string]any{"body": "no title"}} {
			p.Same(t, call("POST", "{repo}/issues", body), peertest.Exact())
		}
		for _, body := range []any{
			map[string]any{"title": "names", "labels": []any{"bug"}},
			map[string]any{"title": "numeric strings", "labels": []any{"1"}},
			[]byte(`{"title": "x"`),
		} {
			p.Same(t, call("POST", "{repo}/issues", body), peertest.Exact(), p.Diffs.Ignore(t, "json-errors", "message"))
		}
		p.Same(t, peertest.Call{Method: "POST", Path: "{repo}/issues", Body: map[string]any{"title": "x"}, Header: map[string]string{"Content-Type": ""}}, peertest.Exact())
	})
	t.Run("issue read and edit", func(t *testing.T) {
		for _, n := range []string{"{one}", "{two}", "{closed}"} {
			p.Same(t, call("GET", "{repo}/issues/"+n, nil), issue...)
		}
		for _, path := range []string{"{repo}/issues/99999", "{repo}/issues/abc", "{repo}/issues/0"} {
			p.Same(t, call("GET", path, nil), peertest.Exact())
		}
		p.Same(t, call("PATCH", "{repo}/issues/{one}", map[string]any{"state": "closed"}), issue...)
		p.Same(t, call("PATCH", "{repo}/issues/{one}", map[string]any{"state": "closed"}), issue...)
		p.Same(t, call("PATCH", "{repo}/issues/{one}", map[string]any{"state": "open"}), issue...)
		p.Same(t, call("PATCH", "{repo}/issues/{one}", map[string]any{"body": "edited <!-- bugsink-issue: x -->"}), issue...)
		p.Same(t, call("PATCH", "{repo}/issues/{one}", map[string]any{"body": "again", "content_version": 0}), issue...)
		p.Same(t, call("PATCH", "{repo}/issues/{two}", map[string]any{"title": strings.Repeat("z", 256)}), issue...)
		p.Same(t, call("PATCH", "{repo}/issues/{one}", map[string]any{"state": "resolved"}), peertest.Exact())
		p.Same(t, call("PATCH", "{repo}/issues/99999", map[string]any{"state": "closed"}), peertest.Exact())
	})
	t.Run("comments", func(t *testing.T) {
		comment := []peertest.Option{p.fewer(t), peertest.Fits("", gitea.Comment{}), peertest.Values("body")}
		p.Same(t, call("POST", "{repo}/issues/{one}/comments", map[string]any{"body": "Resolved in Bugsink."}), comment...)
		p.Same(t, call("POST", "{repo}/issues/{one}/comments", map[string]any{"body": "Resolved in Bugsink."}), comment...)
		p.Same(t, call("GET", "{repo}/issues/{one}/comments", nil), p.fewer(t), peertest.Fits("[]", gitea.Comment{}), peertest.Values("[].body"))
		p.Same(t, call("GET", "{repo}/issues/{two}/comments", nil), peertest.Exact())
		p.Same(t, call("GET", "{repo}/issues/{one}", nil), issue...)
		p.Same(t, call("POST", "{repo}/issues/{one}/comments", map[string]any{"body": ""}), peertest.Exact())
		p.Same(t, call("POST", "{repo}/issues/99999/comments", map[string]any{"body": "gone"}), peertest.Exact())
		p.Same(t, call("GET", "{repo}/issues/99999/comments", nil), peertest.Exact())
	})
	t.Run("issue labels", func(t *testing.T) {
		labels := []peertest.Option{p.fewer(t), peertest.Fits("[]", gitea.Label{}), peertest.Values("[].name", "[].color")}
		p.Same(t, call("POST", "{repo}/issues/{long}/labels", []byte(`{"labels": [{Bug}, 999999]}`)), labels...)
		p.Same(t, call("POST", "{repo}/issues/{wide}/labels", map[string]any{"labels": []any{"bug"}}), labels...)
		p.Same(t, call("POST", "{repo}/issues/{edge}/labels", map[string]any{"labels": []any{}}), peertest.Exact())
		p.Same(t, call("POST", "{repo}/issues/{edge}/labels", []byte(`{"labels": [{Bug}, "bug"]}`)), peertest.Exact())
		p.Same(t, call("POST", "{repo}/issues/{edge}/labels", map[string]any{"labels": []any{true}}), peertest.Exact())
		p.Same(t, call("POST", "{repo}/issues/99999/labels", []byte(`{"labels": [{Bug}]}`)), peertest.Exact())
	})
}

// TestRealGiteaContractAccess covers tokens and routes: a bad token, none,
// one without write:issue, a repository that is not there.
func TestRealGiteaContractAccess(t *testing.T) {
	t.Parallel() // each has its own user and repository
	p := newGiteaPair(t)
	routes := []peertest.Call{
		call("GET", "/settings/api", nil),
		call("GET", "/version", nil),
		call("GET", "{repo}", nil),
		call("GET", "{repo}/labels?page=1&limit=50", nil),
		call("POST", "{repo}/labels", map[string]any{"name": "bug", "color": "#d73a4a"}),
		call("POST", "{repo}/labels", map[string]any{}),
		call("GET", "{repo}/issues?type=issues&state=all&page=1&limit=50", nil),
		call("POST", "{repo}/issues", map[string]any{}),
		call("GET", "{repo}/issues/1", nil),
		call("PATCH", "{repo}/issues/1", map[string]any{"state": "closed"}),
		call("POST", "{repo}/issues/1/comments", map[string]any{"body": "x"}),
		call("GET", "{repo}/issues/1/comments", nil),
		call("POST", "{repo}/issues/1/labels", map[string]any{"labels": []any{1}}),
	}
	for _, auth := range []string{"token " + strings.Repeat("0", 40), "token nope", "Bearer " + strings.Repeat("0", 40), ""} {
		for _, c := range routes {
			c.SameAuth, c.Authorization = true, auth
			t.Run(fmt.Sprintf("%s %s with %q", c.Method, c.Path, auth), func(t *testing.T) { p.sameError(t, c) })
		}
	}
	t.Run("a token without write:issue", func(t *testing.T) {
		ro := p.real.NewUser(t, "read:issue", "read:repository", "read:user")
		realAuth, fakeAuth := p.Real.Auth, p.Fake.Auth
		defer func() { p.Real.Auth, p.Fake.Auth = realAuth, fakeAuth }()
		p.Real.Auth, p.Fake.Auth = "token "+ro.Token, "token "+giteatest.ReadOnlyToken
		for _, c := range routes {
			p.sameError(t, c)
		}
	})
	// Every sync's first request (cmd/preflight.go): an empty label create.
	t.Run("a token with write:issue alone", func(t *testing.T) {
		q := newGiteaPair(t)
		u := q.real.NewUser(t, "write:issue")
		q.real.AddCollaborator(t, q.acct, u.Login)
		q.Real.Auth, q.Fake.Auth = "token "+u.Token, "token "+giteatest.IssueOnlyToken
		q.sameError(t, call("GET", "{repo}", nil))
		q.Same(t, call("POST", "{repo}/labels", map[string]any{}), peertest.Exact())
		q.Same(t, call("POST", "{repo}/issues", map[string]any{}), peertest.Exact())
	})
	t.Run("a repository that is not there", func(t *testing.T) {
		q := newGiteaPair(t)
		for _, path := range []string{"/repos/nobody-here/nothing", "/repos/nobody-here/nothing/labels", "/repos/nobody-here/nothing/issues",
			"/repos/" + q.acct.Login + "/nothing/issues/1"} {
			q.Same(t, call("GET", path, nil), peertest.Exact())
			q.Same(t, call("POST", path, map[string]any{"title": "x"}), peertest.Exact())
		}
	})
}

// TestRealGiteaContractNoWriteAccess: a token whose user cannot write to
// the repository creates issues without their labels and cannot create
// labels, on both.
func TestRealGiteaContractNoWriteAccess(t *testing.T) {
	t.Parallel() // each has its own user and repository
	p := newGiteaPair(t, giteatest.WithoutWriteAccess())
	// The label exists on both (made by the owner); the issue is made by
	// another user with bsync's scopes.
	owner := p.real.API(t, "POST", "/repos/"+p.acct.Login+"/"+p.acct.Repo+"/labels", p.acct.Token, map[string]any{"name": "bug", "color": "#d73a4a"})
	var l struct {
		ID int64 `json:"id"`
	}
	owner.JSON(t, &l)
	p.Set("bug", strconv.FormatInt(l.ID, 10), strconv.FormatInt(p.fake.AddLabel("bug", "#d73a4a"), 10))
	other := p.real.NewUser(t, peertest.BsyncScopes...)
	p.Real.Auth = "token " + other.Token
	p.Same(t, call("GET", "{repo}", nil), p.fewer(t), peertest.Values("permissions.admin", "permissions.push", "permissions.pull"))
	p.Same(t, call("POST", "{repo}/issues", []byte(`{"title": "by a stranger", "labels": [{bug}]}`)), p.fewer(t), peertest.Values("title", "labels"))
	p.Same(t, call("POST", "{repo}/labels", map[string]any{"name": "mine", "color": "#abc"}), peertest.Exact())
	p.Same(t, call("POST", "{repo}/labels", map[string]any{}), peertest.Exact()) // the write check before the body's
	p.Same(t, call("POST", "{repo}/issues/1/labels", []byte(`{"labels": [{bug}]}`)), peertest.Exact())
}

// TestRealGiteaContractSearch covers the issue listing bsync pages
// through, with and without q: newest first, pages capped at
// MAX_RESPONSE_ITEMS whatever the limit asked, and q matching after the
// index caught up.
func TestRealGiteaContractSearch(t *testing.T) {
	t.Parallel() // each has its own user and repository
	p := newGiteaPair(t)
	const n = giteatest.DefaultMaxResponseItems + 5
	marker := peertest.UniqueName("marker")
	for i := range n {
		body := map[string]any{"title": fmt.Sprintf("issue %d", i), "body": "plain"}
		if i%2 == 0 {
			body["body"] = "<!-- bugsink-issue: " + marker + " -->"
		}
		p.create(t, "i"+strconv.Itoa(i), "number", call("POST", "{repo}/issues", body), p.fewer(t))
	}
	p.Same(t, call("PATCH", "{repo}/issues/3", map[string]any{"state": "closed"}), p.fewer(t), peertest.Values("state"))
	list := []peertest.Option{p.fewer(t), peertest.Fits("[]", gitea.Issue{}), peertest.Values("[].title", "[].state")}
	for _, q := range []string{"page=1&limit=50", "page=2&limit=50", "page=3&limit=50", "page=1&limit=100", "page=2&limit=100",
		"page=1", "page=0&limit=0", "page=1&limit=10", "state=open&page=1&limit=50"} {
		p.Same(t, call("GET", "{repo}/issues?type=issues&state=all&"+q, nil), list...)
	}
	// Gitea indexes asynchronously: wait until the real search finds
	// every marked issue (the fake's index has no delay here).
	want := (n + 1) / 2
	peertest.WaitFor(t, "the real Gitea's search index to hold "+strconv.Itoa(want)+" issues", func() bool {
		r := p.real.API(t, "GET", "/repos/"+p.acct.Login+"/"+p.acct.Repo+"/issues?type=issues&state=all&limit=50&q="+marker, p.acct.Token, nil)
		var rows []json.RawMessage
		return r.Status == 200 && json.Unmarshal(r.Body, &rows) == nil && len(rows) == want
	})
	// The real search orders issues made in the same second either way
	// (seen: "issue 26" before "issue 28"), so its pages are compared by
	// shape and state, and what it finds as a whole by title.
	found := []peertest.Option{p.fewer(t), peertest.Fits("[]", gitea.Issue{}), peertest.Values("[].state")}
	for _, q := range []string{"page=1&limit=50", "page=1&limit=10", "page=2&limit=10", "page=3&limit=10", "page=4&limit=10"} {
		p.Same(t, call("GET", "{repo}/issues?type=issues&state=all&q="+marker+"&"+q, nil), found...)
	}
	search := "/repos/" + p.acct.Login + "/" + p.acct.Repo + "/issues?type=issues&state=all&limit=50&q=" + marker
	realTitles := titlesOf(t, p.real.API(t, "GET", search, p.acct.Token, nil))
	fakeTitles := titlesOf(t, peertest.Send(t, peertest.Request{Method: "GET", URL: p.fake.URL + gitea.APIPath + search,
		Header: map[string]string{"Authorization": "token " + giteatest.Token}}))
	if !slices.Equal(realTitles, fakeTitles) || len(realTitles) != want {
		t.Errorf("the real search finds %v, the fake's %v (want %d)", realTitles, fakeTitles, want)
	}
	p.Same(t, call("GET", "{repo}/issues?type=issues&state=all&q=nothing-matches-this&page=1&limit=50", nil), peertest.Exact())
}

// titlesOf is the sorted titles of a listing's answer.
func titlesOf(t *testing.T, r *peertest.Response) []string {
	t.Helper()
	var rows []struct{ Title string }
	if err := json.Unmarshal(r.Body, &rows); err != nil {
		t.Fatalf("%d %s: %v", r.Status, r.Body, err)
	}
	titles := make([]string, 0, len(rows))
	for _, row := range rows {
		titles = append(titles, row.Title)
	}
	slices.Sort(titles)
	return titles
}
