package bugsinktest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

// These tests pin what the contract tests (contract_test.go) found the
// fake answering differently from Bugsink 2.5, so that the fix holds in
// every run, with or without the real servers.

// TestProjectsCarryEveryField: a project has the serializer's every field,
// a team, and counts that grow with each event.
func TestProjectsCarryEveryField(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("shop", "shop")
	id := srv.AddIssue("shop", bugsinktest.IssueSpec{Type: "KeyError"})
	srv.Ingest(id, time.Now(), "")
	_, _, body := call(t, srv, "GET", "/api/canonical/0/projects/1/", "", false)
	var p map[string]any
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "team", "name", "slug", "dsn", "digested_event_count", "stored_event_count",
		"alert_on_new_issue", "alert_on_regression", "alert_on_unmute", "visibility", "retention_max_event_count", "grouping_mechanism"} {
		if _, ok := p[k]; !ok {
			t.Errorf("project lacks %q: %s", k, body)
		}
	}
	if p["team"] == nil || p["digested_event_count"] != 2.0 || p["stored_event_count"] != 2.0 {
		t.Errorf("want a team and 2 events digested and stored: %s", body)
	}
}

// TestEventIDsAreHyphenatedUUIDs: Bugsink renders the SDK's event id as a
// UUIDField does.
func TestEventIDsAreHyphenatedUUIDs(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("shop", "shop")
	id := srv.AddIssue("shop", bugsinktest.IssueSpec{Type: "KeyError"})
	_, _, body := call(t, srv, "GET", "/api/canonical/0/events/?issue="+id, "", false)
	var page struct {
		Results []struct {
			ID      string `json:"id"`
			EventID string `json:"event_id"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Results) != 1 {
		t.Fatalf("%v: %s", err, body)
	}
	if re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`); !re.MatchString(page.Results[0].EventID) {
		t.Errorf("event_id %q is not a hyphenated UUID", page.Results[0].EventID)
	}
	// The detail route takes any UUID spelling; anything else is a bare 404.
	ev := page.Results[0].ID
	for path, want := range map[string]string{
		"/api/canonical/0/events/" + strings.ToUpper(ev) + "/":                         `"id":"` + ev + `"`,
		"/api/canonical/0/events/not-an-id/":                                           `{"detail":"Not found."}`,
		"/api/canonical/0/events/00000000-0000-4000-8000-000000000000/":                `{"detail":"No Event matches the given query."}`,
		"/api/canonical/0/events/" + strings.ReplaceAll(ev, "-", "") + "/":             `"id":"` + ev + `"`,
		"/api/canonical/0/events/" + strings.ReplaceAll(ev, "-", "")[:31] + "/":        `{"detail":"Not found."}`,
		"/api/canonical/0/events/" + "{" + strings.ReplaceAll(ev, "-", "") + "}" + "/": `"id":"` + ev + `"`,
	} {
		if _, _, got := call(t, srv, "GET", path, "", false); !strings.Contains(got, want) {
			t.Errorf("GET %s: %s, want %s", path, got, want)
		}
	}
}

// TestErrorTextIsEscapedAsDjangoDoes: the text/html error pages carry the
// message through Django's autoescape.
func TestErrorTextIsEscapedAsDjangoDoes(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	code, _, body := call(t, srv, "GET", "/api/canonical/0/issues/?project=a'b", "", false)
	if want := "Field &#x27;id&#x27; expected a number but got &#x27;a&#x27;b&#x27;."; code != 500 || body != want {
		t.Errorf("got %d %q, want 500 %q", code, body, want)
	}
	if code, _, body := call(t, srv, "GET", "/api/canonical/0/<b>", "", false); code != 404 || body != "Unimplemented API endpoint: /api/canonical/0/&lt;b&gt;" {
		t.Errorf("got %d %q", code, body)
	}
}

// TestCursorsAreReadAsDRFReadsThem: Python's lenient base64, an offset
// and a direction that must be integers, and a cursor without a position
// is the first page.
func TestCursorsAreReadAsDRFReadsThem(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("shop", "shop")
	srv.AddIssue("shop", bugsinktest.IssueSpec{Type: "KeyError"})
	for cursor, want := range map[string]int{
		"%25%25%25":        200, // no base64 at all: nothing, the first page
		"bm90IGEgY3Vyc29y": 200, // "not a cursor": no keys
		"cj0x":             200, // "r=1"
		"cD0x%3D%3D%3D%3D": 200, // "p=1" with too much padding
		"cD0":              404, // a group without its padding
		"bz14":             404, // "o=x"
		"cj14":             404, // "r=x"
		"bz0tMQ%3D%3D":     404, // "o=-1"
		"_-_-":             200, // not in the standard alphabet: skipped
	} {
		if code, _, body := call(t, srv, "GET", "/api/canonical/0/issues/?project=1&cursor="+cursor, "", false); code != want {
			t.Errorf("cursor %s: %d %s, want %d", cursor, code, body, want)
		}
	}
}

// TestCommentFieldsAreCharFields: a number is taken as its text, a bool,
// list or object is not a valid string.
func TestCommentFieldsAreCharFields(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("shop", "shop")
	id := srv.AddIssue("shop", bugsinktest.IssueSpec{Type: "KeyError"})
	for body, want := range map[string]string{
		`{"issue": 7, "comment": ["x"]}`:           `{"comment":["Not a valid string."],"issue":["Invalid issue identifier."]}`,
		`{"issue": true, "comment": 7.5}`:          `{"issue":["Not a valid string."]}`,
		`{"issue": "` + id + `", "comment": 1e3}`:  `"comment":"1000.0"`,
		`{"issue": "` + id + `", "comment": -0}`:   `"comment":"0"`,
		`{"issue": "` + id + `", "comment": 1e-5}`: `"comment":"1e-05"`,
		`{"issue": "` + id + `", "comment": 2e16}`: `"comment":"2e+16"`,
	} {
		if _, _, got := call(t, srv, "POST", "/api/canonical/0/issue-comments/", body, false); !strings.Contains(got, want) {
			t.Errorf("%s: got %s, want %s", body, got, want)
		}
	}
}

// TestEvery401NamesTheScheme: DRF sends WWW-Authenticate: Bearer with every
// 401, and Bugsink reads the header as its BearerTokenAuthentication does.
func TestEvery401NamesTheScheme(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	for auth, want := range map[string]string{
		"":                                   "Authentication credentials were not provided.",
		"Bearer":                             "Authentication credentials were not provided.",
		"bearer " + bugsinktest.Token:        "Authentication credentials were not provided.",
		"Bearer nope":                        "Malformed Bearer token, must be 40 lowercase hex chars.",
		"Bearer foo bar":                     "Invalid Authorization: 'Bearer foo ...'",
		"Bearer Bearer " + bugsinktest.Token: "Invalid Authorization: 'Bearer Bearer ...'",
		"Bearer " + strings.Repeat("x", 21) + " y": "Malformed Bearer token, must be 40 lowercase hex chars.",
		"Bearer " + strings.Repeat("0", 40):        "Invalid Bearer token.",
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/canonical/0/projects/", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Detail string `json:"detail"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if resp.StatusCode != 401 || d.Detail != want || resp.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%q: %d %q, WWW-Authenticate %q; want 401 %q, Bearer", auth, resp.StatusCode, d.Detail, resp.Header.Get("WWW-Authenticate"), want)
		}
	}
}

