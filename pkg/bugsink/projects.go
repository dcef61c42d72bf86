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

// Project reads one project by its numeric id.
//
// Bugsink API: GET /api/canonical/0/projects/{id}/
func (c *Client) Project(ctx context.Context, id int) (*Project, error) {
	var p Project
	if err := c.get(ctx, fmt.Sprintf("/projects/%d/", id), nil, &p); err != nil {
		return nil, fmt.Errorf("read bugsink project %d: %w", id, err)
	}
	return &p, nil
}
