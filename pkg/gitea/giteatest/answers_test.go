package giteatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/peertest"
)

// These tests pin what the contract tests (contract_test.go) found the
// fake answering differently from Gitea 1.25, so that the fix holds in
// every run, with or without the real servers.

// do sends one request with the fake's token and returns status, content
// type and body.
func do(t *testing.T, srv *giteatest.Server, method, path, body string) (int, string, string) {
	t.Helper()
	r := peertest.Request{Method: method, URL: srv.URL + "/api/v1" + path,
		Header: map[string]string{"Authorization": "token " + giteatest.Token}}
	if body != "" {
		r.Body = []byte(body)
		r.Header["Content-Type"] = "application/json"
	}
	a := peertest.Send(t, r)
	return a.Status, a.ContentType, strings.TrimSpace(string(a.Body))
}

// field decodes body and returns one top-level field.
func field(t *testing.T, body, name string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return m[name]
}

// TestSettingsAndRepositoryFields: the settings carry the response size
// cap, the repository its default branch (bsync reads it).
func TestSettingsAndRepositoryFields(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	if _, _, body := do(t, srv, "GET", "/settings/api", ""); field(t, body, "default_max_response_size") != 104857600.0 {
		t.Errorf("settings: %s", body)
	}
	if _, _, body := do(t, srv, "GET", "/repos/acme/app", ""); field(t, body, "default_branch") != "main" {
		t.Errorf("repository: %s", body)
	}
}

// TestTitlesAreCutAsGiteaCutsThem: util.EllipsisDisplayString(title, 255).
func TestTitlesAreCutAsGiteaCutsThem(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	for _, c := range []struct {
		title string
		runes int
		cut   bool
	}{
		{strings.Repeat("y", 255), 255, false},
		{strings.Repeat("x", 256), 253, true},
		{strings.Repeat("é", 200), 200, false}, // 400 bytes, 200 columns
		{strings.Repeat("错", 200), 127, true},  // 2 columns each
		{strings.Repeat("ā", 128), 127, true},  // past Latin-1: 2 columns
		{strings.Repeat("x", 252) + "éé", 254, false},
	} {
		b, _ := json.Marshal(map[string]string{"title": c.title})
		code, _, body := do(t, srv, "POST", "/repos/acme/app/issues", string(b))
		got, _ := field(t, body, "title").(string)
		if code != 201 || utf8.RuneCountInString(got) != c.runes || strings.HasSuffix(got, "…") != c.cut {
			t.Errorf("%d× %q: %d, title of %d runes (cut %v), want %d runes (cut %v)", utf8.RuneCountInString(c.title), c.title[:2],
				code, utf8.RuneCountInString(got), strings.HasSuffix(got, "…"), c.runes, c.cut)
		}
	}
}

// TestNotFoundAnswersAreGiteas: "not found" with null errors for a
// missing issue or repository, the owner lookup's own 404, the router's
// text 404 and its bodiless 405.
func TestNotFoundAnswersAreGiteas(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	for _, c := range []struct{ method, path, status, ct, body string }{
		{"GET", "/repos/acme/app/issues/9", "404", "application/json;charset=utf-8", `"errors":null,"message":"not found"`},
		{"GET", "/repos/acme/app/issues/abc", "404", "application/json;charset=utf-8", `"message":"not found"`},
		{"GET", "/repos/acme/nothing/issues", "404", "application/json;charset=utf-8", `"message":"not found"`},
		{"GET", "/repos/nobody/app/issues", "404", "application/json;charset=utf-8", `"errors":["user redirect does not exist [name: nobody]"],"message":"GetUserByName"`},
		{"GET", "/repos/acme/app/nothing", "404", "text/plain; charset=utf-8", "404 page not found"},
		{"POST", "/repos/acme/app", "405", "", ""},
		{"DELETE", "/repos/nobody/app/labels", "405", "", ""},
	} {
		code, ct, body := do(t, srv, c.method, c.path, "")
		if strconv.Itoa(code) != c.status || ct != c.ct || !strings.Contains(body, c.body) {
			t.Errorf("%s %s: %d %q %q, want %s %q %q", c.method, c.path, code, ct, body, c.status, c.ct, c.body)
		}
	}
}

