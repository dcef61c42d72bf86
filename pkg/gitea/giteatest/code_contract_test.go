package giteatest_test

import (
	"testing"

	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
)

// TestRealGiteaContractCode covers the code routes bsync reads for its
// links and owners: the recursive tree at a branch, a tag and a short id,
// across pages and past the end; the tags, listed and one by name; the
// default branch's commit; a commit; a raw file; the
// assignees; with their errors.
func TestRealGiteaContractCode(t *testing.T) {
	t.Parallel() // each has its own user and repository
	p := newGiteaPair(t)
	files := map[string]string{"CODEOWNERS": "src/.* @owner\n", "src/app.ts": "x\n"}
	realHead := ""
	for _, path := range []string{"CODEOWNERS", "src/app.ts"} {
		realHead = p.real.AddFile(t, p.acct, path, files[path])
	}
	files["README.md"] = "the account's repository is initialised with one\n"
	fakeHead := p.fake.Commit("", files)
	p.real.AddTag(t, p.acct, "v1.4.2", realHead)
	p.fake.Tag("v1.4.2", fakeHead)
	p.Set("head", realHead, fakeHead)
	p.Set("short", realHead[:8], fakeHead[:8])

	tree := []peertest.Option{p.fewer(t), peertest.Values("tree[].path", "tree[].type", "truncated", "page", "total_count")}
	for _, q := range []string{"main?recursive=1", "v1.4.2?recursive=1&per_page=2&page=2", "{short}?recursive=1&per_page=2&page=3",
		"main?recursive=1&per_page=2&page=9", "main?per_page=0"} {
		p.Same(t, call("GET", "{repo}/git/trees/"+q, nil), tree...)
	}
	p.Same(t, call("GET", "{repo}/git/trees/no-such-ref?recursive=1", nil), peertest.Exact())
	p.Same(t, call("GET", "{repo}/tags?page=1&limit=50", nil), p.fewer(t), peertest.Fits("[]", gitea.Tag{}), peertest.Values("[].name"))
	p.Same(t, call("GET", "{repo}/tags?page=2&limit=50", nil), peertest.Exact())
	p.Same(t, call("GET", "{repo}/tags/v1.4.2", nil), p.fewer(t), peertest.Fits("", gitea.Tag{}), peertest.Values("name"))
	p.Same(t, call("GET", "{repo}/tags/v9.9.9", nil), peertest.Exact())
	p.Same(t, call("GET", "{repo}/branches/main", nil), p.fewer(t), peertest.Values("name"))
	p.Same(t, call("GET", "{repo}/branches/no-such-branch", nil), peertest.Exact())
	commit := "?stat=false&verification=false&files=false"
	p.Same(t, call("GET", "{repo}/git/commits/{short}"+commit, nil), p.fewer(t))
	p.Same(t, call("GET", "{repo}/git/commits/0000000deadbeef"+commit, nil), peertest.Exact())
	p.Same(t, call("GET", "{repo}/raw/CODEOWNERS?ref={head}", nil), peertest.Exact())
	p.Same(t, call("GET", "{repo}/raw/docs/CODEOWNERS?ref=main", nil), peertest.Exact())
	p.Same(t, call("GET", "{repo}/assignees", nil), p.fewer(t), peertest.Fits("[]", gitea.User{}), peertest.Values("[].login"))
	p.create(t, "assigned", "number", call("POST", "{repo}/issues", map[string]any{"title": "owned", "assignees": []string{p.acct.Login}}),
		p.fewer(t), peertest.Fits("", gitea.Issue{}), peertest.Values("assignees[].login"))
	p.Same(t, call("POST", "{repo}/issues", map[string]any{"title": "ghost", "assignees": []string{"no-such-user-here"}}), peertest.Exact())
}
