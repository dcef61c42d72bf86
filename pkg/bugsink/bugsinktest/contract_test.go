package bugsinktest_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/peertest"
)

// The contract tests hold the fake to a real Bugsink: each request bsync
// makes (and each quirk a client meets) is sent to both, brought into the
// same state first, and the answers must agree in status, media type, JSON
// shape, ordering and error text, except for the deliberate differences
// the package comment lists. They run under scripts/test-real.sh.

type bugsinkPair struct {
	*peertest.Pair
	real *peertest.Bugsink
	fake *bugsinktest.Server
}

func newBugsinkPair(t *testing.T) *bugsinkPair {
	t.Helper()
	real := peertest.BugsinkServer(t)
	fake := bugsinktest.New()
	t.Cleanup(fake.Close)
	return &bugsinkPair{real: real, fake: fake, Pair: &peertest.Pair{
		Real:  &peertest.Target{URL: real.URL, API: bugsink.APIPath, Auth: "Bearer " + real.Token},
		Fake:  &peertest.Target{URL: fake.URL, API: bugsink.APIPath, Auth: "Bearer " + bugsinktest.Token},
		Diffs: peertest.ReadDifferences(t, "."),
	}}
}

// project makes a project on both sides with the same slug; the
// placeholder {name} is its id on each.
func (p *bugsinkPair) project(t *testing.T, name string) peertest.Project {
	t.Helper()
	rp := p.real.NewProject(t, name)
	fid := p.fake.AddProject(rp.Slug, rp.Slug)
	p.Set(name, strconv.Itoa(rp.ID), strconv.Itoa(fid))
	return rp
}

// readIssue reads one issue from the real server.
func (p *bugsinkPair) readIssue(t *testing.T, ref string) bugsink.Issue {
	t.Helper()
	r := p.real.API(t, "GET", "/issues/"+ref+"/", nil)
	var is bugsink.Issue
	if r.Status != 200 {
		t.Fatalf("read real issue %s: %d %s", ref, r.Status, r.Body)
	}
	r.JSON(t, &is)
	return is
}

// issue stores event in the real project as an SDK does, reads the issue
// it made (the project's order-th) and its stored payload, and seeds the
// fake with the same issue and payload. Placeholders: {name} is the
// issue's id on each side, {name-event} its event's.
func (p *bugsinkPair) issue(t *testing.T, proj peertest.Project, order int, name string, event map[string]any) {
	t.Helper()
	p.real.Store(t, proj, event)
	is := p.readIssue(t, strings.ToUpper(proj.Slug)+"-"+strconv.Itoa(order))
	evID := firstOf(t, p.real.API(t, "GET", "/events/?issue="+is.ID, nil), "id")
	var ev struct {
		Data json.RawMessage `json:"data"`
	}
	p.real.API(t, "GET", "/events/"+evID+"/", nil).JSON(t, &ev)
	fid := p.fake.AddIssue(proj.Slug, bugsinktest.IssueSpec{Type: is.CalculatedType, Value: is.CalculatedValue,
		FirstSeen: is.FirstSeen, LastSeen: is.LastSeen, Count: is.DigestedEventCount, Transaction: is.Transaction, RawData: ev.Data})
	fake := &peertest.Bugsink{URL: p.fake.URL, Token: bugsinktest.Token}
	p.Set(name, is.ID, fid)
	p.Set(name+"-event", evID, firstOf(t, fake.API(t, "GET", "/events/?issue="+fid, nil), "id"))
}

// firstOf returns a field of a page's first row (the newest event, the
// first issue of a listing).
func firstOf(t *testing.T, r *peertest.Response, field string) string {
	t.Helper()
	var page struct {
		Results []map[string]any `json:"results"`
	}
	r.JSON(t, &page)
	if len(page.Results) == 0 {
		t.Fatalf("an empty page: %s", r.Body)
	}
	v, _ := page.Results[0][field].(string)
	return v
}

// recorded reads an event a real SDK sent (pkg/render/testdata/events).
func recorded(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../../render/testdata/events/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	delete(ev, "release") // releases have their own case
	return ev
}

func exception(typ, value string) map[string]any {
	return map[string]any{"platform": "python", "level": "error",
		"exception": map[string]any{"values": []any{map[string]any{"type": typ, "value": value}}}}
}

// The fields of an issue that move with resolve and its kin.
var issueState = peertest.Values("is_resolved", "is_resolved_unconditionally", "is_resolved_by_next_release", "is_muted")

