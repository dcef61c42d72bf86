package bugsink

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxEventRefs is the most events IssueEvents reads: one page of
// Bugsink's events list.
const MaxEventRefs = 250

// Release is one release of a project as Bugsink's release list shows it
// (releases/serializers.py ReleaseListSerializer).
type Release struct {
	ID string `json:"id"`
	// Version is the release as the SDK sent it after Bugsink's
	// sanitize_version (ReleaseVersion); "" is the release Bugsink keeps
	// for the events that named none.
	Version string `json:"version"`
	// DateReleased is when Bugsink first saw the release: the ingest time
	// of its first event (or the timestamp given to POST /releases/).
	DateReleased time.Time `json:"date_released"`
}

// Releases returns a project's releases, newest date_released first, as
// Bugsink lists them (a date order, not Bugsink's own release order,
// which needs each release's sort_epoch). It reads at most maxPages pages
// of 250 (at least one); the oldest releases past them are left out. An
// unknown project has none.
//
// Bugsink API: GET /api/canonical/0/releases/?project={id}&order=desc
func (c *Client) Releases(ctx context.Context, projectID int, maxPages int) ([]Release, error) {
	q := url.Values{}
	q.Set("project", strconv.Itoa(projectID))
	q.Set("order", "desc")
	var all []Release
	n := 0
	for rows, err := range pages[Release](ctx, c, "/releases/", q) {
		if err != nil {
			return nil, fmt.Errorf("list releases of project %d: %w", projectID, err)
		}
		all = append(all, rows...)
		if n++; n >= maxPages {
			break
		}
	}
	return all, nil
}

// EventRef is one row of an issue's event list (events/serializers.py
// EventListSerializer); the list carries no release: Event reads it from
// the payload.
type EventRef struct {
	ID string `json:"id"`
	// DigestOrder numbers the issue's events in the order Bugsink digested
	// them, from 1.
	DigestOrder int `json:"digest_order"`
	// IngestedAt is when Bugsink received the event.
	IngestedAt time.Time `json:"ingested_at"`
	// Timestamp is the event's own time, as the SDK stamped it.
	Timestamp time.Time `json:"timestamp"`
}

// IssueEvents returns up to limit (at most MaxEventRefs) of an issue's
// stored events, newest (highest digest_order) first: one page.
//
// Bugsink API: GET /api/canonical/0/events/?issue={uuid}&order=desc
func (c *Client) IssueEvents(ctx context.Context, issueID string, limit int) ([]EventRef, error) {
	limit = min(max(limit, 0), MaxEventRefs)
	q := url.Values{}
	q.Set("issue", issueID)
	q.Set("order", "desc")
	var list page[EventRef]
	if err := c.get(ctx, "/events/", q, &list); err != nil {
		return nil, fmt.Errorf("list events of issue %s: %w", issueID, err)
	}
	return list.Results[:min(limit, len(list.Results))], nil
}

// ReleaseVersion is the version Bugsink lists for the release an event
// names: the event keeps 250 characters of the name as sent
// (events/models.py), and releases/models.py sanitize_version in Bugsink
// 2.5.0 drops newlines, tabs, slashes and backslashes, names ".", ".."
// and " " "sanitized", and keeps 200 characters ("web/1.0.1" is listed
// as "web1.0.1").
func ReleaseVersion(release string) string {
	if r := []rune(release); len(r) > 250 {
		release = string(r[:250])
	}
	v := strings.NewReplacer("\n", "", "\t", "", "/", "", "\\", "").Replace(release)
	if v == "." || v == ".." || v == " " {
		v = "sanitized"
	}
	if r := []rune(v); len(r) > 200 {
		v = string(r[:200])
	}
	return v
}
