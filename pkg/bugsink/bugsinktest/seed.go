package bugsinktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"bsync/pkg/bugsink"
)

// IssueSpec describes an issue to seed. Zero values get plausible defaults.
type IssueSpec struct {
	// ID, when set, is served verbatim as the issue's id, even when it is
	// not a UUID (a broken server or proxy).
	ID          string
	Type, Value string
	// Transaction is the first event's transaction (Bugsink keeps it).
	Transaction string
	FirstSeen   time.Time
	LastSeen    time.Time
	Count       int // digested_event_count; default 1
	Resolved    bool
	Muted       bool
	NoEvents    bool // all events evicted
	// Data is the newest event's Sentry payload; nil gets a small Python
	// exception built from Type and Value.
	Data map[string]any
	// RawData, when set, is used verbatim as the payload (malformed shapes).
	RawData json.RawMessage
}

// Team is the id of the team every project of the fake belongs to.
const Team = "7ea30000-0000-4000-8000-000000000001"

// AddProject creates a project and returns its id.
func (s *Server) AddProject(slug, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := len(s.projects) + 1
	team := Team
	s.projects = append(s.projects, &project{ID: id, Team: &team, Name: name, Slug: slug,
		DSN:             fmt.Sprintf("https://%032x@bugsink.invalid/%d", id, id),
		AlertOnNewIssue: true, AlertOnRegression: true, AlertOnUnmute: true, Visibility: "team_members",
		RetentionMaxEventCount: 10000, GroupingMechanism: "bugsink-v2"})
	return id
}

// AddIssue creates an issue in the project with slug and returns its UUID.
func (s *Server) AddIssue(slug string, spec IssueSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *project
	for _, pr := range s.projects {
		if pr.Slug == slug {
			p = pr
		}
	}
	if p == nil {
		panic("bugsinktest: no project " + slug)
	}
	s.seq++
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x5b0c0000+s.seq, s.seq%0x10000, s.seq%0x1000, (s.seq*7)%0x1000, (uint64(s.seq)*0x9e3779b1)&0xffffffffffff)
	if spec.ID != "" {
		id = spec.ID
	}
	if s.lastOrder == nil {
		s.lastOrder = map[int]int{}
	}
	s.lastOrder[p.ID]++
	order := s.lastOrder[p.ID]
	spec = spec.withDefaults(s.now())
	is := &issueState{
		ID: id, FriendlyID: fmt.Sprintf("%s-%d", strings.ToUpper(slug), order), Project: p.ID,
		DigestOrder: order, FirstSeen: spec.FirstSeen.UTC(), LastSeen: spec.LastSeen.UTC(),
		DigestedEventCount: spec.Count, StoredEventCount: spec.Count,
		CalculatedType: spec.Type, CalculatedValue: spec.Value, Transaction: spec.Transaction,
		IsResolved: spec.Resolved, IsResolvedUncond: spec.Resolved, IsMuted: spec.Muted,
	}
	s.issues[id] = is
	s.order = append(s.order, id)
	s.changes++
	p.DigestedEventCount += spec.Count - 1 // the event added below counts one
	if !spec.NoEvents {
		data := spec.RawData
		if data == nil {
			payload := spec.Data
			if payload == nil {
				payload = DefaultPayload(spec.Type, spec.Value)
			}
			data, _ = json.Marshal(payload)
		}
		// The first event made the release it names (releases.go).
		s.noteRelease(p.ID, payloadRelease(data), spec.FirstSeen)
		s.addEventLocked(is, data, spec.LastSeen)
	} else {
		is.StoredEventCount = 0
		p.DigestedEventCount++
	}
	return id
}

// withDefaults fills in the zero values of a spec.
func (spec IssueSpec) withDefaults(now time.Time) IssueSpec {
	if spec.Type == "" {
		spec.Type = "Error"
	}
	if spec.Count == 0 {
		spec.Count = 1
	}
	if spec.LastSeen.IsZero() {
		spec.LastSeen = now.Add(-time.Hour)
	}
	if spec.FirstSeen.IsZero() {
		spec.FirstSeen = spec.LastSeen.Add(-24 * time.Hour)
	}
	return spec
}

func (s *Server) addEventLocked(is *issueState, data json.RawMessage, at time.Time) {
	s.changes++ // the issue's last_seen and count may have moved
	s.seq++
	evID := fmt.Sprintf("e%07x-%04x-4%03x-9%03x-%012x", s.seq, s.seq%0x10000, s.seq%0x1000, s.seq%0x1000, uint64(s.seq))
	// Every event of the fake is digested and stored: the project's
	// counts grow with each.
	p := s.projects[is.Project-1]
	p.DigestedEventCount++
	p.StoredEventCount++
	ev := &eventState{ID: evID, IngestedAt: at.UTC(), DigestedAt: at.UTC(), Issue: is.ID, Grouping: 1,
		// The SDK's event id, rendered as a hyphenated UUID (UUIDField).
		EventID: fmt.Sprintf("00000000-0000-4000-8000-%012x", s.seq), Project: is.Project, Timestamp: at.UTC(),
		DigestOrder: len(is.eventIDs) + 1, data: data}
	s.events[evID] = ev
	is.eventIDs = append(is.eventIDs, evID)
}

// DefaultPayload returns a small Python event payload for an exception.
func DefaultPayload(typ, value string) map[string]any {
	return map[string]any{
		"platform": "python",
		"level":    "error",
		"exception": map[string]any{"values": []any{map[string]any{
			"type": typ, "value": value,
			"stacktrace": map[string]any{"frames": []any{
				map[string]any{"filename": "app/main.py", "function": "handle", "lineno": 42, "in_app": true,
					"context_line": "    return process(request)", "vars": map[string]any{"password": "hunter2"}},
			}},
		}}},
	}
}

// Regress makes a resolved issue come back, as Bugsink does on a new event
// after a plain resolve: same id, unresolved, later last_seen, one more
// event.
func (s *Server) Regress(issueID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[issueID]
	is.IsResolved, is.IsResolvedUncond = false, false
	s.repeatLastEventLocked(is, at)
}

// repeatLastEventLocked records one more event of is at, with the data of
// its newest event; the caller holds s.mu.
func (s *Server) repeatLastEventLocked(is *issueState, at time.Time) {
	is.LastSeen = at.UTC()
	is.DigestedEventCount++
	is.StoredEventCount++
	var data json.RawMessage
	if n := len(is.eventIDs); n > 0 {
		data = s.events[is.eventIDs[n-1]].data
	}
	s.addEventLocked(is, data, at)
}

// Reopen marks an issue unresolved without a new event, as a person's
// Reopen does (or as an earlier resolve that did not take looks).
func (s *Server) Reopen(issueID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reopen(s.issues[issueID])
}

// Issue returns a snapshot of one issue as the API shows it.
func (s *Server) Issue(issueID string) (bugsink.Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[issueID]
	if !ok {
		return bugsink.Issue{}, false
	}
	b, _ := json.Marshal(is)
	var out bugsink.Issue
	_ = json.Unmarshal(b, &out)
	return out, true
}

// IssueIDs returns every issue id in creation order.
func (s *Server) IssueIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// ResolveCount returns how many times the API resolved the issue.
func (s *Server) ResolveCount(issueID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is, ok := s.issues[issueID]; ok {
		return is.resolveCount
	}
	return 0
}

// Comments returns the comments posted so far.
func (s *Server) Comments() []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Comment(nil), s.comments...)
}

// SetVersion sets the version the schema endpoint reports.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}
