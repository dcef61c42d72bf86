package bugsink

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// Orderings of the issue list (issues/api_views.py IssuesCursorPagination).
const (
	// SortDigestOrder is unique per project and never changes: a cursor
	// walk in this order sees each issue once.
	SortDigestOrder = "digest_order"
	// SortLastSeen orders by last_seen, ties broken by id in the same
	// direction. last_seen is the server's ingestion time of the newest
	// event (ingest/views.py digest_event: issue.last_seen = ingested_at).
	SortLastSeen = "last_seen"
)

// IssuePagesBy yields a project's issues a page at a time in the given
// ordering (SortDigestOrder or SortLastSeen, desc or asc). Like IssuePages,
// ids that are not UUIDs come back with IDErr set.
//
// Bugsink API: GET /api/canonical/0/issues/?project={id}&sort={sort}&order={order}
func (c *Client) IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]Issue, error] {
	q := url.Values{}
	q.Set("project", strconv.Itoa(projectID))
	q.Set("sort", sort)
	q.Set("order", "asc")
	if desc {
		q.Set("order", "desc")
	}
	return checkIDs(pages[Issue](ctx, c, "/issues/", q))
}
