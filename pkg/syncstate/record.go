package syncstate

import (
	"encoding/json"
	"fmt"
	"time"
)

// Record maps one Bugsink issue to its Gitea issue. Its first four fields
// keep the names and types an older writer used (DESIGN.md, compatibility);
// the rest are bsync's additions. Fields this version does not know are
// written back unchanged.
type Record struct {
	GiteaIssueNumber int       // gitea_issue_number
	SyncedAt         time.Time // synced_at, RFC 3339 UTC
	Project          string    // project (Bugsink project slug)
	Title            string    // title

	BugsinkIssueID string    // bugsink_issue_id
	GiteaIssueURL  string    // gitea_issue_url
	LastSeen       time.Time // bugsink_last_seen: last_seen when synced or last handled (full precision)
	EventCount     int       // bugsink_event_count: digested_event_count then
	Regressions    int       // regressions: how many times it came back
	WrittenBy      string    // written_by: "bsync <version>"

	// raw is the record as read, so fields written by other tools or later
	// versions are written back unchanged (decoded only when writing).
	raw []byte
}

type recordJSON struct {
	GiteaIssueNumber int     `json:"gitea_issue_number"`
	SyncedAt         string  `json:"synced_at"`
	Project          string  `json:"project"`
	Title            string  `json:"title"`
	BugsinkIssueID   string  `json:"bugsink_issue_id,omitempty"`
	GiteaIssueURL    string  `json:"gitea_issue_url,omitempty"`
	LastSeen         *string `json:"bugsink_last_seen,omitempty"`
	EventCount       int     `json:"bugsink_event_count,omitempty"`
	Regressions      int     `json:"regressions,omitempty"`
	WrittenBy        string  `json:"written_by,omitempty"`
}

var knownFields = map[string]bool{
	"gitea_issue_number": true, "synced_at": true, "project": true, "title": true,
	"bugsink_issue_id": true, "gitea_issue_url": true, "bugsink_last_seen": true,
	"bugsink_event_count": true, "regressions": true, "written_by": true,
}

// FormatTime renders t as RFC 3339 in UTC with second precision, the form
// the mapping records use.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// MarshalJSON writes the record with its extra fields merged in.
func (r Record) MarshalJSON() ([]byte, error) {
	rj := recordJSON{
		GiteaIssueNumber: r.GiteaIssueNumber,
		SyncedAt:         FormatTime(r.SyncedAt),
		Project:          r.Project,
		Title:            r.Title,
		BugsinkIssueID:   r.BugsinkIssueID,
		GiteaIssueURL:    r.GiteaIssueURL,
		EventCount:       r.EventCount,
		Regressions:      r.Regressions,
		WrittenBy:        r.WrittenBy,
	}
	if !r.LastSeen.IsZero() {
		// Full precision: it is compared with Bugsink's last_seen.
		s := r.LastSeen.UTC().Format(time.RFC3339Nano)
		rj.LastSeen = &s
	}
	known, err := json.Marshal(rj)
	if err != nil || len(r.raw) == 0 {
		return known, err
	}
	var old map[string]json.RawMessage
	if json.Unmarshal(r.raw, &old) != nil {
		return known, nil
	}
	merged := map[string]json.RawMessage{}
	for k, v := range old {
		if !knownFields[k] {
			merged[k] = v
		}
	}
	if len(merged) == 0 {
		return known, nil
	}
	if err := json.Unmarshal(known, &merged); err != nil {
		return nil, err
	}
	return json.Marshal(merged)
}

// UnmarshalJSON reads a record and keeps its text, so unknown fields can be
// written back. The compatibility fields must have their documented types.
func (r *Record) UnmarshalJSON(b []byte) error {
	var rj recordJSON
	if err := json.Unmarshal(b, &rj); err != nil {
		return fmt.Errorf("mapping record is not a JSON object with the documented field types: %w", err)
	}
	synced, err := parseTime(rj.SyncedAt)
	if err != nil {
		return fmt.Errorf("mapping record synced_at: %w", err)
	}
	*r = Record{
		GiteaIssueNumber: rj.GiteaIssueNumber,
		SyncedAt:         synced,
		Project:          rj.Project,
		Title:            rj.Title,
		BugsinkIssueID:   rj.BugsinkIssueID,
		GiteaIssueURL:    rj.GiteaIssueURL,
		EventCount:       rj.EventCount,
		Regressions:      rj.Regressions,
		WrittenBy:        rj.WrittenBy,
	}
	if rj.LastSeen != nil {
		if r.LastSeen, err = parseTime(*rj.LastSeen); err != nil {
			return fmt.Errorf("mapping record bugsink_last_seen: %w", err)
		}
	}
	r.raw = append([]byte(nil), b...)
	return nil
}

// parseTime accepts RFC 3339 with or without fractional seconds; an empty
// value is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
