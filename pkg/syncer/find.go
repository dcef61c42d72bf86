package syncer

import (
	"context"
	"errors"
	"strings"
	"time"

	"bsync/pkg/gitea"
	"bsync/pkg/render"
)

const (
	// searchPages bounds the indexed search for one marker.
	searchPages = 3
	// recentPages bounds the walk through the newest issues.
	recentPages = 5
	// clockSlack allows for the bsync host's and Gitea's clocks to differ.
	clockSlack = 10 * time.Minute
)

// findExisting looks for the Gitea issue that carries id's marker, created
// at or after since. Search results are confirmed against the exact marker
// (the index also returns near-matches); since Gitea's search index can lag
// a couple of seconds behind a fresh create, the newest issues are then
// read straight from the database as well. With several matches the lowest
// number wins. It returns nil when there is none.
func (w *writer) findExisting(ctx context.Context, id string, since time.Time) (*gitea.Issue, error) {
	marker := render.Marker(id)
	var best *gitea.Issue
	consider := func(rows []gitea.Issue) {
		for i := range rows {
			if strings.Contains(rows[i].Body, marker) && (best == nil || rows[i].Number < best.Number) {
				best = &rows[i]
			}
		}
	}
	// Both walks are bounded on purpose: reaching a cap ends the walk,
	// it is not an error.
	for rows, err := range w.Gitea.Issues(ctx, id, searchPages) {
		if errors.Is(err, gitea.ErrPageCap) {
			break
		}
		if err != nil {
			return nil, err
		}
		consider(rows)
	}
	if best != nil {
		return best, nil
	}
	cutoff := since.Add(-clockSlack)
	for rows, err := range w.Gitea.Issues(ctx, "", recentPages) {
		if errors.Is(err, gitea.ErrPageCap) {
			break
		}
		if err != nil {
			return nil, err
		}
		consider(rows)
		if rows[len(rows)-1].CreatedAt.Before(cutoff) {
			break
		}
	}
	return best, nil
}
