package bugsinktest_test

import (
	"slices"
	"strconv"
	"testing"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/peertest"
)

// TestRealBugsinkContractReleaseList covers what bsync reads to judge an
// event against a fix: a project's releases as its events make them (one
// named, then an event naming none, then one whose name Bugsink
// sanitizes: "web/1.1.0" is listed as "web1.1.0"), an issue's events
// newest first and the release of one event.
func TestRealBugsinkContractReleaseList(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	p := newBugsinkPair(t)
	proj := p.project(t, "rel")
	releaseList := peertest.Call{Method: "GET", Path: "/releases/?project={rel}"}
	listed := []peertest.Option{peertest.Values("results[].version", "next"), peertest.Fits("results[]", bugsink.Release{})}
	first := exception("KeyError", "'sku'")
	first["release"] = "1.0.0"
	p.issue(t, proj, 1, "a", first)
	p.Same(t, releaseList, listed...)
	for _, release := range []string{"", "web/1.1.0"} {
		ev := exception("KeyError", "'sku'")
		if release != "" {
			ev["release"] = release
		}
		p.real.Store(t, proj, ev)
		p.fake.Ingest(p.Fake.IDs["{a}"], p.readIssue(t, p.Real.IDs["{a}"]).LastSeen, release)
		p.Same(t, releaseList, listed...)
	}
	p.Same(t, peertest.Call{Method: "GET", Path: "/releases/?project={rel}&order=asc"}, listed...)

	events := []peertest.Option{peertest.Values("results[].digest_order", "next"), peertest.Fits("results[]", bugsink.EventRef{})}
	p.Same(t, peertest.Call{Method: "GET", Path: "/events/?issue={a}"}, events...)
	p.Same(t, peertest.Call{Method: "GET", Path: "/events/?issue={a}&order=desc"}, events...)
	p.Same(t, peertest.Call{Method: "GET", Path: "/events/"}, peertest.Exact())
	for _, order := range []string{"asc", "desc"} {
		fake := &peertest.Bugsink{URL: p.fake.URL, Token: bugsinktest.Token}
		p.Set("ev", firstOf(t, p.real.API(t, "GET", "/events/?issue="+p.Real.IDs["{a}"]+"&order="+order, nil), "id"),
			firstOf(t, fake.API(t, "GET", "/events/?issue="+p.Fake.IDs["{a}"]+"&order="+order, nil), "id"))
		p.Same(t, peertest.Call{Method: "GET", Path: "/events/{ev}/"}, peertest.Values("data.release"))
	}
	t.Run("client", func(t *testing.T) {
		for _, side := range []*peertest.Target{p.Real, p.Fake} {
			token := p.real.Token
			if side == p.Fake {
				token = bugsinktest.Token
			}
			checkReleaseClient(t, side, token)
		}
	})
}

// checkReleaseClient reads the releases and events through bsync's client
// from one side.
func checkReleaseClient(t *testing.T, side *peertest.Target, token string) {
	t.Helper()
	c := bugsink.New(side.URL, token, apiclient.Options{Retries: -1})
	pid := mustInt(t, side.IDs["{rel}"])
	rs, err := c.Releases(t.Context(), pid, 1)
	var got []string
	for _, r := range rs {
		got = append(got, r.Version)
	}
	if err != nil || !slices.Equal(got, []string{"web1.1.0", "", "1.0.0"}) || !rs[0].DateReleased.After(rs[2].DateReleased) {
		t.Errorf("%s: releases %q (%+v), %v", side.URL, got, rs, err)
	}
	evs, err := c.IssueEvents(t.Context(), side.IDs["{a}"], 2)
	if err != nil || len(evs) != 2 || evs[0].DigestOrder != 3 || evs[1].DigestOrder != 2 || evs[0].IngestedAt.IsZero() || evs[0].Timestamp.IsZero() {
		t.Fatalf("%s: events %+v, %v", side.URL, evs, err)
	}
	if ev, err := c.Event(t.Context(), evs[0].ID); err != nil || ev.Data.Release != "web/1.1.0" {
		t.Errorf("%s: newest event's release: %v", side.URL, err)
	}
	if ev, err := c.Event(t.Context(), evs[1].ID); err != nil || ev.Data.Release != "" {
		t.Errorf("%s: the event that named none: %q, %v", side.URL, ev.Data.Release, err)
	}
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
