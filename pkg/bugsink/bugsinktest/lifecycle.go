package bugsinktest

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"bsync/pkg/bugsink"
)

// The life of an issue after a resolve, as Bugsink 2.4+ lives it:
// issues/models.py (IssueStateManager.resolve, resolve_by_next, reopen),
// issues/regressions.py (issue_is_regression, is_regression),
// releases/models.py (create_release_if_needed: the first event of a new
// latest release turns every "resolved by next release" issue of the
// project into "fixed at that release") and ingest/views.py (the digest:
// last_seen and counts grow on every event, resolved or not; a regression
// reopens the issue in place). Releases are ordered as first seen (Bugsink
// orders semver versions by version, others by date).

// action serves POST /issues/{ref}/resolve-next/ and /reopen/
// (issues/api_views.py).
func (s *Server) action(w http.ResponseWriter, ref, name string) {
	is, ok := s.lookup(w, ref)
	if !ok {
		return
	}
	switch name {
	case "resolve-next":
		if is.IsResolved {
			writeJSON(w, 400, detail("Issue is already resolved."))
			return
		}
		is.IsResolved, is.IsResolvedUncond, is.IsResolvedByNext, is.IsMuted = true, false, true, false
		is.resolveCount++
	case "reopen":
		if !is.IsResolved {
			writeJSON(w, 400, detail("Issue is not resolved."))
			return
		}
		reopen(is)
	}
	writeJSON(w, 200, is)
}

// reopen is IssueStateManager.reopen: fixed_at is kept, nothing else moves.
func reopen(is *issueState) {
	is.IsResolved, is.IsResolvedUncond, is.IsResolvedByNext, is.IsMuted = false, false, false, false
}

type releaseJSON struct {
	ID           string    `json:"id"`
	Project      int       `json:"project"`
	Version      string    `json:"version"`
	DateReleased time.Time `json:"date_released"`
}

// listReleases serves GET /releases/?project=<id> (releases/api_views.py):
// newest first unless order=asc, by date_released; each release made by
// the first event that named it (releases.go), "" by the first that named
// none.
func (s *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("project")
	if raw == "" {
		writeJSON(w, 400, map[string][]string{"project": {"This field is required."}})
		return
	}
	pid, err := strconv.Atoi(raw)
	if err != nil {
		serverError(w, "Field 'id' expected a number but got '"+raw+"'.")
		return
	}
	order := r.URL.Query().Get("order")
	if order != "" && order != "asc" && order != "desc" {
		writeJSON(w, 400, map[string][]string{"order": {"Must be 'asc' or 'desc'."}})
		return
	}
	rows := []releaseJSON{}
	for _, v := range s.releaseVersions(pid) {
		// Listed under its sanitized name (releases/models.py
		// sanitize_version): "web/1.0.1" is "web1.0.1".
		rows = append(rows, releaseJSON{Version: bugsink.ReleaseVersion(v), DateReleased: s.releasedAt[releaseKey(pid, v)]})
	}
	for i := range rows {
		rows[i].Project = pid
		rows[i].ID = fmt.Sprintf("7e1ea5e0-%04x-4000-8000-%012x", pid%0x10000, crc32.ChecksumIEEE([]byte(rows[i].Version)))
	}
	desc := order != "asc"
	sort.SliceStable(rows, func(i, j int) bool {
		if desc {
			return rows[j].DateReleased.Before(rows[i].DateReleased)
		}
		return rows[i].DateReleased.Before(rows[j].DateReleased)
	})
	paginate(s, w, r, rows, func(r releaseJSON) string { return keyTime(r.DateReleased) }, desc)
}

// Ingest digests one new event of an issue at time at from release (""
// for none), as Bugsink does: last_seen and the counts grow whatever the
// state; a new release materialises "resolved by next release"; a resolved
// issue the event regresses is reopened in place. It reports whether the
// issue was reopened.
func (s *Server) Ingest(issueID string, at time.Time, release string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[issueID]
	s.repeatLastEventLocked(is, at)
	ev := s.events[is.eventIDs[len(is.eventIDs)-1]]
	ev.data = withRelease(ev.data, release)
	s.noteRelease(is.Project, release, at)
	regressed := s.isRegression(is, release)
	if regressed {
		reopen(is)
	}
	if !slices.Contains(is.eventsAt, release) {
		is.eventsAt = append(is.eventsAt, release)
	}
	return regressed
}

// isRegression is issues/regressions.py's issue_is_regression.
func (s *Server) isRegression(is *issueState, release string) bool {
	switch {
	case !is.IsResolved, is.IsResolvedByNext:
		return false
	case is.IsResolvedUncond, len(s.releases[is.Project]) == 0:
		return true
	}
	marked := false
	for _, r := range s.releases[is.Project] {
		if slices.Contains(is.fixedAt, r) {
			marked = true
		} else if slices.Contains(is.eventsAt, r) {
			marked = false
		}
		if r == release {
			return marked
		}
	}
	return false
}

// withRelease is a copy of an event payload sent from release (the
// payload's "release", which Bugsink stores as the SDK sent it; "" for
// none).
func withRelease(data json.RawMessage, release string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	delete(m, "release")
	if release != "" {
		m["release"], _ = json.Marshal(release)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}