// TestRealBugsinkContract covers the reads and writes bsync makes of one
// project's issues, events and comments, with their errors.
func TestRealBugsinkContract(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	p := newBugsinkPair(t)
	proj := p.project(t, "contract")
	p.Set("slug", strings.ToUpper(proj.Slug), strings.ToUpper(proj.Slug))
	p.issue(t, proj, 1, "a", recorded(t, "python-request-plain"))
	p.issue(t, proj, 2, "b", exception("KeyError", "'user'"))
	p.issue(t, proj, 3, "c", recorded(t, "python-logging-attach-stacktrace"))
	p.issue(t, proj, 4, "d", exception("ZeroDivisionError", "division by zero"))
	p.issue(t, proj, 5, "e", recorded(t, "node11-request-minified"))
	p.issue(t, proj, 6, "f", recorded(t, "node7-error-cause"))
	const missing = "00000000-0000-4000-8000-000000000000"

	t.Run("project", func(t *testing.T) {
		p.Same(t, peertest.Call{Method: "GET", Path: "/projects/{contract}/"}, peertest.Values("slug", "name"), peertest.Fits("", bugsink.Project{}))
		p.Same(t, peertest.Call{Method: "GET", Path: "/projects/999999/"}, peertest.Exact())
		p.Same(t, peertest.Call{Method: "GET", Path: "/projects/abc/"}, peertest.Exact())
	})
	t.Run("issue list", func(t *testing.T) {
		for _, q := range []string{"sort=digest_order&order=asc", "sort=digest_order&order=desc", "sort=last_seen&order=desc", "sort=last_seen&order=asc", ""} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/issues/?project={contract}&" + q},
				peertest.Values("next", "previous", "results[].calculated_type", "results[].calculated_value", "results[].friendly_id", "results[].digest_order", "results[].transaction"),
				peertest.Fits("results[]", bugsink.Issue{}))
		}
		p.Same(t, peertest.Call{Method: "GET", Path: "/issues/?project=999999&sort=digest_order&order=asc"}, peertest.Exact())
		for _, q := range []string{"", "project=", "project=abc", "project={contract}&sort=title", "project={contract}&order=up",
			"project={contract}&sort=last_seen&cursor=bz14", "project={contract}&cursor=cD0"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/issues/?" + q}, peertest.Exact())
		}
		t.Run("a cursor with DRF's position", func(t *testing.T) { p.Diffs.Skip(t, "opaque-cursor") })
		// DRF reads a cursor it cannot make sense of, but can decode, as
		// the first page.
		for _, c := range []string{"bm90IGEgY3Vyc29y", "%25%25%25", "cj0x"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/issues/?project={contract}&sort=digest_order&order=asc&cursor=" + c},
				peertest.Values("next", "results[].calculated_type"), p.Diffs.Ignore(t, "no-previous", "previous"))
		}
	})
	t.Run("issue", func(t *testing.T) {
		p.Set("a-upper", strings.ToUpper(p.Real.IDs["{a}"]), strings.ToUpper(p.Fake.IDs["{a}"]))
		for _, ref := range []string{"{a}", "{slug}-1", strings.ToLower(proj.Slug) + "-2", "{a-upper}"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/issues/" + ref + "/"},
				peertest.Values("calculated_type", "calculated_value", "friendly_id", "digest_order", "is_resolved", "transaction"),
				peertest.Fits("", bugsink.Issue{}))
		}
		for _, ref := range []string{missing, "{slug}-999", "nobody-1", "not-an-id", "12345", "{a}x"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/issues/" + ref + "/"}, peertest.Exact())
		}
	})
	t.Run("events", func(t *testing.T) {
		for _, q := range []string{"issue={a}&order=desc", "issue={a}", "issue={a}&order=asc", "issue={slug}-1&order=desc"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/events/?" + q}, peertest.Values("next", "results[].digest_order"),
				peertest.Fits("results[]", bugsink.EventSummary{}))
		}
		for _, q := range []string{"", "issue=" + missing + "&order=desc", "issue=garbage", "issue={a}&order=newest"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/events/?" + q}, peertest.Exact())
		}
	})
	t.Run("event", func(t *testing.T) {
		for _, c := range []struct {
			event string
			skip  peertest.Option
		}{
			{"{a-event}", p.Diffs.Ignore(t, "locals", "stacktrace_md")},
			{"{b-event}", nil},
			{"{c-event}", nil},
			{"{e-event}", nil},
			{"{f-event}", nil},
		} {
			opts := []peertest.Option{peertest.Values("stacktrace_md", "digest_order"), peertest.Fits("", bugsink.EventSummary{})}
			if c.skip != nil {
				opts = append(opts, c.skip)
			}
			p.Same(t, peertest.Call{Method: "GET", Path: "/events/" + c.event + "/"}, opts...)
		}
		for _, ev := range []string{missing, "not-an-id"} {
			p.Same(t, peertest.Call{Method: "GET", Path: "/events/" + ev + "/"}, peertest.Exact())
		}
	})
	t.Run("resolve", func(t *testing.T) {
		post := func(path string, opts ...peertest.Option) {
			t.Helper()
			p.Same(t, peertest.Call{Method: "POST", Path: path, Body: []byte{}}, opts...)
		}
		post("/issues/{b}/resolve/", issueState, peertest.Fits("", bugsink.Issue{}))
		post("/issues/{b}/resolve/", peertest.Exact())
		post("/issues/{b}/resolve-next/", peertest.Exact())
		post("/issues/{slug}-4/resolve-next/", issueState)
		post("/issues/{d}/resolve-next/", peertest.Exact())
		post("/issues/{d}/resolve/", peertest.Exact())
		for _, ref := range []string{missing, "not-an-id", "{slug}-999"} {
			post("/issues/"+ref+"/resolve/", peertest.Exact())
			post("/issues/"+ref+"/resolve-next/", peertest.Exact())
		}
		p.Same(t, peertest.Call{Method: "GET", Path: "/issues/{a}/resolve/"}, peertest.Exact())
		p.Same(t, peertest.Call{Method: "PATCH", Path: "/issues/{a}/", Body: map[string]any{"is_resolved": true}}, peertest.Exact())
	})
	t.Run("comment", func(t *testing.T) {
		comment := func(body any, opts ...peertest.Option) {
			t.Helper()
			p.Same(t, peertest.Call{Method: "POST", Path: "/issue-comments/", Body: body}, opts...)
		}
		ok := []peertest.Option{peertest.Values("comment", "user")}
		comment(map[string]any{"issue": "{a}", "comment": "Copied to Gitea as #1."}, ok...)
		comment(map[string]any{"issue": "{a}", "comment": "Copied to Gitea as #1."}, ok...)
		comment(map[string]any{"issue": "{slug}-2", "comment": "  padded  \n"}, ok...)
		for _, n := range []string{"7", "-0", "1e3", "2.50", "1e-5", "2e16", "123456789012345678901234567890"} {
			comment([]byte(`{"issue": "{a}", "comment": `+n+`}`), ok...)
		}
		for _, body := range []any{
			map[string]any{"issue": missing, "comment": "x"},
			map[string]any{"issue": "not-an-id", "comment": "x"},
			map[string]any{"issue": "{a}", "comment": ""},
			map[string]any{"issue": "{a}", "comment": "   "},
			map[string]any{"issue": "", "comment": ""},
			map[string]any{"issue": "{a}"},
			map[string]any{"comment": "x"},
			map[string]any{},
			map[string]any{"issue": 7, "comment": []any{"x"}},
			map[string]any{"issue": true, "comment": 7.5},
			map[string]any{"issue": map[string]any{}, "comment": false},
		} {
			comment(body, peertest.Exact())
		}
		comment([]byte(`{"issue": `), p.Diffs.Ignore(t, "json-errors", "detail"))
	})
}

