package syncer

import (
	"context"
	"strings"
	"time"

	"bsync/pkg/gitea"
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
func (e *Engine) findExisting(ctx context.Context, id string, since time.Time) (*gitea.Issue, error) {
	marker := Marker(id)
	var best *gitea.Issue
	consider := func(rows []gitea.Issue) {
		for i := range rows {
			if strings.Contains(rows[i].Body, marker) && (best == nil || rows[i].Number < best.Number) {
				best = &rows[i]
			}
		}
	}
	for page := 1; page <= searchPages; page++ {
		rows, err := e.Gitea.IssuePage(ctx, id, page)
		if err != nil {
			return nil, err
		}
		consider(rows)
		if len(rows) < gitea.PageLimit {
			break
		}
	}
	if best != nil {
		return best, nil
	}
	cutoff := since.Add(-clockSlack)
	for page := 1; page <= recentPages; page++ {
		rows, err := e.Gitea.IssuePage(ctx, "", page)
		if err != nil {
			return nil, err
		}
		consider(rows)
		if len(rows) < gitea.PageLimit || rows[len(rows)-1].CreatedAt.Before(cutoff) {
			break
		}
	}
	return best, nil
}
