package syncstate_test

import (
	"encoding/json"
	"testing"
	"time"

	"bsync/pkg/syncstate"
)

func TestRecordLifeFieldsRoundTripAndOlderRecordsRead(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 30, 15, 123456789, time.UTC)
	r := syncstate.Record{GiteaIssueNumber: 3, SyncedAt: at, Project: "p", Title: "t",
		Recurrences: 4, LastRecurred: at, ReportedClose: "2026-11-29T12:00:00Z", ResolvedAt: at, ReopenedAt: at}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back syncstate.Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Recurrences != 4 || !back.LastRecurred.Equal(at) || back.ReportedClose != r.ReportedClose ||
		!back.ResolvedAt.Equal(at) || !back.ReopenedAt.Equal(at) {
		t.Errorf("round trip %s → %+v", b, back)
	}
	// A record from before these fields: zero values, and its unknown
	// fields survive a write.
	var old syncstate.Record
	if err := json.Unmarshal([]byte(`{"gitea_issue_number":7,"synced_at":"2026-01-16T05:03:02Z","project":"p","title":"t","worker":"bull-7"}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.GiteaIssueNumber != 7 || !old.ResolvedAt.IsZero() || !old.ReopenedAt.IsZero() || old.ReportedClose != "" {
		t.Errorf("old record %+v", old)
	}
	old.ResolvedAt = at
	b, _ = json.Marshal(old)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["worker"] != "bull-7" || m["gitea_issue_number"] != float64(7) || m["bugsink_resolved_at"] == nil || m["reopened_in_bugsink_at"] != nil {
		t.Errorf("written back: %s", b)
	}
}
