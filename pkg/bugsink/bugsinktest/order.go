package bugsinktest

import (
	"sort"
	"strings"
)

// listKey names one list order of one project's issues.
type listKey struct {
	project int
	sort    string
	desc    bool
}

// listCache is a project's issues in one list order, valid while the
// server's changes count stands still: no issue added, no event digested (a
// resolve or a mute moves no issue). It lets the fake serve a million
// issues a page at a time without sorting them for every page.
type listCache struct {
	changes int
	rows    []*issueState
}

// sortedIssues returns a project's issues in list order, as
// issues/api_views.py get_ordering sorts them: digest_order alone;
// last_seen then id; digested_event_count then last_seen then id; the
// direction applies to every field. The slice is shared: read it only.
func (s *Server) sortedIssues(project int, sortBy string, desc bool) []*issueState {
	k := listKey{project, sortBy, desc}
	if c, ok := s.lists[k]; ok && c.changes == s.changes {
		return c.rows
	}
	var rows []*issueState
	for _, id := range s.order {
		if is := s.issues[id]; is.Project == project {
			rows = append(rows, is)
		}
	}
	less := issueLess(sortBy)
	sort.SliceStable(rows, func(i, j int) bool {
		if desc {
			return less(rows[j], rows[i])
		}
		return less(rows[i], rows[j])
	})
	if s.lists == nil {
		s.lists = map[listKey]listCache{}
	}
	s.lists[k] = listCache{changes: s.changes, rows: rows}
	return rows
}

// issueLess orders two issues ascending by a sort field and its
// tie-breakers.
func issueLess(sortBy string) func(a, b *issueState) bool {
	byLastSeen := func(a, b *issueState) bool {
		if !a.LastSeen.Equal(b.LastSeen) {
			return a.LastSeen.Before(b.LastSeen)
		}
		return strings.Compare(a.ID, b.ID) < 0
	}
	switch sortBy {
	case "last_seen":
		return byLastSeen
	case "digested_event_count":
		return func(a, b *issueState) bool {
			if a.DigestedEventCount != b.DigestedEventCount {
				return a.DigestedEventCount < b.DigestedEventCount
			}
			return byLastSeen(a, b)
		}
	}
	return func(a, b *issueState) bool { return a.DigestOrder < b.DigestOrder }
}
