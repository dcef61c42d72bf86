package bugsinktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The recorded events' stacktrace_md and issue files were written by
// Bugsink's own render_stacktrace_md (of its main branch after 2.5.0, which
// renders threads) and get_type_and_value_for_data
// (scripts/record-events/bugsink_md.py); the ports must agree with them. Locals are compared apart: the port lists them in key
// order and shows non-strings as JSON.
func TestStacktraceMarkdownMatchesBugsink(t *testing.T) {
	files, err := filepath.Glob("../../render/testdata/events/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("recorded events missing: %d, %v", len(files), err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".issue.json") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".stacktrace.md")
			if err != nil {
				t.Fatal(err)
			}
			var issue struct {
				Type  string `json:"calculated_type"`
				Value string `json:"calculated_value"`
			}
			raw, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".issue.json")
			if err == nil {
				err = json.Unmarshal(raw, &issue)
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ, val := Calculated(data); typ != issue.Type || val != issue.Value {
				t.Errorf("Calculated = %q, %q; Bugsink computes %q, %q", typ, val, issue.Type, issue.Value)
			}
			got := StacktraceMarkdownWithThreads(data, Title(issue.Type, issue.Value), nil)
			if w := withoutLocals(string(want)); withoutLocals(got) != w {
				t.Errorf("stacktrace_md differs from Bugsink's\n--- got ---\n%s\n--- want ---\n%s", got, want)
			}
			if strings.Count(got, "#### Locals") != strings.Count(string(want), "#### Locals") {
				t.Errorf("%d Locals sections, Bugsink has %d", strings.Count(got, "#### Locals"), strings.Count(string(want), "#### Locals"))
			}
		})
	}
}

// Bugsink 2.5.0 renders exception stacks only: an event without an
// exception (a log message with its threads' stack, or an event-level
// stack) is "_No stacktrace available._", as the real 2.5.0 serves it
// (TestRealFirstSyncOfRecordedEvents); exception events render as after
// 2.5.0 where they have at most one thread.
func TestStacktraceMarkdownAs250(t *testing.T) {
	files, _ := filepath.Glob("../../render/testdata/events/*.json")
	without := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".issue.json") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Exception json.RawMessage `json:"exception"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		got, later := StacktraceMarkdown(data, "T", nil), StacktraceMarkdownWithThreads(data, "T", nil)
		switch {
		case ev.Exception == nil:
			without++
			if got != "_No stacktrace available._" || later == got {
				t.Errorf("%s (no exception): 2.5.0 renders %q, after 2.5.0 %.40q", f, got, later)
			}
		case got != later:
			t.Errorf("%s: 2.5.0 and later render an exception event apart:\n%s\n---\n%s", f, got, later)
		}
	}
	if without != 4 {
		t.Errorf("%d recorded events without an exception, want 4", without)
	}
	threads := `{"platform":"python","exception":{"values":[{"type":"E","value":"v"}]},
	 "threads":{"values":[{"id":1,"stacktrace":{"frames":[{"filename":"a.py","lineno":1}]}},{"id":2,"stacktrace":{"frames":[{"filename":"b.py","lineno":2}]}}]}}`
	if got := StacktraceMarkdown([]byte(threads), "E: v", nil); strings.Contains(got, "# Threads") {
		t.Errorf("2.5.0 renders threads:\n%s", got)
	}
	if got := StacktraceMarkdownWithThreads([]byte(threads), "E: v", nil); !strings.Contains(got, "# Threads") {
		t.Errorf("after 2.5.0, no threads:\n%s", got)
	}
}

// withoutLocals drops the lines of each Locals section.
func withoutLocals(md string) string {
	var out []string
	in := false
	for _, l := range strings.Split(md, "\n") {
		switch {
		case l == "#### Locals":
			in = true
			continue
		case in && (strings.HasPrefix(l, "* `") || l == ""):
			continue
		}
		in = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// apply_sourcemaps as ported: a mapped frame takes the original file, line,