// TestRealBugsinkContractAccess covers tokens, routes and the other
// quirks of the server in front of the API.
func TestRealBugsinkContractAccess(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	p := newBugsinkPair(t)
	p.project(t, "access")
	t.Run("tokens", func(t *testing.T) {
		for _, auth := range []string{"", "Bearer", "Bearer ", "Token " + strings.Repeat("a", 40), "Bearer not-hex",
			"Bearer " + strings.Repeat("A", 40), "Bearer " + strings.Repeat("0", 40), "Bearer Bearer " + strings.Repeat("0", 40), "bearer " + strings.Repeat("0", 40)} {
			for _, c := range []peertest.Call{{Method: "GET", Path: "/projects/"}, {Method: "POST", Path: "/issues/" + strings.Repeat("1", 32) + "/resolve/", Body: []byte{}}} {
				c.SameAuth, c.Authorization = true, auth
				r, f := p.Same(t, c, peertest.Exact())
				if rw, fw := r.Header.Get("WWW-Authenticate"), f.Header.Get("WWW-Authenticate"); rw != fw {
					t.Errorf("%s %s with %q: WWW-Authenticate: real %q, fake %q", c.Method, c.Path, auth, rw, fw)
				}
			}
		}
	})
	t.Run("routes", func(t *testing.T) {
		for _, c := range []peertest.Call{
			{Method: "GET", Path: "/projects"},
			{Method: "GET", Path: "/issues?project={access}"},
			{Method: "POST", Path: "/issues/" + strings.Repeat("1", 32) + "/resolve", Body: []byte{}},
			{Method: "GET", Path: "/nothing/"},
			{Method: "GET", Path: "/api/0/projects/x/issues/", Root: true},
			{Method: "GET", Path: "/api/canonical/1/issues/", Root: true},
		} {
			for _, auth := range []string{"own", ""} {
				if auth == "" {
					c.SameAuth = true
				}
				p.Same(t, c, peertest.Exact())
			}
		}
	})
	t.Run("schema", func(t *testing.T) {
		p.Same(t, peertest.Call{Method: "GET", Path: "/schema/?format=json"}, p.Diffs.Subset(t, "schema"))
	})
}

