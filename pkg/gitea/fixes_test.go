package gitea_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
)

func fixesClient(t *testing.T) (*giteatest.Server, *gitea.Client) {
	t.Helper()
	srv := giteatest.New("acme", "app")
	t.Cleanup(srv.Close)
	return srv, (&fakeRepo{srv: srv}).client(t)
}

// TestTimelineReadsEveryPage: a timeline longer than a page is read
// whole, oldest first, and since leaves out what came before.
func TestTimelineReadsEveryPage(t *testing.T) {
	srv, c := fixesClient(t)
	is, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "long"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		if _, err := c.Comment(t.Context(), is.Number, "note "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetIssueState(is.Number, "closed")
	ev, err := c.Timeline(t.Context(), is.Number, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 61 || ev[0].Type != "comment" || ev[60].Type != "close" || ev[60].User == nil || ev[60].User.Login != giteatest.PersonLogin {
		t.Fatalf("timeline: %d entries, first %+v, last %+v", len(ev), ev[0], ev[len(ev)-1])
	}
	if ev, err := c.Timeline(t.Context(), is.Number, time.Now().Add(time.Hour)); err != nil || len(ev) != 0 {
		t.Errorf("since an hour ahead: %+v, %v", ev, err)
	}
	if _, err := c.Timeline(t.Context(), 99, time.Time{}); gitea.StatusCode(err) != 500 {
		t.Errorf("a missing issue: %v, want Gitea's 500", err)
	}
}

// TestTimelineCapped: a timeline of more than MaxTimelinePages pages is
// an error, not a silent cut of its newest entries.
func TestTimelineCapped(t *testing.T) {
	srv, c := fixesClient(t)
	is, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "chatty"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range gitea.MaxTimelinePages*gitea.TimelinePageLimit + 1 {
		if i%2 == 0 {
			srv.SetIssueState(is.Number, "closed")
		} else {
			srv.SetIssueState(is.Number, "open")
		}
	}
	if _, err := c.Timeline(t.Context(), is.Number, time.Time{}); !errors.Is(err, gitea.ErrPageCap) {
		t.Fatalf("err %v, want ErrPageCap", err)
	}
}

// TestTimelineNamesTheFix: a push that says "fixes #N" leaves the commit
// on a commit_ref before the close; a merged pull request leaves a
// pull_ref that closes, and its merge commit.
func TestTimelineNamesTheFix(t *testing.T) {
	srv, c := fixesClient(t)
	ctx := t.Context()
	for _, title := range []string{"pushed", "pulled"} {
		if _, err := c.CreateIssue(ctx, gitea.CreateIssueOption{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	fix := srv.Commit("", map[string]string{"fix.go": "x"})
	srv.CloseByCommit(1, fix, "Fix it, fixes #1")
	merge := srv.Commit("", map[string]string{"round.go": "y"})
	pr := srv.CloseByPullRequest(2, merge)
	ev, err := c.Timeline(ctx, 1, time.Time{})
	if err != nil || len(ev) != 2 || ev[0].Type != "commit_ref" || ev[0].RefCommitSHA != fix || ev[1].Type != "close" || ev[1].RefCommitSHA != "" {
		t.Errorf("timeline of #1: %+v, %v", ev, err)
	}
	ev, err = c.Timeline(ctx, 2, time.Time{})
	if err != nil || len(ev) != 2 || ev[0].Type != "pull_ref" || ev[0].RefAction != "closes" || ev[0].RefIssue == nil ||
		ev[0].RefIssue.Number != pr || ev[0].RefIssue.PullRequest == nil || !ev[0].RefIssue.PullRequest.Merged || ev[1].Type != "close" {
		t.Errorf("timeline of #2: %+v, %v", ev, err)
	}
	if got, err := c.MergeCommit(ctx, pr); err != nil || got != merge {
		t.Errorf("merge commit of #%d: %q, %v; want %q", pr, got, err, merge)
	}
	if _, err := c.MergeCommit(ctx, 1); !gitea.IsNotFound(err) {
		t.Errorf("merge commit of an issue: %v, want a 404", err)
	}
	if is, err := c.Issue(ctx, 2); err != nil || is.State != "closed" {
		t.Errorf("issue #2: %+v, %v", is, err)
	}
}

// TestContains: a ref contains a commit only as declared (or itself); a
// tag with a slash is found as written; unknown refs or commits are
// ErrRefNotFound.
func TestContains(t *testing.T) {
	srv, c := fixesClient(t)
	ctx := t.Context()
	old := srv.Commit("", map[string]string{"a": "1"})
	fix := srv.Commit("", map[string]string{"a": "2"})
	srv.Tag("v1.0.0", old)
	srv.Tag("release/1.2", fix)
	srv.ContainCommits("v1.1.0", fix)
	for ref, want := range map[string]bool{"v1.0.0": false, "release/1.2": true, "v1.1.0": true, fix: true, old: false} {
		if got, err := c.Contains(ctx, ref, fix); err != nil || got != want {
			t.Errorf("%s contains the fix: %v, %v; want %v", ref, got, err, want)
		}
	}
	if got, err := c.Contains(ctx, "v1.1.0", fix[:8]); err != nil || !got {
		t.Errorf("by a short id: %v, %v", got, err)
	}
	for _, pair := range [][2]string{{"v9", fix}, {"v1.0.0", "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"}, {"", fix}, {"a...b", fix}} {
		if _, err := c.Contains(ctx, pair[0], pair[1]); !errors.Is(err, gitea.ErrRefNotFound) {
			t.Errorf("compare %q with %q: %v, want ErrRefNotFound", pair[0], pair[1], err)
		}
	}
}
