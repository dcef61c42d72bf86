package peertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Bugsink is a real Bugsink server and an API token for it.
type Bugsink struct {
	URL   string
	Token string
}

// BugsinkServer returns the real Bugsink named by BSYNC_TEST_BUGSINK_URL
// and BSYNC_TEST_BUGSINK_TOKEN, or skips the test (fails it under CI=true).
func BugsinkServer(tb testing.TB) *Bugsink {
	tb.Helper()
	v := need(tb, EnvBugsinkURL, EnvBugsinkToken)
	return &Bugsink{URL: v[0], Token: v[1]}
}

// BugsinkDevServer returns the Bugsink served by Django's development
// server (BSYNC_TEST_BUGSINK_DEV_URL, with BSYNC_TEST_BUGSINK_DEV_TOKEN or
// else BSYNC_TEST_BUGSINK_TOKEN), or skips the test (fails it under
// CI=true).
func BugsinkDevServer(tb testing.TB) *Bugsink {
	tb.Helper()
	u := need(tb, EnvBugsinkDevURL)[0]
	tok := envOr(EnvBugsinkDevToken)
	if tok == "" {
		tok = need(tb, EnvBugsinkToken)[0]
	}
	return &Bugsink{URL: u, Token: tok}
}

// Project is a Bugsink project made for one test.
type Project struct {
	ID   int
	Slug string
	DSN  string
	Key  string // the DSN's public key, for X-Sentry-Auth
}

// API sends a request to Bugsink's canonical API (path after
// /api/canonical/0) with the token.
func (b *Bugsink) API(tb testing.TB, method, path string, body any) *Response {
	tb.Helper()
	return b.APIWith(tb, method, path, b.Token, body)
}

// APIWith is API with another token ("" sends none).
func (b *Bugsink) APIWith(tb testing.TB, method, path, token string, body any) *Response {
	tb.Helper()
	h := map[string]string{"Accept": "application/json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return Send(tb, Request{Method: method, URL: b.URL + "/api/canonical/0" + path, Header: h, Body: body})
}

// NewProject creates a project named name plus a unique suffix (its slug is
// the name) in the installation's first team, creating a team when there is
// none.
func (b *Bugsink) NewProject(tb testing.TB, name string) Project {
	tb.Helper()
	r := b.API(tb, "POST", "/projects/", map[string]any{"name": UniqueName(name), "team": b.team(tb)})
	expect(tb, "create project "+name, r, 201)
	var created struct {
		ID json.Number `json:"id"` // Bugsink 2.5.0 answers the create with the id as a string
	}
	r.JSON(tb, &created)
	g := b.API(tb, "GET", "/projects/"+created.ID.String()+"/", nil)
	expect(tb, "read project "+created.ID.String(), g, 200)
	var p struct {
		ID   int    `json:"id"`
		Slug string `json:"slug"`
		DSN  string `json:"dsn"`
	}
	g.JSON(tb, &p)
	u, err := url.Parse(p.DSN)
	if err != nil || u.User == nil {
		tb.Fatalf("peertest: project %d has no usable DSN %q", p.ID, p.DSN)
	}
	return Project{ID: p.ID, Slug: p.Slug, DSN: p.DSN, Key: u.User.Username()}
}

func (b *Bugsink) team(tb testing.TB) string {
	tb.Helper()
	var page struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	r := b.API(tb, "GET", "/teams/", nil)
	expect(tb, "list teams", r, 200)
	r.JSON(tb, &page)
	if len(page.Results) > 0 {
		return page.Results[0].ID
	}
	c := b.API(tb, "POST", "/teams/", map[string]any{"name": UniqueName("team")})
	expect(tb, "create team", c, 201)
	var t struct {
		ID string `json:"id"`
	}
	c.JSON(tb, &t)
	return t.ID
}

// Fresh returns a copy of a recorded event with a new event_id and the
// current time, as an SDK sending it now would.
func Fresh(event map[string]any) (map[string]any, string) {
	e := maps.Clone(event)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	e["event_id"] = hex.EncodeToString(id)
	e["timestamp"] = float64(time.Now().UnixMicro()) / 1e6
	return e, e["event_id"].(string)
}

func (b *Bugsink) sentryAuth(p Project) map[string]string {
	return map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + p.Key + ", sentry_client=bsync-peertest/1"}
}

// Store sends a fresh copy of event to the project's store endpoint, as an
// SDK does; Bugsink digests it within the request. It returns the event id.
func (b *Bugsink) Store(tb testing.TB, p Project, event map[string]any) string {
	tb.Helper()
	e, id := Fresh(event)
	r := Send(tb, Request{Method: "POST", URL: b.URL + "/api/" + strconv.Itoa(p.ID) + "/store/", Header: b.sentryAuth(p), Body: e})
	expect(tb, "store event in "+p.Slug, r, 200)
	return id
}

// StoreMany sends a fresh copy of each event to the project's store
// endpoint, as Store does, a few at a time: Bugsink digests each within its
// request, so the issues it makes are numbered in the order the events
// arrive, not in the order given.
func (b *Bugsink) StoreMany(tb testing.TB, p Project, events []map[string]any) {
	tb.Helper()
	const workers = 4
	next := make(chan map[string]any)
	errs := make(chan error, len(events))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ev := range next {
				e, _ := Fresh(ev)
				r, err := send(Request{Method: "POST", URL: b.URL + "/api/" + strconv.Itoa(p.ID) + "/store/", Header: b.sentryAuth(p), Body: e})
				if err == nil && r.Status != 200 {
					err = fmt.Errorf("store event in %s: status %d: %s", p.Slug, r.Status, r.Body)
				}
				errs <- err
			}
		})
	}
	for _, ev := range events {
		next <- ev
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatalf("peertest: %v", err)
		}
	}
}

// Envelope sends a fresh copy of event in a Sentry envelope, as current SDKs
// do. It returns the event id.
func (b *Bugsink) Envelope(tb testing.TB, p Project, event map[string]any) string {
	tb.Helper()
	e, id := Fresh(event)
	payload, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	var env bytes.Buffer
	fmt.Fprintf(&env, `{"event_id":%q,"dsn":%q}`+"\n", id, p.DSN)
	fmt.Fprintf(&env, `{"type":"event","length":%d}`+"\n", len(payload))
	env.Write(payload)
	env.WriteByte('\n')
	h := b.sentryAuth(p)
	h["Content-Type"] = "application/x-sentry-envelope"
	r := Send(tb, Request{Method: "POST", URL: b.URL + "/api/" + strconv.Itoa(p.ID) + "/envelope/", Header: h, Body: env.Bytes()})
	expect(tb, "send envelope to "+p.Slug, r, 200)
	return id
}
