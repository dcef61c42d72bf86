package main

import (
	"encoding/json"
	"strings"
	"testing"

	"bsync/pkg/peertest"
	"bsync/pkg/render"
	"bsync/pkg/safetytest"
)

// maxEventSize is Bugsink's default MAX_EVENT_SIZE: a bigger event is
// refused with 413.
const maxEventSize = 1 << 20

// TestRealHostileCorpus ingests the hostile corpus into the real Bugsink as
// events (every untrusted field of each carrying one case), syncs, and holds
// every issue the real Gitea stores to the renderer's invariants: no live
// mention or reference, no foreign HTML, links or images, the template's
// layout intact, no secret.
func TestRealHostileCorpus(t *testing.T) {
	t.Parallel()
	b := peertest.BugsinkServer(t)
	projects := []string{"flyer-crawler-frontend", "flyer-crawler-backend"}
	p := newRealPair(t, b, projects...)
	i := 0
	for _, s := range safetytest.Corpus {
		raw, err := json.Marshal(safetytest.HostileEvent(s).Data)
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if len(raw) > maxEventSize {
			// Bugsink refuses it whole (413); the case still reaches the
			// message, as an SDK within the limit would send it.
			ev = simpleEvent("GiantError", s)
		}
		p.b.Envelope(t, p.projects[projects[i%2]], ev)
		i++
	}
	d := p.sync(t)
	issues := p.assertOnePerIssue(t)
	if d["synced"] != float64(len(issues)) || len(issues) < len(safetytest.Corpus)/2 {
		t.Fatalf("synced %v of %d Bugsink issues (for %d hostile events)", d["synced"], len(issues), len(safetytest.Corpus))
	}
	for id, gi := range issues {
		for _, v := range append(safetytest.CheckTitle(gi.Title, render.MaxTitleBytes), safetytest.CheckBody(gi.Body, render.DefaultMaxBodyBytes, b.URL)...) {
			t.Errorf("gitea #%d (%s): %s", gi.Number, id, v)
		}
		for _, sec := range safetytest.Secrets {
			if strings.Contains(gi.Title+gi.Body, sec) {
				t.Errorf("gitea #%d (%s): secret %q survived", gi.Number, id, sec)
			}
		}
	}
}
