package bugsink

import "time"

// Project is a Bugsink project as GET /api/canonical/0/projects/ shows it.
// Only the fields bsync reads are decoded; unknown fields are ignored.
type Project struct {
	ID                 int    `json:"id"`
	Name               string `json:"name"`
	Slug               string `json:"slug"`
	DigestedEventCount int    `json:"digested_event_count"`
	// GroupingMechanism is how the project groups events into issues
	// ("bugsink-v1", "bugsink-v2"; Bugsink 2.5.0+, "" before).
	GroupingMechanism string `json:"grouping_mechanism"`
}

// Issue is a Bugsink issue (one grouped error). Bugsink exposes no level,
// platform or tags here: those come from the newest event.
type Issue struct {
	ID                 string    `json:"id"`
	FriendlyID         string    `json:"friendly_id"`
	Project            int       `json:"project"`
	DigestOrder        int       `json:"digest_order"`
	FirstSeen          time.Time `json:"first_seen"`
	LastSeen           time.Time `json:"last_seen"`
	DigestedEventCount int       `json:"digested_event_count"`
	StoredEventCount   int       `json:"stored_event_count"`
	CalculatedType     string    `json:"calculated_type"`
	CalculatedValue    string    `json:"calculated_value"`
	Transaction        string    `json:"transaction"`
	IsResolved         bool      `json:"is_resolved"`
	IsMuted            bool      `json:"is_muted"`
	// IDErr is set by IssuePages when ID is not a lowercase UUID: such an
	// issue cannot be keyed in the sync state and is never worked on.
	IDErr error `json:"-"`
}

// EventSummary is one row of GET /events/?issue=… (no payload).
type EventSummary struct {
	ID          string    `json:"id"`
	Issue       string    `json:"issue"`
	EventID     string    `json:"event_id"`
	Timestamp   time.Time `json:"timestamp"`
	DigestOrder int       `json:"digest_order"`
}

// Event is GET /events/{id}/: the summary plus the stored Sentry payload.
type Event struct {
	EventSummary
	// Data is the decoded payload; when the payload has a shape bsync
	// cannot read, Data holds what could be read and DataErr says why.
	Data    EventData
	DataErr error
	// StacktraceMD is Bugsink's rendered trace (source maps applied), kept
	// only for an event whose payload was read whole and none of whose
	// frames carries local variables: Bugsink lists those in this text,
	// and they can hold secrets. Otherwise it is empty.
	StacktraceMD string
}

// page is Bugsink's cursor-paginated list wrapper (no count field).
type page[T any] struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}