// name and source lines; a frame whose map was not uploaded, or whose
// position the map does not cover, carries the debug id Bugsink then
// shows; a frame of a source without content is left alone.
func TestSourceMapsApplyAsBugsinkApplies(t *testing.T) {
	const id = "5D3F7B2A-9C1E-4F6A-8B0D-2E4C6A8F1B3D"
	payload := `{"platform":"javascript","debug_meta":{"images":[
	  {"type":"sourcemap","code_file":"app.min.js","debug_id":"` + id + `"},
	  {"type":"sourcemap","code_file":"vendor.min.js","debug_id":"00000000-0000-4000-8000-000000000001"}]},
	 "exception":{"values":[{"type":"TypeError","value":"x","stacktrace":{"frames":[
	  {"filename":"vendor.min.js","function":"v","lineno":1,"colno":5},
	  {"filename":"app.min.js","function":"n","lineno":1,"colno":2},
	  {"filename":"app.min.js","function":"m","lineno":1,"colno":40,"in_app":true},
	  {"filename":"app.min.js","function":"s","lineno":1,"colno":90}]}}]}}`
	maps := map[string]SourceMap{strings.ToLower(id): {
		Mappings: []Mapping{
			{GenLine: 0, GenCol: 30, Source: "src/a.ts", Line: 2, Col: 4, Name: "render"},
			{GenLine: 0, GenCol: 80, Source: "src/nocontent.ts", Line: 0, Col: 0},
		},
		Sources: map[string][]string{"src/a.ts": {"l1", "l2", "  return x.map(f);", "l4"}},
	}}
	got := StacktraceMarkdown([]byte(payload), "TypeError: x", maps)
	want := strings.Join([]string{
		"# TypeError",
		"x",
		"",
		"### app.min.js:1 in `s` [external]",
		"_no source context available_",
		"",
		"### src/a.ts:3 in `render` [in-app]",
		"   1 | l1", // line numbers are at least two wide
		"   2 | l2",
		"▶  3 |   return x.map(f);",
		"   4 | l4",
		"",
		"### app.min.js:1 in `n` [external] (no sourcemap for debug_id 5d3f7b2a-9c1e-4f6a-8b0d-2e4c6a8f1b3d)",
		"_no source context available_",
		"",
		"### vendor.min.js:1 in `v` [external] (no sourcemap for debug_id 00000000-0000-4000-8000-000000000001)",
		"_no source context available_",
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// ParseSourceMap decodes the bundle's source map (written for
// scripts/record-events/bundle): relative fields carried across segments,
// names only where a segment has five fields, the sources' lines as
// Python splits them.
func TestParseSourceMap(t *testing.T) {
	raw, err := os.ReadFile("../../../scripts/record-events/bundle/main.3f2a9c.js.map")
	if err != nil {
		t.Fatal(err)
	}
	sm, err := ParseSourceMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mapping{
		{0, 208, "src/cart.js", 0, 0, ""}, {0, 221, "src/cart.js", 2, 0, ""}, {0, 235, "src/cart.js", 3, 2, ""},
		{0, 244, "src/cart.js", 3, 15, "prices"}, {0, 248, "src/cart.js", 3, 19, ""}, {0, 267, "src/cart.js", 4, 11, ""},
		{0, 277, "src/cart.js", 8, 0, ""}, {0, 298, "src/cart.js", 9, 9, "cartPrices"}, {0, 309, "src/cart.js", 12, 0, ""},
		{0, 325, "src/cart.js", 13, 2, ""}, {0, 355, "src/cart.js", 14, 11, "renderCart"},
	}
	if fmt.Sprint(sm.Mappings) != fmt.Sprint(want) {
		t.Errorf("mappings\n%v\nwant\n%v", sm.Mappings, want)
	}
	if src := sm.Sources["src/cart.js"]; len(src) != 17 || src[3] != "  return items.map(function (item) {" {
		t.Errorf("source lines %q", src)
	}
	for _, bad := range []string{`{"version":3,"sources":["a"],"mappings":"AAAA;A$"}`, `{"version":3,"sources":["a"],"mappings":"ACAA"}`,
		`{"version":3,"sources":["a"],"mappings":"AAg"}`, `{"version":2,"mappings":""}`, `{"version":3,"sources":["a"],"names":[],"mappings":"AAAAA"}`} {
		if _, err := ParseSourceMap([]byte(bad)); err == nil {
			t.Errorf("ParseSourceMap(%s) took it", bad)
		}
	}
}
