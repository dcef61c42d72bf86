package gitea

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// Comments lists an issue's comments, oldest first. Gitea's route has no
// paging (routers/api/v1/repo/issue_comment.go, ListIssueComments takes no
// page or limit and answers every comment), so one request reads them all.
// Like a comment, the list answers 500 (not 404) for a missing issue.
//
// Gitea API: GET /repos/{owner}/{repo}/issues/{number}/comments
func (c *Client) Comments(ctx context.Context, number int) ([]Comment, error) {
	var rows []Comment
	if err := c.get(ctx, c.repoPath("/issues/"+strconv.Itoa(number)+"/comments"), nil, &rows); err != nil {
		return nil, fmt.Errorf("list comments of gitea issue #%d: %w", number, err)
	}
	return rows, nil
}

// EditBody replaces an issue's body. Gitea takes no precondition on the
// edit: its API ignores any content_version a client sends
// (routers/api/v1/repo/issue.go, EditIssue passes the stored
// issue.ContentVersion to issue_service.ChangeContent) and does not answer
// one, so a caller that must not overwrite a person's text reads the issue
// again right before the edit and compares. Editing a body notifies no one
// (no UI notification, no mail; see the figures section in pkg/render).
//
// Gitea API: PATCH /repos/{owner}/{repo}/issues/{number}
func (c *Client) EditBody(ctx context.Context, number int, body string) error {
	opt := map[string]any{"body": body}
	if err := c.do(ctx, http.MethodPatch, c.repoPath("/issues/"+strconv.Itoa(number)), nil, opt, nil); err != nil {
		return fmt.Errorf("edit body of gitea issue #%d: %w", number, err)
	}
	return nil
}
