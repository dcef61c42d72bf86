package giteatest_test

import (
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/peertest"
)

// realCommit commits one file with message to the real repository's
// default branch (or to a new branch from it) with the account's token,
// as a push by the account, and returns the commit's id.
func (p *giteaPair) realCommit(t *testing.T, path, message, newBranch string) string {
	t.Helper()
	body := map[string]any{"content": base64.StdEncoding.EncodeToString([]byte(message + "\n")), "message": message}
	if newBranch != "" {
		body["branch"], body["new_branch"] = "main", newBranch
	}
	r := p.real.API(t, "POST", "/repos/"+p.acct.Login+"/"+p.acct.Repo+"/contents/"+path, p.acct.Token, body)
	var out struct {
		Commit struct {
			SHA string `json:"sha"`
		} `json:"commit"`
	}
	r.JSON(t, &out)
	if r.Status != 201 || out.Commit.SHA == "" {
		t.Fatalf("commit %s: %d %s", path, r.Status, r.Body)
	}
	return out.Commit.SHA
}

// realWaitClosed waits until the real issue is closed: Gitea closes an
// issue a push names from its push queue, after the push has answered.
func (p *giteaPair) realWaitClosed(t *testing.T, number string) {
	t.Helper()
	peertest.WaitFor(t, "issue #"+number+" closed", func() bool {
		var is struct {
			State string `json:"state"`
		}
		p.real.API(t, "GET", "/repos/"+p.acct.Login+"/"+p.acct.Repo+"/issues/"+number, p.acct.Token, nil).JSON(t, &is)
		return is.State == "closed"
	})
}

// realMergedPull opens a pull request from a new branch whose text closes
// issue number, merges it, and returns its number and merge commit.
func (p *giteaPair) realMergedPull(t *testing.T, number string) (string, string) {
	t.Helper()
	p.realCommit(t, "round.go", "Round prices half up", "fix/rounding")
	repo := "/repos/" + p.acct.Login + "/" + p.acct.Repo
	r := p.real.API(t, "POST", repo+"/pulls", p.acct.Token, map[string]any{
		"title": "Fix rounding", "body": "Fixes #" + number, "head": "fix/rounding", "base": "main"})
	var pr struct {
		Number         int    `json:"number"`
		MergeCommitSHA string `json:"merge_commit_sha"`
	}
	r.JSON(t, &pr)
	if r.Status != 201 {
		t.Fatalf("open pull request: %d %s", r.Status, r.Body)
	}
	n := strconv.Itoa(pr.Number)
	if m := p.real.API(t, "POST", repo+"/pulls/"+n+"/merge", p.acct.Token, map[string]any{"Do": "merge"}); m.Status != 200 {
		t.Fatalf("merge pull request: %d %s", m.Status, m.Body)
	}
	p.realWaitClosed(t, number)
	p.real.API(t, "GET", repo+"/pulls/"+n, p.acct.Token, nil).JSON(t, &pr)
	return n, pr.MergeCommitSHA
}

