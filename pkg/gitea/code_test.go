package gitea_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/peertest"
)

// codeRepo is a repository a code test fills: the fake or a real Gitea.
type codeRepo interface {
	commit(t *testing.T, files map[string]string) string // on the default branch
	tag(t *testing.T, name, target string)
	user(t *testing.T, perm string) string // a new user with that access ("" none)
	org(t *testing.T) string
	client(t *testing.T) *gitea.Client
}

type fakeRepo struct {
	srv *giteatest.Server
	n   int
}

func (f *fakeRepo) commit(_ *testing.T, files map[string]string) string {
	return f.srv.Commit("", files)
}
func (f *fakeRepo) tag(_ *testing.T, name, target string) { f.srv.Tag(name, target) }
func (f *fakeRepo) user(_ *testing.T, perm string) string {
	f.n++
	login := "user" + string(rune('a'+f.n))
	f.srv.AddUser(login, perm)
	return login
}
func (f *fakeRepo) org(_ *testing.T) string { f.srv.AddOrg("acme-org"); return "acme-org" }
func (f *fakeRepo) client(t *testing.T) *gitea.Client {
	return gitea.New(f.srv.URL, giteatest.Token, "acme", "app",
		apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 10 * time.Millisecond, Timeout: 2 * time.Second})
}

type realRepo struct {
	g *peertest.Gitea
	a *peertest.Account
}

