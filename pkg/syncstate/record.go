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

	// The life of a mapped issue (written from bsync 0.x on; a record
	// without them reads as zero values and behaves as before).
	Recurrences   int       // recurrences: how many times it came back while mapped, open or closed
	LastRecurred  time.Time // last_recurred_at: when bsync last found it back
	ReportedClose string    // reported_close: closed_at of the Gitea close whose regression was reported
	PendingClose  string    // pending_close: the close whose regression is being reported (cleared when done)
	ResolvedAt    time.Time // bugsink_resolved_at: when bsync's resolve of the recorded state succeeded
	ReopenedAt    time.Time // reopened_in_bugsink_at: when bsync found a person's reopen (never resolved again)
	// ResolvedRelease is the release of the issue's latest event when bsync
	// resolved it "in the next release" (bugsink_resolved_release; "" for
	// an event without one); nil when not recorded.
	ResolvedRelease *string
	FiguresAt       time.Time // figures_written_at: when bsync last rewrote the body's figures
	ReopeningClose  string    // reopening_close: the close bsync is reopening the Gitea issue for (written before the reopen)

	// One bug seen in several environments (package envlink): the Gitea
	// issue is shared by the Bugsink issues of BugID.
	BugID       string    // bug_id: the bug this issue is one environment of ("" when not linked)
	Environment string    // environment: its project's environment (the env:* label without "env:")
	FirstSeen   time.Time // bugsink_first_seen: the issue's first_seen

	// A fix that has not shipped yet (docs/regressions.md, "Releases"):
	// the close the fix belongs to, the commit that closed the Gitea issue
	// ("" when closed by hand or not known), and the releases this issue's
	// events came from that do not contain it (returns from them are
	// quiet while the close stands).
	FixClose        string   // fix_close: the close (closeKey) whose fix was looked for
	FixCommit       string   // fix_commit: the commit that closed it, "" when none
	ReleasesWithout []string // releases_without_fix: releases judged not to contain the fix

	// raw is the record as read, so fields written by other tools or later
	// versions are written back unchanged (decoded only when writing).
	raw []byte
}

type recordJSON struct {
	GiteaIssueNumber int      `json:"gitea_issue_number"`
	SyncedAt         string   `json:"synced_at"`
	Project          string   `json:"project"`
	Title            string   `json:"title"`
	BugsinkIssueID   string   `json:"bugsink_issue_id,omitempty"`
	GiteaIssueURL    string   `json:"gitea_issue_url,omitempty"`
	LastSeen         *string  `json:"bugsink_last_seen,omitempty"`
	EventCount       int      `json:"bugsink_event_count,omitempty"`
	Regressions      int      `json:"regressions,omitempty"`
	WrittenBy        string   `json:"written_by,omitempty"`
	Recurrences      int      `json:"recurrences,omitempty"`
	LastRecurred     *string  `json:"last_recurred_at,omitempty"`
	ReportedClose    string   `json:"reported_close,omitempty"`
	PendingClose     string   `json:"pending_close,omitempty"`
	ResolvedAt       *string  `json:"bugsink_resolved_at,omitempty"`
	ReopenedAt       *string  `json:"reopened_in_bugsink_at,omitempty"`
	ResolvedRelease  *string  `json:"bugsink_resolved_release,omitempty"`
	FiguresAt        *string  `json:"figures_written_at,omitempty"`
	ReopeningClose   string   `json:"reopening_close,omitempty"`
	BugID            string   `json:"bug_id,omitempty"`
	Environment      string   `json:"environment,omitempty"`
	FirstSeen        *string  `json:"bugsink_first_seen,omitempty"`
	FixClose         string   `json:"fix_close,omitempty"`
	FixCommit        string   `json:"fix_commit,omitempty"`
	ReleasesWithout  []string `json:"releases_without_fix,omitempty"`
}

var knownFields = map[string]bool{
	"gitea_issue_number": true, "synced_at": true, "project": true, "title": true,
	"bugsink_issue_id": true, "gitea_issue_url": true, "bugsink_last_seen": true,
	"bugsink_event_count": true, "regressions": true, "written_by": true,
	"recurrences": true, "last_recurred_at": true, "reported_close": true, "pending_close": true,
	"bugsink_resolved_at": true, "reopened_in_bugsink_at": true,
	"bugsink_resolved_release": true, "figures_written_at": true, "reopening_close": true,
	"bug_id": true, "environment": true, "bugsink_first_seen": true,
	"fix_close": true, "fix_commit": true, "releases_without_fix": true,
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
		Recurrences:      r.Recurrences,
		ReportedClose:    r.ReportedClose,
		PendingClose:     r.PendingClose,
		LastRecurred:     optTime(r.LastRecurred),
		ResolvedAt:       optTime(r.ResolvedAt),
		ReopenedAt:       optTime(r.ReopenedAt),
		ResolvedRelease:  r.ResolvedRelease,
		FiguresAt:        optTime(r.FiguresAt),
		ReopeningClose:   r.ReopeningClose,
		BugID:            r.BugID,
		Environment:      r.Environment,
		FirstSeen:        optTime(r.FirstSeen),
		FixClose:         r.FixClose,
		FixCommit:        r.FixCommit,
		ReleasesWithout:  r.ReleasesWithout,
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
		Recurrences:      rj.Recurrences,
		ReportedClose:    rj.ReportedClose,
		PendingClose:     rj.PendingClose,
		ResolvedRelease:  rj.ResolvedRelease,
		ReopeningClose:   rj.ReopeningClose,
		BugID:            rj.BugID,
		Environment:      rj.Environment,
		FixClose:         rj.FixClose,
		FixCommit:        rj.FixCommit,
		ReleasesWithout:  rj.ReleasesWithout,
	}
	for _, f := range []struct {
		name string
		src  *string
		dst  *time.Time
	}{
		{"bugsink_last_seen", rj.LastSeen, &r.LastSeen},
		{"last_recurred_at", rj.LastRecurred, &r.LastRecurred},
		{"bugsink_resolved_at", rj.ResolvedAt, &r.ResolvedAt},
		{"reopened_in_bugsink_at", rj.ReopenedAt, &r.ReopenedAt},
		{"figures_written_at", rj.FiguresAt, &r.FiguresAt},
		{"bugsink_first_seen", rj.FirstSeen, &r.FirstSeen},
	} {
		if f.src == nil {
			continue
		}
		if *f.dst, err = parseTime(*f.src); err != nil {
			return fmt.Errorf("mapping record %s: %w", f.name, err)
		}
	}
	r.raw = append([]byte(nil), b...)
	return nil
}

// optTime writes a set time at full precision and leaves a zero one out.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
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

// AwaitingFix reports whether the issue came back after its Gitea issue
// was closed only from releases that do not contain the fix, and has not
// been resolved in Bugsink since: it is left unresolved there, quietly,
// until the fix ships or the old release stops reporting it.
func (r Record) AwaitingFix() bool {
	return r.FixClose != "" && r.FixClose != r.ReportedClose && r.FixClose != r.PendingClose &&
		len(r.ReleasesWithout) > 0 && r.ResolvedAt.IsZero()
}
