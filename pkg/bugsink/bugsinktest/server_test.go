package bugsinktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
)

// call sends one request to the fake and returns status, content type and
// body. A nil body sends none; chunked sends body with chunked framing.
func call(t *testing.T, srv *bugsinktest.Server, method, path, body string, chunked bool) (int, string, string) {
	t.Helper()
	var rd io.Reader
	if body != "" || chunked {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(rd) // hides the length: net/http chunks it
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+bugsinktest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), strings.TrimSpace(string(b))
}

type issueRow struct {
	ID          string    `json:"id"`
	DigestOrder int       `json:"digest_order"`
	LastSeen    time.Time `json:"last_seen"`
	Count       int       `json:"digested_event_count"`
}

type issuePage struct {
	Next    *string    `json:"next"`
	Results []issueRow `json:"results"`
}

// listAll follows next links from path and returns the digest orders seen;
// between pages it calls between (may be nil).
func listAll(t *testing.T, srv *bugsinktest.Server, path string, between func()) []int {
	t.Helper()
	var got []int
	for path != "" {
		code, _, body := call(t, srv, "GET", path, "", false)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var p issuePage
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Results {
			got = append(got, r.DigestOrder)
		}
		path = ""
		if p.Next != nil {
			u, _ := url.Parse(*p.Next)
			path = u.RequestURI()
			if between != nil {
				between()
			}
		}
	}
	return got
}

func TestChunkedRequestBodiesAreRefused(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	id := srv.AddIssue("backend", bugsinktest.IssueSpec{})
	code, ctype, body := call(t, srv, "POST", "/api/canonical/0/issues/"+id+"/resolve/", "", true)
	if code != 500 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "Chunked Transfer Encoding") {
		t.Errorf("chunked resolve: %d %s %q, want Bugsink's 500", code, ctype, body)
	}
	if is, _ := srv.Issue(id); is.IsResolved {
		t.Error("a refused request resolved the issue")
	}
	if code, _, body := call(t, srv, "POST", "/api/canonical/0/issues/"+id+"/resolve/", "", false); code != 200 {
		t.Errorf("resolve with Content-Length: 0: %d %s", code, body)
	}
}

func TestUnknownPathsAnswerTheCatchAll404(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	for _, p := range []string{"/api/canonical/0/projects", "/api/canonical/0/nothing/", "/api/canonical/0/issues/x/unknown/", "/api/0/projects/o/p/issues/"} {
		code, ctype, body := call(t, srv, "GET", p, "", false)
		if code != 404 || !strings.HasPrefix(ctype, "text/html") || body != "Unimplemented API endpoint: "+p {
			t.Errorf("GET %s: %d %s %q, want the catch-all's text/html 404", p, code, ctype, body)
		}
	}
}

func TestIssuesHonourSortAndOrder(t *testing.T) {
	srv := bugsinktest.New(bugsinktest.WithPageSize(2))
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// digest order 1..4; last_seen order 3,1,4,2; counts 5,9,5,1.
	for i, c := range []struct{ seen, count int }{{2, 5}, {4, 9}, {1, 5}, {3, 1}} {
		_ = i
		srv.AddIssue("backend", bugsinktest.IssueSpec{LastSeen: base.Add(time.Duration(c.seen) * time.Hour), Count: c.count})
	}
	cases := []struct {
		query string
		want  []int
	}{
		{"", []int{1, 2, 3, 4}},
		{"&order=desc", []int{4, 3, 2, 1}},
		{"&sort=last_seen", []int{3, 1, 4, 2}},
		{"&sort=last_seen&order=desc", []int{2, 4, 1, 3}},
		// ties on the count are broken by last_seen
		{"&sort=digested_event_count", []int{4, 3, 1, 2}},
		{"&sort=digested_event_count&order=desc", []int{2, 1, 3, 4}},
	}
	for _, c := range cases {
		if got := listAll(t, srv, "/api/canonical/0/issues/?project=1"+c.query, nil); !slices.Equal(got, c.want) {
			t.Errorf("%s: digest orders %v, want %v", c.query, got, c.want)
		}
	}
	for q, want := range map[string]string{
		"&sort=first_seen": `{"sort":["Must be 'digest_order', 'last_seen', or 'digested_event_count'."]}`,
		"&sort=":           `{"sort":["Must be 'digest_order', 'last_seen', or 'digested_event_count'."]}`,
		"&order=up":        `{"order":["Must be 'asc' or 'desc'."]}`,
	} {
		if code, _, body := call(t, srv, "GET", "/api/canonical/0/issues/?project=1"+q, "", false); code != 400 || body != want {
			t.Errorf("%s: %d %s, want 400 %s", q, code, body, want)
		}
	}
}

func TestEventsHonourOrder(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	id := srv.AddIssue("backend", bugsinktest.IssueSpec{})
	srv.Regress(id, time.Now())
	orders := func(q string) []int {
		var got []int
		_, _, body := call(t, srv, "GET", "/api/canonical/0/events/?issue="+id+q, "", false)
		var p issuePage
		json.Unmarshal([]byte(body), &p)
		for _, r := range p.Results {
			got = append(got, r.DigestOrder)
		}
		return got
	}
	if got := orders(""); !slices.Equal(got, []int{2, 1}) {
		t.Errorf("default order %v, want newest first", got)
	}
	if got := orders("&order=asc"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("order=asc %v", got)
	}
	if code, _, body := call(t, srv, "GET", "/api/canonical/0/events/?issue="+id+"&order=newest", "", false); code != 400 || body != `{"order":["Must be 'asc' or 'desc'."]}` {
		t.Errorf("bad order: %d %s", code, body)
	}
	if code, _, body := call(t, srv, "GET", "/api/canonical/0/events/?issue=not-an-id", "", false); code != 400 || body != `["Invalid issue identifier."]` {
		t.Errorf("bad issue: %d %s", code, body)
	}
}