func (r *realRepo) commit(t *testing.T, files map[string]string) string {
	sha := ""
	for _, p := range slices.Sorted(mapsKeys(files)) {
		sha = r.g.AddFile(t, r.a, p, files[p])
	}
	return sha
}
func (r *realRepo) tag(t *testing.T, name, target string) { r.g.AddTag(t, r.a, name, target) }
func (r *realRepo) user(t *testing.T, perm string) string {
	u := r.g.NewUser(t, "read:user")
	if perm != "" {
		r.g.AddCollaboratorAs(t, r.a, u.Login, perm)
	}
	return u.Login
}
func (r *realRepo) org(t *testing.T) string { return r.g.NewOrg(t) }
func (r *realRepo) client(t *testing.T) *gitea.Client {
	return gitea.New(r.g.URL, r.a.Token, r.a.Login, r.a.Repo, apiclient.Options{Timeout: 30 * time.Second})
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestCodeCalls(t *testing.T) {
	srv := giteatest.New("acme", "app")
	t.Cleanup(srv.Close)
	srv.Commit("", map[string]string{"README.md": "# app\n"})
	checkCodeCalls(t, &fakeRepo{srv: srv})
}

func TestRealCodeCalls(t *testing.T) {
	g := peertest.GiteaServer(t)
	checkCodeCalls(t, &realRepo{g: g, a: g.NewAccount(t)})
}

// checkCodeCalls holds the client (and the server under it) to what bsync
// relies on: a tree read whole across pages at a branch, a tag or a short
// commit id, with an unknown ref told apart; tags with their commits; a
// commit id resolved and a non-commit refused; a raw file; the assignees,
// and what a create does with assignees Gitea cannot assign.
func checkCodeCalls(t *testing.T, repo codeRepo) {
	ctx := t.Context()
	files := map[string]string{"src/server/app.ts": "a\nb\n", "src/client/util/format.ts": "c\n", "lib/index.js": "d\n",
		"CODEOWNERS": "src/.* @owner\n"}
	head := repo.commit(t, files)
	repo.tag(t, "v1.4.2", head)
	repo.commit(t, map[string]string{"later.txt": "x\n"})
	c := repo.client(t)
	gitea.SetTreePerPage(c, 3) // the tree has 5 files and 6 directories: four pages

	tr, err := c.Tree(ctx, "v1.4.2", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CODEOWNERS", "README.md", "lib/index.js", "src/client/util/format.ts", "src/server/app.ts"}
	if got := slices.Sorted(slices.Values(tr.Files)); !slices.Equal(got, want) {
		t.Errorf("files at the tag: %v, want %v", got, want)
	}
	if tr.SHA != head {
		t.Errorf("the tag's tree resolved to %s, want the commit %s", tr.SHA, head)
	}
	if short, err := c.Tree(ctx, head[:7], 0); err != nil || short.SHA != head {
		t.Errorf("tree at a short id: %v, %v", short, err)
	}
	if main, err := c.Tree(ctx, "main", 0); err != nil || !slices.Contains(main.Files, "later.txt") {
		t.Errorf("tree at main: %v, %v", main, err)
	}
	if _, err := c.Tree(ctx, "no-such-ref", 0); !errors.Is(err, gitea.ErrRefNotFound) {
		t.Errorf("tree at an unknown ref: %v, want ErrRefNotFound", err)
	}

	if _, err := c.Tree(ctx, "main", 5); !errors.Is(err, gitea.ErrTreeTooBig) {
		t.Errorf("tree of 12 entries read with a budget of 5: %v, want ErrTreeTooBig", err)
	}
	tags, err := c.Tags(ctx, 10)
	if err != nil || len(tags) != 1 || tags[0].Name != "v1.4.2" || tags[0].Commit.SHA != head {
		t.Errorf("tags: %+v, %v", tags, err)
	}
	checkRefLookups(t, repo, c, head)
	if sha, err := c.CommitSHA(ctx, head[:8]); err != nil || sha != head {
		t.Errorf("commit by short id: %q, %v", sha, err)
	}
	if _, err := c.CommitSHA(ctx, "0000000deadbeef"); !errors.Is(err, gitea.ErrRefNotFound) {
		t.Errorf("an unknown commit: %v", err)
	}
	if b, err := c.RawFile(ctx, head, "CODEOWNERS"); err != nil || string(b) != files["CODEOWNERS"] {
		t.Errorf("raw CODEOWNERS: %q, %v", b, err)
	}
	if _, err := c.RawFile(ctx, head, "docs/CODEOWNERS"); !gitea.IsNotFound(err) {
		t.Errorf("a missing file: %v, want a 404", err)
	}
	checkAssignees(t, repo, c)
}

// checkRefLookups: a tag is found by its name as written, with '@', '+'
// or '/' in it, and a missing one is ErrRefNotFound; the default branch
// names the commit it points at.
func checkRefLookups(t *testing.T, repo codeRepo, c *gitea.Client, head string) {
	ctx := t.Context()
	for _, name := range []string{"flyer-crawler@1.4.2", "1.4.2+build.5", "release/1.4"} {
		repo.tag(t, name, head)
		if sha, err := c.TagSHA(ctx, name); err != nil || sha != head {
			t.Errorf("tag %q: %q, %v; want %s", name, sha, err, head)
		}
	}
	for _, name := range []string{"1.4.2", "1.4.2 build.5", "no-such-tag"} {
		if _, err := c.TagSHA(ctx, name); !errors.Is(err, gitea.ErrRefNotFound) {
			t.Errorf("missing tag %q: %v, want ErrRefNotFound", name, err)
		}
	}
	if sha, err := c.BranchSHA(ctx, "main"); err != nil || len(sha) != 40 {
		t.Errorf("branch main: %q, %v", sha, err)
	}
	if _, err := c.BranchSHA(ctx, "no-such-branch"); !errors.Is(err, gitea.ErrRefNotFound) {
		t.Errorf("missing branch: %v, want ErrRefNotFound", err)
	}
}

// checkAssignees: the list holds writers only, yet on a public repository
// a reader can be assigned; an unknown login fails the create with a 422
// (so nothing is created), an organisation with a 500.
func checkAssignees(t *testing.T, repo codeRepo, c *gitea.Client) {
	ctx := t.Context()
	writer, reader := repo.user(t, "write"), repo.user(t, "read")
	org := repo.org(t)
	users, err := c.Assignees(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var logins []string
	for _, u := range users {
		logins = append(logins, strings.ToLower(u.Login))
	}
	if !slices.Contains(logins, strings.ToLower(writer)) || slices.Contains(logins, strings.ToLower(reader)) {
		t.Errorf("assignees %v: want the writer %s and not the reader %s", logins, writer, reader)
	}
	is, err := c.CreateIssue(ctx, gitea.CreateIssueOption{Title: "assigned", Assignees: []string{strings.ToUpper(writer), reader}})
	if err != nil {
		t.Fatal(err)
	}
	if len(is.Assignees) != 2 {
		t.Errorf("created with assignees %+v, want the writer and the reader", is.Assignees)
	}
	_, err = c.CreateIssue(ctx, gitea.CreateIssueOption{Title: "ghost", Assignees: []string{"no-such-user-x"}})
	if gitea.StatusCode(err) != 422 {
		t.Errorf("create with an unknown assignee: %v, want a 422", err)
	}
	_, err = c.CreateIssue(ctx, gitea.CreateIssueOption{Title: "org", Assignees: []string{org}})
	if gitea.StatusCode(err) != 500 {
		t.Errorf("create with an organisation as assignee: %v, want a 500", err)
	}
}
