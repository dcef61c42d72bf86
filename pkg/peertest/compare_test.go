package peertest

import (
	"strings"
	"testing"
	"time"
)

func side(base string, status int, ct, body string) Side {
	return Side{Base: base, Response: &Response{Status: status, ContentType: ct, Body: []byte(body)}}
}

const (
	realBase = "http://127.0.0.1:3000"
	fakeBase = "http://127.0.0.1:4000"
)

// TestDiff checks what the comparator holds equal and what it reports.
func TestDiff(t *testing.T) {
	f := func(base, cursor, project, n string) string {
		return `{"next":"` + base + `/api/canonical/0/issues/?cursor=` + cursor + `&project=` + project +
			`","results":[{"id":"5b0c0001-0001-4001-8007-00009e3779b1","n":` + n + `,"t":"2026-01-02T03:04:05.123456Z"}]}`
	}
	cases := []struct {
		name       string
		real, fake Side
		opts       []Option
		want       []string // substrings of the diff; none: no difference
	}{
		{"same shape, other values, own hosts",
			side(realBase, 200, "application/json", f(realBase, "cD0x", "3", "1")),
			side(fakeBase, 200, "application/json; charset=utf-8", f(fakeBase, "bz0y", "7", "2")), nil, nil},
		{"a missing key",
			side(realBase, 200, "application/json", `{"a":1,"b":"x"}`),
			side(fakeBase, 200, "application/json", `{"a":1}`), nil, []string{"b ", "string", " -"}},
		{"a key the fake may lack under a deliberate difference",
			side(realBase, 200, "application/json", `{"a":1,"b":"x"}`),
			side(fakeBase, 200, "application/json", `{"a":1}`), []Option{subsetOf("fewer-fields")}, nil},
		{"an extra key is a difference even in a subset",
			side(realBase, 200, "application/json", `{"a":1}`),
			side(fakeBase, 200, "application/json", `{"a":1,"c":true}`), []Option{subsetOf("fewer-fields")}, []string{"c ", "bool"}},
		{"a type",
			side(realBase, 200, "application/json", `{"id":"5b0c0001-0001-4001-8007-00009e3779b1"}`),
			side(fakeBase, 200, "application/json", `{"id":"5b0c000100014001800700009e3779b1"}`), nil, []string{"uuid", "string"}},
		{"int against number",
			side(realBase, 200, "application/json", `{"n":1}`),
			side(fakeBase, 200, "application/json", `{"n":1.5}`), nil, []string{"int", "number"}},
		{"a link's query keys",
			side(realBase, 200, "application/json", f(realBase, "cD0x", "3", "1")),
			side(fakeBase, 200, "application/json", `{"next":"`+fakeBase+`/api/canonical/0/issues/?cursor=x","results":[{"id":"5b0c0001-0001-4001-8007-00009e3779b1","n":1,"t":"2026-01-02T03:04:05Z"}]}`),
			nil, []string{"url(BASE/api/canonical/N/issues/?cursor,project)", "url(BASE/api/canonical/N/issues/?cursor)"}},
		{"an ignored path",
			side(realBase, 200, "application/json", `{"a":1,"previous":"x"}`),
			side(fakeBase, 200, "application/json", `{"a":1,"previous":null}`), []Option{ignore("no-previous", "previous")}, nil},
		{"status and media type",
			side(realBase, 404, "text/html; charset=utf-8", `Unimplemented API endpoint: /api/x`),
			side(fakeBase, 404, "application/json", `{"detail":"Not found."}`), nil,
			[]string{`content type: real "text/html", fake "application/json"`, "real is JSON: false, fake is JSON: true"}},
		{"text bodies are compared whole",
			side(realBase, 404, "text/html", `Unimplemented API endpoint: /api/x`),
			side(fakeBase, 404, "text/html", `Unimplemented API endpoint: /api/y`), nil, []string{"text: real"}},
		{"exact error bodies, each with its own swagger URL",
			side(realBase, 404, "application/json", `{"message":"not found","url":"`+realBase+`/api/swagger"}`),
			side(fakeBase, 404, "application/json", `{"url":"`+fakeBase+`/api/swagger","message":"not found"}`), []Option{Exact()}, nil},
		{"exact error bodies differ",
			side(realBase, 404, "application/json", `{"message":"not found"}`),
			side(fakeBase, 404, "application/json", `{"message":"The target couldn't be found."}`), []Option{Exact()}, []string{"value at message"}},
		{"ordering",
			side(realBase, 200, "application/json", `{"results":[{"v":"a"},{"v":"b"}]}`),
			side(fakeBase, 200, "application/json", `{"results":[{"v":"b"},{"v":"a"}]}`), []Option{Values("results[].v")}, []string{"values at results[].v", `real ["a","b"]`}},
		{"sorted on both sides",
			side(realBase, 200, "application/json", `[{"name":"a"},{"name":"c"}]`),
			side(fakeBase, 200, "application/json", `[{"name":"b"},{"name":"a"}]`), []Option{Sorted("[].name", false)}, []string{"fake: values at [].name are not sorted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Diff(c.real, c.fake, c.opts...)
			if len(c.want) == 0 {
				if d != "" {
					t.Fatalf("want no difference, got:\n%s", d)
				}
				return
			}
			for _, w := range c.want {
				if !strings.Contains(d, w) {
					t.Errorf("diff lacks %q:\n%s", w, d)
				}
			}
			if !strings.Contains(d, "REAL") || !strings.Contains(d, "FAKE") {
				t.Errorf("diff does not show both answers:\n%s", d)
			}
		})
	}
}

// TestDifferencesListed checks that only names the package comment lists
// can be skipped or ignored.
func TestDifferencesListed(t *testing.T) {
	d := &Differences{doc: "Deliberate differences:\n  - no-previous: DRF's previous links are not served\n"}
	if !d.has("no-previous") {
		t.Error("a listed name is refused")
	}
	if d.has("previous") || d.has("unlisted") {
		t.Error("a name the comment does not list is accepted")
	}
}

// TestFits checks that a client type's fields are held to both answers.
func TestFits(t *testing.T) {
	type label struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	type issue struct {
		Number   int        `json:"number"`
		Labels   []label    `json:"labels"`
		ClosedAt *time.Time `json:"closed_at"`
		Skipped  string     `json:"-"`
	}
	good := `{"number":1,"labels":[{"id":3,"name":"bug"}],"closed_at":null}`
	cases := []struct {
		name, real, fake string
		want             []string
	}{
		{"both fit", good, `{"number":2,"labels":[],"closed_at":"2026-01-02T03:04:05Z"}`, nil},
		{"a field the fake lacks", good, `{"number":1,"labels":[]}`, []string{"fake does not fit bsync: closed_at: missing"}},
		{"a retyped nested field", `{"number":1,"labels":[{"id":"3","name":"bug"}],"closed_at":null}`, good,
			[]string{"real does not fit bsync: labels[].id: string does not decode into int64"}},
		{"a time that is not RFC 3339", good, `{"number":1,"labels":[],"closed_at":"yesterday"}`,
			[]string{"fake does not fit bsync: closed_at: string does not decode into time.Time"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Diff(side(realBase, 200, "application/json", c.real), side(fakeBase, 200, "application/json", c.fake),
				subsetOf("any"), ignore("any", "labels[]", "closed_at"), Fits("", issue{}))
			for _, w := range c.want {
				if !strings.Contains(d, w) {
					t.Errorf("diff lacks %q:\n%s", w, d)
				}
			}
			if len(c.want) == 0 && d != "" {
				t.Errorf("want no difference, got:\n%s", d)
			}
		})
	}
}
