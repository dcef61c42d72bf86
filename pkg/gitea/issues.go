package gitea

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// CreateIssue creates an issue. It is never retried: a second attempt after
// a lost answer could create a second issue. When the answer lacks some of
// the labels sent, the issue is returned together with a
// *LabelMismatchError, since the issue exists and must be recorded.
//
// Gitea API: POST /repos/{owner}/{repo}/issues
func (c *Client) CreateIssue(ctx context.Context, opt CreateIssueOption) (*Issue, error) {
	var is Issue
	if err := c.do(ctx, http.MethodPost, c.repoPath("/issues"), nil, opt, &is); err != nil {
		return nil, fmt.Errorf("create gitea issue: %w", err)
	}
	if is.Number <= 0 {
		return nil, fmt.Errorf("create gitea issue: answer carries no issue number")
	}
	got := map[int64]bool{}
	for _, l := range is.Labels {
		got[l.ID] = true
	}
	var missing []int64
	for _, id := range opt.Labels {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return &is, &LabelMismatchError{Number: is.Number, Missing: missing}
	}
	return &is, nil
}

// Issue reads one issue by number.
//
// Gitea API: GET /repos/{owner}/{repo}/issues/{number}
func (c *Client) Issue(ctx context.Context, number int) (*Issue, error) {
	var is Issue
	if err := c.get(ctx, c.repoPath("/issues/"+strconv.Itoa(number)), nil, &is); err != nil {
		return nil, fmt.Errorf("read gitea issue #%d: %w", number, err)
	}
	return &is, nil
}

// AddLabels adds labels (ids) to an existing issue and returns its full
// label list.
//
// Gitea API: POST /repos/{owner}/{repo}/issues/{number}/labels
func (c *Client) AddLabels(ctx context.Context, number int, ids []int64) ([]Label, error) {
	var labels []Label
	body := map[string]any{"labels": ids}
	if err := c.do(ctx, http.MethodPost, c.repoPath("/issues/"+strconv.Itoa(number)+"/labels"), nil, body, &labels); err != nil {
		return nil, fmt.Errorf("add labels to gitea issue #%d: %w", number, err)
	}
	return labels, nil
}

// Comment adds a comment to an issue. Gitea answers 500 (not 404) for a
// missing issue, so callers read the issue first.
//
// Gitea API: POST /repos/{owner}/{repo}/issues/{number}/comments
func (c *Client) Comment(ctx context.Context, number int, body string) (*Comment, error) {
	var cm Comment
	if err := c.do(ctx, http.MethodPost, c.repoPath("/issues/"+strconv.Itoa(number)+"/comments"), nil, map[string]string{"body": body}, &cm); err != nil {
		return nil, fmt.Errorf("comment on gitea issue #%d: %w", number, err)
	}
	return &cm, nil
}

// SetState opens or closes an issue ("open" or "closed").
//
// Gitea API: PATCH /repos/{owner}/{repo}/issues/{number}
func (c *Client) SetState(ctx context.Context, number int, state string) (*Issue, error) {
	var is Issue
	if err := c.do(ctx, http.MethodPatch, c.repoPath("/issues/"+strconv.Itoa(number)), nil, map[string]string{"state": state}, &is); err != nil {
		return nil, fmt.Errorf("set gitea issue #%d %s: %w", number, state, err)
	}
	return &is, nil
}

// Issues lists the repository's issues, open and closed, newest first, a
// page at a time, reading at most maxPages pages (then ErrPageCap). With q
// non-empty Gitea searches titles, bodies and comments through its indexer
// (which can lag behind fresh writes); without q the list comes straight
// from the database.
//
// Gitea API: GET /repos/{owner}/{repo}/issues?type=issues&state=all&q=
func (c *Client) Issues(ctx context.Context, q string, maxPages int) iter.Seq2[[]Issue, error] {
	v := url.Values{}
	v.Set("type", "issues")
	v.Set("state", "all")
	if q != "" {
		v.Set("q", q)
	}
	return func(yield func([]Issue, error) bool) {
		for rows, err := range listPages[Issue](ctx, c, c.repoPath("/issues"), v, maxPages) {
			if err != nil {
				err = fmt.Errorf("list gitea issues: %w", err)
			}
			if !yield(rows, err) || err != nil {
				return
			}
		}
	}
}

// Repository reads the repository, including the token user's permissions.
//
// Gitea API: GET /repos/{owner}/{repo}
func (c *Client) Repository(ctx context.Context) (*Repository, error) {
	var r Repository
	if err := c.get(ctx, c.repoPath(""), nil, &r); err != nil {
		return nil, fmt.Errorf("read gitea repository %s/%s: %w", c.owner, c.repo, err)
	}
	return &r, nil
}

// Version reads the server version (no token needed).
//
// Gitea API: GET /version
func (c *Client) Version(ctx context.Context) (string, error) {
	var v struct {
		Version string `json:"version"`
	}
	if err := c.get(ctx, "/version", nil, &v); err != nil {
		return "", fmt.Errorf("read gitea version: %w", err)
	}
	return v.Version, nil
}

// IsLabelMismatch reports whether err says labels were dropped on create.
func IsLabelMismatch(err error) bool {
	var lm *LabelMismatchError
	return errors.As(err, &lm)
}

// ProbeIssueWrite checks, without creating anything, that the token may
// create issues: an empty create is refused with 403 when the token lacks
// the write:issue scope, and with 422 ("[Title]: Required") when it has it.
func (c *Client) ProbeIssueWrite(ctx context.Context) error {
	err := c.do(ctx, http.MethodPost, c.repoPath("/issues"), nil, map[string]any{}, nil)
	if StatusCode(err) == http.StatusUnprocessableEntity {
		return nil
	}
	if err == nil {
		return fmt.Errorf("an empty issue was accepted; check the repository")
	}
	return err
}