// TestRealGiteaContractFixes covers what bsync reads to learn what closed
// an issue and which refs carry the fix: the timeline of an issue closed
// by a push that says "fixes #N", by a merged pull request and by hand;
// the pull request's merge commit; compares of tags, a branch and a tag
// with a slash against the fix; with their errors.
func TestRealGiteaContractFixes(t *testing.T) {
	t.Parallel() // each has its own user and repository
	p := newGiteaPair(t)
	for i, title := range []string{"by push", "by pull request", "by hand"} {
		p.create(t, "n"+strconv.Itoa(i+1), "number", call("POST", "{repo}/issues", map[string]any{"title": title}), p.fewer(t))
	}
	realBefore := p.real.AddFile(t, p.acct, "price.go", "package shop\n")
	fakeBefore := p.fake.Commit("", map[string]string{"README.md": "x\n", "price.go": "package shop\n"})
	p.real.AddTag(t, p.acct, "v1.0.0", realBefore)
	p.fake.Tag("v1.0.0", fakeBefore)

	const msg = "Fix price parsing, fixes #1"
	realFix := p.realCommit(t, "fix.go", msg, "")
	p.realWaitClosed(t, "1")
	fakeFix := p.fake.Commit("", map[string]string{"fix.go": msg + "\n"})
	p.fake.CloseByCommit(1, fakeFix, msg)
	p.Set("fix", realFix, fakeFix)
	p.Set("short", realFix[:7], fakeFix[:7])
	p.Set("before", realBefore, fakeBefore)
	p.fake.ContainCommits(fakeFix, fakeBefore)
	for _, tag := range []string{"v1.0.1", "release/1.2"} {
		p.real.AddTag(t, p.acct, tag, realFix)
		p.fake.Tag(tag, fakeFix)
	}

	realPR, realMerge := p.realMergedPull(t, "2")
	fakeMerge := p.fake.Commit("", map[string]string{"round.go": "Round prices half up\n"})
	p.Set("pr", realPR, strconv.Itoa(p.fake.CloseByPullRequest(2, fakeMerge)))
	p.Set("merge", realMerge, fakeMerge)
	p.fake.ContainCommits("main", fakeFix)
	p.fake.ContainCommits("fix/rounding", fakeFix)

	p.Same(t, call("POST", "{repo}/issues/3/comments", map[string]any{"body": "looking"}), p.fewer(t))
	p.Same(t, call("PATCH", "{repo}/issues/3", map[string]any{"state": "closed"}), p.fewer(t), peertest.Values("state"))

	timeline := []peertest.Option{p.fewer(t), peertest.Values("[].type", "[].ref_action", "[].user.login", "[].ref_issue.pull_request.merged")}
	// Only #2's timeline has a reference to another issue, the shape
	// TimelineRefIssue is held to (an all-null ref_issue fits nothing).
	p.Same(t, call("GET", "{repo}/issues/2/timeline", nil), append(timeline, peertest.Fits("[]", gitea.TimelineEvent{}))...)
	for _, q := range []string{"1/timeline", "3/timeline", "3/timeline?page=1&limit=1", "1/timeline?since=2000-01-01T00:00:00Z"} {
		p.Same(t, call("GET", "{repo}/issues/"+q, nil), timeline...)
	}
	// An empty page is null, and a missing issue a 500 with an empty
	// message (issue_comment.go sends GetIssueByIndex's error to
	// APIErrorInternal), as for its comments.
	for _, q := range []string{"1/timeline?page=2&limit=50", "3/timeline?since=2100-01-01T00:00:00Z", "999/timeline"} {
		p.Same(t, call("GET", "{repo}/issues/"+q, nil), peertest.Exact())
	}
	p.Same(t, call("GET", "{repo}/pulls/{pr}", nil), p.fewer(t), peertest.Values("merged", "state", "base.ref"))
	p.Same(t, call("GET", "{repo}/pulls/1", nil), peertest.Exact())

	compare := "?files=false&verification=false"
	for _, refs := range []string{"v1.0.0...{fix}", "v1.0.1...{fix}", "release/1.2...{fix}", "v1.0.1...{short}", "main...{fix}", "main...{merge}", "fix/rounding...{fix}",
		"{before}...{fix}", "{fix}...{before}"} {
		p.Same(t, call("GET", "{repo}/compare/"+refs+compare, nil), p.fewer(t), peertest.Values("total_commits"))
	}
	for _, refs := range []string{"v1.0.0..." + deadbeef, "no-such-tag...{fix}"} {
		p.Same(t, call("GET", "{repo}/compare/"+refs+compare, nil), peertest.Exact())
	}
	t.Run("client", func(t *testing.T) {
		p.checkClient(t, p.Real, p.acct.Token)
		p.checkClient(t, p.Fake, giteatest.Token)
	})
}

const deadbeef = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"

// checkClient reads the same facts through bsync's client from one side.
func (p *giteaPair) checkClient(t *testing.T, side *peertest.Target, token string) {
	t.Helper()
	c := gitea.New(side.URL, token, p.acct.Login, p.acct.Repo, apiclient.Options{Retries: -1})
	ctx := t.Context()
	ev, err := c.Timeline(ctx, 1, time.Time{})
	if err != nil || len(ev) != 2 || ev[0].Type != "commit_ref" || ev[0].RefCommitSHA != side.IDs["{fix}"] || ev[1].Type != "close" {
		t.Errorf("%s: timeline of #1: %+v, %v", side.URL, ev, err)
	}
	ev, err = c.Timeline(ctx, 2, time.Time{})
	if err != nil || len(ev) != 2 || ev[0].Type != "pull_ref" || ev[0].RefAction != "closes" || ev[0].RefIssue == nil ||
		strconv.Itoa(ev[0].RefIssue.Number) != side.IDs["{pr}"] || ev[0].RefIssue.PullRequest == nil || !ev[0].RefIssue.PullRequest.Merged {
		t.Errorf("%s: timeline of #2: %+v, %v", side.URL, ev, err)
	}
	if ev, err := c.Timeline(ctx, 3, time.Now().Add(time.Hour)); err != nil || len(ev) != 0 {
		t.Errorf("%s: timeline of #3 since an hour ahead: %+v, %v", side.URL, ev, err)
	}
	if sha, err := c.MergeCommit(ctx, mustAtoi(side.IDs["{pr}"])); err != nil || sha != side.IDs["{merge}"] {
		t.Errorf("%s: merge commit %q, %v; want %q", side.URL, sha, err, side.IDs["{merge}"])
	}
	for ref, want := range map[string]bool{"v1.0.0": false, "v1.0.1": true, "release/1.2": true, "main": true, "fix/rounding": true} {
		if got, err := c.Contains(ctx, ref, side.IDs["{fix}"]); err != nil || got != want {
			t.Errorf("%s: %s contains the fix: %v, %v; want %v", side.URL, ref, got, err, want)
		}
	}
	for _, pair := range [][2]string{{"v1.0.0", deadbeef}, {"no-such-tag", side.IDs["{fix}"]}} {
		if _, err := c.Contains(ctx, pair[0], pair[1]); !errors.Is(err, gitea.ErrRefNotFound) {
			t.Errorf("%s: compare %s with %s: %v, want ErrRefNotFound", side.URL, pair[0], pair[1], err)
		}
	}
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
