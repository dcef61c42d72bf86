package bugsink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// LatestEvent reads the newest stored event of an issue with its payload.
// It returns ErrNoEvents when every event was evicted.
//
// Bugsink API: GET /api/canonical/0/events/?issue={uuid}&order=desc, then
// GET /api/canonical/0/events/{id}/
func (c *Client) LatestEvent(ctx context.Context, issueID string) (*Event, error) {
	q := url.Values{}
	q.Set("issue", issueID)
	q.Set("order", "desc")
	var list page[EventSummary]
	if err := c.get(ctx, "/events/", q, &list); err != nil {
		return nil, fmt.Errorf("list events of issue %s: %w", issueID, err)
	}
	if len(list.Results) == 0 {
		return nil, ErrNoEvents
	}
	return c.Event(ctx, list.Results[0].ID)
}

// Event reads one event by its Bugsink id. A payload of an unexpected shape
// does not fail the read: Event.DataErr says what could not be decoded.
//
// Bugsink API: GET /api/canonical/0/events/{id}/
func (c *Client) Event(ctx context.Context, id string) (*Event, error) {
	var raw struct {
		EventSummary
		Data         json.RawMessage `json:"data"`
		StacktraceMD string          `json:"stacktrace_md"`
	}
	if err := c.get(ctx, "/events/"+url.PathEscape(id)+"/", nil, &raw); err != nil {
		return nil, fmt.Errorf("read event %s: %w", id, err)
	}
	ev := &Event{EventSummary: raw.EventSummary}
	if len(raw.Data) > 0 && string(raw.Data) != "null" {
		if err := json.Unmarshal(raw.Data, &ev.Data); err != nil {
			ev.DataErr = fmt.Errorf("event %s payload: %w", id, err)
		}
	}
	if ev.DataErr == nil && !ev.Data.HasVars() && !bytes.Contains(raw.Data, []byte(`"vars"`)) {
		// Bugsink lists each frame's local variables in this text; with no
		// frame carrying any, it holds nothing the payload does not, plus
		// the source-mapped frames.
		ev.StacktraceMD = raw.StacktraceMD
	}
	return ev, nil
}