func TestCommentErrorsAreTheServers(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	id := srv.AddIssue("backend", bugsinktest.IssueSpec{})
	cases := []struct{ body, want string }{
		{`{"issue":"00000000-0000-4000-8000-000000000000","comment":"x"}`, `{"issue":["Issue not found."]}`},
		{`{"issue":"BACKEND-99","comment":"x"}`, `{"issue":["Issue not found."]}`},
		{`{"issue":"NOT-A-UUID","comment":"x"}`, `{"issue":["Invalid issue identifier."]}`},
		{`{"issue":"` + id + `","comment":"  \n\t "}`, `{"comment":["This field may not be blank."]}`},
		{`{"issue":"` + id + `"}`, `{"comment":["This field is required."]}`},
	}
	for _, c := range cases {
		if code, _, body := call(t, srv, "POST", "/api/canonical/0/issue-comments/", c.body, false); code != 400 || body != c.want {
			t.Errorf("%s: %d %s, want 400 %s", c.body, code, body, c.want)
		}
	}
	if len(srv.Comments()) != 0 {
		t.Fatalf("refused comments were stored: %+v", srv.Comments())
	}
	if code, _, body := call(t, srv, "POST", "/api/canonical/0/issue-comments/", `{"issue":"backend-1","comment":"  hi  "}`, false); code != 201 {
		t.Fatalf("comment by friendly id: %d %s", code, body)
	}
	if cs := srv.Comments(); len(cs) != 1 || cs[0].Comment != "hi" || cs[0].Issue != id {
		t.Errorf("stored %+v, want the trimmed comment on %s", cs, id)
	}
}

func TestCursorSurvivesIssuesAddedDuringAScan(t *testing.T) {
	srv := bugsinktest.New(bugsinktest.WithPageSize(3))
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	for i := 0; i < 7; i++ {
		srv.AddIssue("backend", bugsinktest.IssueSpec{})
	}
	// Newest first: every issue added mid-scan lands before the cursor's
	// position. An offset-based cursor would hand out the same rows again.
	got := listAll(t, srv, "/api/canonical/0/issues/?project=1&order=desc", func() {
		srv.AddIssue("backend", bugsinktest.IssueSpec{})
	})
	if want := []int{7, 6, 5, 4, 3, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("desc scan with inserts saw %v, want %v", got, want)
	}
	// Oldest first: the new ones come at the end and are seen once.
	got = listAll(t, srv, "/api/canonical/0/issues/?project=1", func() {
		srv.AddIssue("backend", bugsinktest.IssueSpec{})
	})
	seen := map[int]bool{}
	for _, o := range got {
		if seen[o] {
			t.Fatalf("asc scan with inserts saw %d twice: %v", o, got)
		}
		seen[o] = true
	}
	for o := 1; o <= 9; o++ {
		if !seen[o] {
			t.Errorf("asc scan missed issue %d: %v", o, got)
		}
	}
}

func TestCursorWithTiesOnThePrimaryField(t *testing.T) {
	srv := bugsinktest.New(bugsinktest.WithPageSize(2))
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	for i := 0; i < 5; i++ {
		srv.AddIssue("backend", bugsinktest.IssueSpec{Count: 3})
	}
	got := listAll(t, srv, "/api/canonical/0/issues/?project=1&sort=digested_event_count", nil)
	if len(got) != 5 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 5 {
		t.Errorf("five issues of one count paged as %v", got)
	}
}

func TestFriendlyIDsAndUUIDSpellingsAreAccepted(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	srv.AddProject("backend", "Backend")
	id := srv.AddIssue("backend", bugsinktest.IssueSpec{})
	for _, ref := range []string{"BACKEND-1", "backend-1", strings.ToUpper(id), strings.ReplaceAll(id, "-", "")} {
		if code, _, body := call(t, srv, "GET", "/api/canonical/0/issues/"+ref+"/", "", false); code != 200 || !strings.Contains(body, id) {
			t.Errorf("GET issue %s: %d %s", ref, code, body)
		}
		if code, _, _ := call(t, srv, "GET", "/api/canonical/0/events/?issue="+ref, "", false); code != 200 {
			t.Errorf("events of %s: %d", ref, code)
		}
	}
	if code, _, _ := call(t, srv, "GET", "/api/canonical/0/issues/BACKEND-2/", "", false); code != 404 {
		t.Errorf("unknown friendly id: %d, want 404", code)
	}
	if code, _, body := call(t, srv, "GET", "/api/canonical/0/issues/NOT-A-UUID/", "", false); code != 400 || body != `["Invalid issue identifier."]` {
		t.Errorf("invalid identifier: %d %s", code, body)
	}
	if code, _, _ := call(t, srv, "POST", "/api/canonical/0/issues/Backend-1/resolve/", "", false); code != 200 {
		t.Errorf("resolve by friendly id: %d", code)
	}
}