// TestReleasesNewestFirst: releases are listed by date, newest first
// unless order=asc, each with a UUID.
func TestReleasesNewestFirst(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("shop", "shop")
	t0 := time.Now().Add(-time.Hour)
	id := srv.AddIssue("shop", bugsinktest.IssueSpec{Type: "KeyError", FirstSeen: t0, LastSeen: t0})
	srv.Ingest(id, t0.Add(time.Minute), "1.0.0")
	srv.Ingest(id, t0.Add(2*time.Minute), "1.1.0")
	versions := func(q string) []string {
		_, _, body := call(t, srv, "GET", "/api/canonical/0/releases/?project=1"+q, "", false)
		var page struct {
			Results []struct {
				ID      string `json:"id"`
				Version string `json:"version"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		var out []string
		for _, r := range page.Results {
			if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(r.ID) {
				t.Errorf("release id %q is not a UUID", r.ID)
			}
			out = append(out, r.Version)
		}
		return out
	}
	if got, want := versions(""), []string{"1.1.0", "1.0.0", ""}; !slices.Equal(got, want) {
		t.Errorf("releases %q, want %q", got, want)
	}
	if got, want := versions("&order=asc"), []string{"", "1.0.0", "1.1.0"}; !slices.Equal(got, want) {
		t.Errorf("releases (asc) %q, want %q", got, want)
	}
	if code, _, body := call(t, srv, "GET", "/api/canonical/0/releases/?project=x", "", false); code != 500 {
		t.Errorf("a project that is no number: %d %s, want 500", code, body)
	}
}

// TestSourceMapsBelongToTheirProject: Bugsink looks an event's source maps
// up by its project (files/models.py, get_file_metadata_for_debug_ids), so
// a map uploaded for one project does not map another project's event
// that names the same debug id.
func TestSourceMapsBelongToTheirProject(t *testing.T) {
	raw, err := os.ReadFile("../../render/testdata/events/node11-request-minified.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := bugsinktest.New(bugsinktest.WithSourceMap("shop-frontend", bugsinktest.BundleDebugID, bugsinktest.BundleSourceMap))
	defer srv.Close()
	md := map[string]string{}
	for _, slug := range []string{"shop-frontend", "shop-admin"} {
		srv.AddProject(slug, slug)
		id := srv.AddIssue(slug, bugsinktest.IssueSpec{Type: "TypeError", Value: "t.map is not a function", RawData: raw})
		_, _, body := call(t, srv, "GET", "/api/canonical/0/events/?issue="+id, "", false)
		var page struct {
			Results []struct {
				ID string `json:"id"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Results) != 1 {
			t.Fatalf("%v: %s", err, body)
		}
		_, _, detail := call(t, srv, "GET", "/api/canonical/0/events/"+page.Results[0].ID+"/", "", false)
		var ev struct {
			MD string `json:"stacktrace_md"`
		}
		if err := json.Unmarshal([]byte(detail), &ev); err != nil {
			t.Fatalf("%v: %s", err, detail)
		}
		md[slug] = ev.MD
	}
	if !strings.Contains(md["shop-frontend"], "src/cart.ts") {
		t.Errorf("the project the map was uploaded for is not mapped:\n%s", md["shop-frontend"])
	}
	if strings.Contains(md["shop-admin"], "src/cart.ts") || !strings.Contains(md["shop-admin"], "no sourcemap") {
		t.Errorf("another project's event was mapped with a map it never uploaded:\n%s", md["shop-admin"])
	}
}
