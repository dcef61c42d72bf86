package bugsink_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
)

// A server whose next link repeats the cursor it was just asked for would
// be listed forever: the listing stops with an error instead.
func TestAListingWhoseCursorRepeatsStops(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"next": "http://%s/api/canonical/0/issues/?project=1&cursor=abc", "previous": null, "results": []}`, r.Host)
	}))
	defer srv.Close()
	c := bugsink.New(srv.URL, bugsinktest.Token, fastOpts())
	pages := 0
	for _, err := range c.IssuePagesBy(t.Context(), 1, bugsink.SortLastSeen, true) {
		if err != nil {
			if !strings.Contains(err.Error(), "repeats") || pages != 2 {
				t.Errorf("after %d pages: %v", pages, err)
			}
			return
		}
		pages++
	}
	t.Error("the listing ended without an error")
}

// The listing asks for the ordering it names (issues/api_views.py).
func TestIssuePagesByAsksForItsOrdering(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("backend", "Backend")
	srv.AddIssue("backend", bugsinktest.IssueSpec{Type: "E"})
	for _, err := range c.IssuePagesBy(t.Context(), 1, bugsink.SortLastSeen, true) {
		if err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.Requests()
	if q := reqs[len(reqs)-1].Query; q.Get("sort") != "last_seen" || q.Get("order") != "desc" || q.Get("project") != "1" {
		t.Errorf("query %v", q)
	}
}