// TestCommentRoutesAnswerAsGitea: the list carries html_url; both routes
// answer a missing issue with a 500 whose text only an admin sees; the
// body is checked before the issue.
func TestCommentRoutesAnswerAsGitea(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	do(t, srv, "POST", "/repos/acme/app/issues", `{"title": "t"}`)
	do(t, srv, "POST", "/repos/acme/app/issues/1/comments", `{"body": "c"}`)
	if _, _, body := do(t, srv, "GET", "/repos/acme/app/issues/1/comments", ""); !strings.Contains(body, `"html_url":"`+srv.URL+`/acme/app/issues/1#issuecomment-1"`) {
		t.Errorf("comment list: %s", body)
	}
	for _, c := range []struct{ method, path, body, want string }{
		{"POST", "/repos/acme/app/issues/9/comments", `{"body": "c"}`, `500 {"message":"","url":"` + srv.URL + `/api/swagger"}`},
		{"GET", "/repos/acme/app/issues/9/comments", "", `500 {"message":"","url":"` + srv.URL + `/api/swagger"}`},
		{"POST", "/repos/acme/app/issues/9/comments", `{"body": ""}`, `422 {"message":"[Body]: Required","url":"` + srv.URL + `/api/swagger"}`},
	} {
		code, _, body := do(t, srv, c.method, c.path, c.body)
		if got := strconv.Itoa(code) + " " + body; got != c.want {
			t.Errorf("%s %s %s: %s, want %s", c.method, c.path, c.body, got, c.want)
		}
	}
}

// TestIssueLabelsAnswerAsGitea: ids (numbers, cut to integers) or names,
// not both; one bad element is a 400; a user without write access is
// refused; the body is bound before the issue is looked up.
func TestIssueLabelsAnswerAsGitea(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	srv.AddLabel("bug", "d73a4a")
	do(t, srv, "POST", "/repos/acme/app/issues", `{"title": "t"}`)
	for _, c := range []struct{ body, want string }{
		{`{"labels": [1, "bug"]}`, `400 labels should be an array of strings or integers`},
		{`{"labels": [1, true]}`, `400 a label must be an integer or a string`},
		{`{"labels": "bug"}`, `422 []: json`},
		{`{"labels": ["nothing"]}`, `200 []`},
		{`{"labels": [1.9]}`, `200 "name":"bug"`},
		{`{"labels": [1, 1, 7777]}`, `200 "id":1`},
	} {
		code, _, got := do(t, srv, "POST", "/repos/acme/app/issues/1/labels", c.body)
		status, text, _ := strings.Cut(c.want, " ")
		if strconv.Itoa(code) != status || !strings.Contains(got, text) {
			t.Errorf("%s: %d %s, want %s", c.body, code, got, c.want)
		}
	}
	if code, _, got := do(t, srv, "POST", "/repos/acme/app/issues/9/labels", `{"labels": [1`); code != 422 {
		t.Errorf("a malformed body for a missing issue: %d %s, want 422 (bound first)", code, got)
	}
	if code, _, got := do(t, srv, "PATCH", "/repos/acme/app/issues/9", `{"state": 1}`); code != 422 {
		t.Errorf("a mistyped edit of a missing issue: %d %s, want 422 (bound first)", code, got)
	}
	ro := giteatest.New("acme", "app", giteatest.WithoutWriteAccess())
	defer ro.Close()
	ro.AddLabel("bug", "d73a4a")
	do(t, ro, "POST", "/repos/acme/app/issues", `{"title": "t"}`)
	if code, _, got := do(t, ro, "POST", "/repos/acme/app/issues/1/labels", `{"labels": [1]}`); code != 403 || !strings.Contains(got, "write permission is required") {
		t.Errorf("without write access: %d %s", code, got)
	}
}

// TestTokensAnswerAsGitea: a body without a Content-Type is refused as
// Gitea 1.25 refuses it; the read-only token names its scopes.
func TestTokensAnswerAsGitea(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/repos/acme/app/issues", strings.NewReader(`{"title": "t"}`))
	req.Header.Set("Authorization", "token "+giteatest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), `"[]: Empty Content-Type"`) {
		t.Errorf("no Content-Type: %d %s", resp.StatusCode, b)
	}
	req, _ = http.NewRequest("POST", srv.URL+"/api/v1/repos/acme/app/issues", strings.NewReader(`{"title": "t"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "token "+giteatest.ReadOnlyToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "required=[write:issue], token scope=read:issue,read:repository,read:user"; resp.StatusCode != 403 || !strings.Contains(string(b), want) {
		t.Errorf("read-only token: %d %s, want 403 %q", resp.StatusCode, b, want)
	}
}
