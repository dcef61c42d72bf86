package gitea

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Comments lists an issue's comments, oldest first. Gitea's route has no
// paging (routers/api/v1/repo/issue_comment.go, ListIssueComments takes no
// page or limit and answers every comment), so one request reads them all.
//
// Gitea API: GET /repos/{owner}/{repo}/issues/{number}/comments
func (c *Client) Comments(ctx context.Context, number int) ([]Comment, error) {
	var rows []Comment
	if err := c.get(ctx, c.repoPath("/issues/"+strconv.Itoa(number)+"/comments"), nil, &rows); err != nil {
		return nil, fmt.Errorf("list comments of gitea issue #%d: %w", number, err)
	}
	return rows, nil
}

// ErrBodyChanged says an issue's body changed after it was read (Gitea
// answered 409 to an edit carrying the content_version that was read).
var ErrBodyChanged = errors.New("the issue body changed since it was read")

// EditBody replaces an issue's body, only if it is still at version (the
// content_version read with it): a person's edit in between makes Gitea
// refuse the write, and EditBody returns ErrBodyChanged. Editing a body
// notifies no one (no UI notification, no mail; see the figures section in
// the syncer).
//
// Gitea API: PATCH /repos/{owner}/{repo}/issues/{number}
func (c *Client) EditBody(ctx context.Context, number int, body string, version int) error {
	opt := map[string]any{"body": body, "content_version": version}
	err := c.do(ctx, http.MethodPatch, c.repoPath("/issues/"+strconv.Itoa(number)), nil, opt, nil)
	if StatusCode(err) == http.StatusConflict {
		return fmt.Errorf("edit body of gitea issue #%d: %w", number, ErrBodyChanged)
	}
	if err != nil {
		return fmt.Errorf("edit body of gitea issue #%d: %w", number, err)
	}
	return nil
}
