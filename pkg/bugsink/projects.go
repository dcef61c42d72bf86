package bugsink

import (
	"context"
	"fmt"
)

// Projects lists every project the token can see, in name order.
//
// Bugsink API: GET /api/canonical/0/projects/
func (c *Client) Projects(ctx context.Context) ([]Project, error) {
	ps, err := collect(pages[Project](ctx, c, "/projects/", nil))
	if err != nil {
		return nil, fmt.Errorf("list bugsink projects: %w", err)
	}
	return ps, nil
}
