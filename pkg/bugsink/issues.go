package bugsink

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// IssuePages yields a project's issues a page (up to 250) at a time, in the
// stable digest order. Bugsink has no status filter: every issue, resolved
// or not, comes back and the caller keeps the ones it wants. An issue whose
// id is not a UUID comes back with IDErr set and must be left alone.
//
// Bugsink API: GET /api/canonical/0/issues/?project={id}&sort=digest_order&order=asc
func (c *Client) IssuePages(ctx context.Context, projectID int) iter.Seq2[[]Issue, error] {
	q := url.Values{}
	q.Set("project", strconv.Itoa(projectID))
	q.Set("sort", "digest_order")
	q.Set("order", "asc")
	return checkIDs(pages[Issue](ctx, c, "/issues/", q))
}

// Issue reads one issue by UUID or friendly id.
//
// Bugsink API: GET /api/canonical/0/issues/{ref}/
func (c *Client) Issue(ctx context.Context, ref string) (*Issue, error) {
	var is Issue
	if err := c.get(ctx, "/issues/"+url.PathEscape(ref)+"/", nil, &is); err != nil {
		return nil, err
	}
	return &is, nil
}

// Resolve marks an issue resolved. An issue that is already resolved counts
// as done (Bugsink answers 400 "Issue is already resolved.").
//
// Bugsink API: POST /api/canonical/0/issues/{ref}/resolve/
func (c *Client) Resolve(ctx context.Context, ref string) error {
	err := c.post(ctx, "/issues/"+url.PathEscape(ref)+"/resolve/", nil, nil)
	if isAlreadyResolved(err) {
		return nil
	}
	return err
}

func isAlreadyResolved(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(ae.Message), "already resolved")
}

// Comment adds a comment to an issue, as the token (user null).
//
// Bugsink API: POST /api/canonical/0/issue-comments/
func (c *Client) Comment(ctx context.Context, ref, text string) error {
	body := map[string]string{"issue": ref, "comment": text}
	return c.post(ctx, "/issue-comments/", body, nil)
}
