package bugsink

import (
	"context"
	"net/url"
	"strconv"
)

// ResolveNext marks an issue "resolved by the next release": events from
// the releases Bugsink already knows do not reopen it, the first event of
// a newer release does (releases/models.py, create_release_if_needed). An
// issue that is already resolved counts as done.
//
// Bugsink API: POST /api/canonical/0/issues/{ref}/resolve-next/ (2.2.1+)
func (c *Client) ResolveNext(ctx context.Context, ref string) error {
	err := c.post(ctx, "/issues/"+url.PathEscape(ref)+"/resolve-next/", nil, nil)
	if isAlreadyResolved(err) {
		return nil
	}
	return err
}

// HasReleases reports whether a project has seen a release with a version.
// Bugsink keeps a release with an empty version for events that name
// none; that one does not count.
//
// Bugsink API: GET /api/canonical/0/releases/?project={id}
func (c *Client) HasReleases(ctx context.Context, projectID int) (bool, error) {
	q := url.Values{}
	q.Set("project", strconv.Itoa(projectID))
	for rows, err := range pages[struct {
		Version string `json:"version"`
	}](ctx, c, "/releases/", q) {
		if err != nil {
			return false, err
		}
		for _, r := range rows {
			if r.Version != "" {
				return true, nil
			}
		}
	}
	return false, nil
}
