package gitea

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The calls in this file tell what fixed an issue and whether a release
// carries the fix: the issue's timeline names the commit or the pull
// request that closed it, a pull request its merge commit, and a compare
// whether a tag, branch or commit contains a commit.

// MaxTimelinePages bounds one timeline read (a thousand entries at
// Gitea's default page size).
const MaxTimelinePages = 20

// TimelineEvent is one entry of an issue's timeline.
type TimelineEvent struct {
	ID int64 `json:"id"`
	// Type is the comment type's name: "close", "reopen", "commit_ref",
	// "pull_ref", "comment", ...
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	// RefAction is "closes" on the pull_ref of a pull request whose text
	// closes the issue, "none" on a commit_ref (Gitea records the commit's
	// reference whatever its keyword) and on entries that are no reference.
	RefAction string `json:"ref_action"`
	// RefCommitSHA is the commit of a commit_ref; a close never names one
	// (services/issue/status.go passes the closing commit to notifiers
	// only).
	RefCommitSHA string            `json:"ref_commit_sha"`
	User         *User             `json:"user"`
	RefIssue     *TimelineRefIssue `json:"ref_issue"`
}

// TimelineRefIssue is the issue or pull request a reference entry names.
type TimelineRefIssue struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Merged   bool       `json:"merged"`
		MergedAt *time.Time `json:"merged_at"`
	} `json:"pull_request"`
}

// TimelinePageLimit is the page size a timeline is read in: Gitea's
// default [api] MAX_RESPONSE_ITEMS.
const TimelinePageLimit = 50

// Timeline returns the issue's timeline entries updated at or after since
// (zero: all; Gitea filters on the entry's updated time, which is its
// created time for all but an edited comment), oldest first, every page.
// Only an empty page ends the read (Gitea 1.25.4 answers it with the JSON
// null, not []): routers/api/v1/repo/issue_comment.go
// ListIssueCommentsAndTimeline drops entries from a database page (code
// review comments, references from repositories the token's user cannot
// read), so a short page is no sign of the end, and its X-Total-Count is
// that page's length. More than MaxTimelinePages full pages is an error
// wrapping ErrPageCap: the entries past the cap are the newest, the ones a
// caller wants. A missing issue is a 500 with an empty message, not a
// 404 (GetIssueByIndex's error goes to APIErrorInternal, as for comments).
//
// Gitea API: GET /repos/{owner}/{repo}/issues/{index}/timeline?since=&page=&limit=
func (c *Client) Timeline(ctx context.Context, number int, since time.Time) ([]TimelineEvent, error) {
	q := url.Values{"limit": {strconv.Itoa(TimelinePageLimit)}}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339))
	}
	var all []TimelineEvent
	path := c.repoPath(fmt.Sprintf("/issues/%d/timeline", number))
	for page := 1; ; page++ {
		if page > MaxTimelinePages {
			return nil, fmt.Errorf("read gitea timeline of #%d: %w (%d pages of %d)", number, ErrPageCap, MaxTimelinePages, TimelinePageLimit)
		}
		q.Set("page", strconv.Itoa(page))
		var rows []TimelineEvent
		if err := c.get(ctx, path, q, &rows); err != nil {
			return nil, fmt.Errorf("read gitea timeline of #%d: %w", number, err)
		}
		if len(rows) == 0 {
			return all, nil
		}
		all = append(all, rows...)
	}
}

// MergeCommit returns the merge commit of pull request number, or "" when
// it is not merged.
//
// Gitea API: GET /repos/{owner}/{repo}/pulls/{index}
func (c *Client) MergeCommit(ctx context.Context, number int) (string, error) {
	var pr struct {
		Merged         bool    `json:"merged"`
		MergeCommitSHA *string `json:"merge_commit_sha"`
	}
	if err := c.get(ctx, c.repoPath(fmt.Sprintf("/pulls/%d", number)), nil, &pr); err != nil {
		return "", fmt.Errorf("read gitea pull request #%d: %w", number, err)
	}
	if !pr.Merged || pr.MergeCommitSHA == nil {
		return "", nil
	}
	return *pr.MergeCommitSHA, nil
}

// Contains reports whether ref (a tag, a branch or a commit id) contains
// commit: the commits reachable from commit and not from ref are none.
// A ref or commit Gitea does not know is an error wrapping ErrRefNotFound
// (Gitea answers 404 "not found").
//
// The compare route takes "{base}...{head}" as one path tail
// (routers/api/v1/api.go: /compare/*), so ref is sent with its slashes as
// they are, each segment escaped: a tag "release/1.2" and a branch
// "fix/rounding" are found as written (checked on Gitea 1.25.4, as are
// full commit ids on either side and a short one as commit).
//
// Gitea API: GET /repos/{owner}/{repo}/compare/{ref}...{commit}?files=false&verification=false
func (c *Client) Contains(ctx context.Context, ref, commit string) (bool, error) {
	if ref == "" || commit == "" || strings.Contains(ref, "...") || strings.Contains(commit, "...") {
		return false, fmt.Errorf("compare gitea %q with %q: %w", ref, commit, ErrRefNotFound)
	}
	var cmp struct {
		TotalCommits *int `json:"total_commits"`
	}
	q := url.Values{"files": {"false"}, "verification": {"false"}}
	path := c.repoPath("/compare/" + escapeRefPath(ref) + "..." + escapeRefPath(commit))
	err := c.get(ctx, path, q, &cmp)
	if StatusCode(err) == http.StatusNotFound {
		return false, fmt.Errorf("compare gitea %q with %q: %w (%v)", ref, commit, ErrRefNotFound, err)
	}
	if err != nil {
		return false, fmt.Errorf("compare gitea %q with %q: %w", ref, commit, err)
	}
	if cmp.TotalCommits == nil {
		return false, fmt.Errorf("compare gitea %q with %q: %w", ref, commit, errNoTotal)
	}
	return *cmp.TotalCommits == 0, nil
}

var errNoTotal = errors.New("the answer has no total_commits")

// escapeRefPath escapes each slash-separated segment of a ref name and
// keeps the slashes.
func escapeRefPath(ref string) string {
	segs := strings.Split(ref, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