// TestRealBugsinkContractChunked sends a resolve with a chunked body to
// Bugsink under Django's development server, which refuses it, as the
// fake does.
func TestRealBugsinkContractChunked(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	dev := peertest.BugsinkDevServer(t)
	p := newBugsinkPair(t)
	p.Real.URL, p.Real.Auth = dev.URL, "Bearer "+dev.Token
	for _, path := range []string{"/issues/" + strings.Repeat("1", 32) + "/resolve/", "/issue-comments/"} {
		p.Same(t, peertest.Call{Method: "POST", Path: path, Body: []byte(`{}`), Chunked: true}, peertest.Exact())
	}
	t.Run("under gunicorn", func(t *testing.T) { p.Diffs.Skip(t, "no-dechunk") })
}

// TestRealBugsinkContractReleases covers the release list bsync reads to
// decide between resolve and resolve-next.
func TestRealBugsinkContractReleases(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	p := newBugsinkPair(t)
	proj := p.project(t, "releases")
	p.Same(t, peertest.Call{Method: "GET", Path: "/releases/?project={releases}"}, peertest.Values("results[].version"))
	p.issue(t, proj, 1, "a", exception("KeyError", "'x'"))
	p.Same(t, peertest.Call{Method: "GET", Path: "/releases/?project={releases}"}, peertest.Values("results[].version"))
	ev := exception("KeyError", "'x'")
	ev["release"] = "1.0.0"
	p.real.Store(t, proj, ev)
	p.fake.Ingest(p.Fake.IDs["{a}"], p.readIssue(t, p.Real.IDs["{a}"]).LastSeen, "1.0.0")
	p.Same(t, peertest.Call{Method: "GET", Path: "/releases/?project={releases}"}, peertest.Values("results[].version"))
	for _, q := range []string{"", "?project=abc", "?project={releases}&order=up"} {
		p.Same(t, peertest.Call{Method: "GET", Path: "/releases/" + q}, peertest.Exact())
	}
	p.Same(t, peertest.Call{Method: "GET", Path: "/releases/?project={releases}&order=asc"}, peertest.Values("results[].version"))
}

// nextQuery returns the query of a page's next link, or "" at the end.
func nextQuery(t *testing.T, r *peertest.Response) string {
	t.Helper()
	var page struct {
		Next *string `json:"next"`
	}
	r.JSON(t, &page)
	if page.Next == nil {
		return ""
	}
	u, err := url.Parse(*page.Next)
	if err != nil {
		t.Fatal(err)
	}
	return u.RawQuery
}

// TestRealBugsinkContractProjects covers the project list: the fake holds
// a project for each the real server lists (other tests add theirs
// meanwhile, so the lists are held to their order, not to each other).
func TestRealBugsinkContractProjects(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	p := newBugsinkPair(t)
	p.project(t, "listed")
	client := bugsink.New(p.real.URL, p.real.Token, apiclient.Options{Retries: -1})
	projects, err := client.Projects(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range projects {
		if !strings.HasPrefix(pr.Slug, "listed-") {
			p.fake.AddProject(pr.Slug, pr.Name)
		}
	}
	p.Same(t, peertest.Call{Method: "GET", Path: "/projects/"}, peertest.Sorted("results[].name", false),
		peertest.Fits("results[]", bugsink.Project{}))
}
