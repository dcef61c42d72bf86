package render

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/codeindex"
	"bsync/pkg/safetytest"
)

// FuzzRender checks the renderer's invariants on arbitrary error text: no
// live mention or reference, the template's structure intact, only bsync's
// own HTML, no links but the Bugsink link, secrets gone (beside a name, and
// known by their shape only: every format redacted is planted in the
// messages, URL, log arguments and source lines), size caps kept, valid
// UTF-8. Besides the exception path it renders the same text as
// source-mapped frames (file, function and source line from Bugsink's
// stacktrace_md, as the fake renders it), as threads, as an event-level
// stack trace and as the fallback title. The seed corpus (the hostile
// corpus) runs with every `go test`; run it longer with:
//
//	go test ./pkg/render -run '^$' -fuzz FuzzRender -fuzztime 10m
func FuzzRender(f *testing.F) {
	for _, s := range hostileCorpus {
		f.Add(s, s, "https://x.example/?q="+s, s, s, s, 1)
	}
	f.Add("TypeError", "t.map is not a function", "https://x/", "app.js", "render", "return x.map(f)", 12)
	for _, line := range []int{0, -1, 10_000_001, math.MaxInt32, math.MinInt64} {
		f.Add("E", "shop@1.4.2", "https://x/", "/srv/app/src/app.ts", "f", "x", line)
	}
	const sentinel = "FUZZSECRET9"
	f.Fuzz(func(t *testing.T, typ, value, rawURL, file, fn, ctxLine string, line int) {
		yes := true
		ev := &bugsink.Event{Data: bugsink.EventData{
			Platform: typ, Level: fn, Release: value, Env: ctxLine,
			Request: &bugsink.Request{Method: fn, URL: rawURL + "&token=" + sentinel + "&q=" + safetytest.Planted},
			Exception: bugsink.ExceptionList{{Type: typ, Value: safetytest.Planted + " " + value + " password=" + sentinel + " " + safetytest.Planted, Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{
				{Filename: file, Function: fn, ContextLine: safetytest.Planted + " " + ctxLine, InApp: &yes, Lineno: bugsink.FlexInt(line)},
				{AbsPath: file + "?sig=" + sentinel, Function: value},
			}}}},
		}}
		is := bugsink.Issue{ID: testID, CalculatedType: typ, CalculatedValue: value, DigestedEventCount: 1}
		const limit = 16 << 10
		// The repository holds the fuzzed path (and one under src/) and is
		// tagged with the fuzzed release, so the frame is linked.
		files := codeindex.NewFiles([]string{file, "src/" + file, "src/app.ts"}, nil)
		code := codeIn(ev, files, codeindex.Ref{Kind: codeindex.Tag, Name: value, SHA: shopSHA})
		r := Issue(Input{Issue: is, Event: ev, Project: file, Options: Options{BugsinkURL: safetyBase, MaxBodyBytes: limit}, Code: code})
		for _, v := range append(checkTitle(r.Title), checkBody(r.Body, limit)...) {
			t.Error(v)
		}
		inputs := typ + value + rawURL + file + fn + ctxLine
		if !strings.Contains(inputs, sentinel[:4]) && strings.Contains(r.Body, sentinel) {
			t.Errorf("secret survived:\n%s", r.Body)
		}
		for _, sec := range safetytest.Surviving(inputs, r.Title+r.Body) {
			t.Errorf("planted secret %q survived:\n%s", sec, r.Body)
		}
		if strings.Count(r.Body, Marker(testID)) != 1 {
			t.Error("marker missing or repeated")
		}
		for _, ev := range fuzzShapes(t, typ, value, file, fn, ctxLine, sentinel) {
			is := bugsink.Issue{ID: testID, CalculatedType: typ, DigestedEventCount: 1}
			r := rendered(is, ev, file, Options{BugsinkURL: safetyBase, MaxBodyBytes: limit})
			for _, v := range append(checkTitle(r.Title), checkBody(r.Body, limit)...) {
				t.Error(v)
			}
			if !strings.Contains(inputs, sentinel[:4]) && strings.Contains(r.Title+r.Body, sentinel) {
				t.Errorf("secret survived:\n%s", r.Body)
			}
			for _, sec := range safetytest.Surviving(inputs, r.Title+r.Body) {
				t.Errorf("planted secret %q survived:\n%s", sec, r.Body)
			}
		}
	})
}

// fuzzShapes builds events of the other shapes from the fuzzed text: a
// minified exception whose frame Bugsink maps to it (source file, function
// name, source lines), with a thread and a group member; and a log message
// with a thread and an event-level stack trace.
func fuzzShapes(t *testing.T, typ, value, file, fn, ctxLine, sentinel string) []*bugsink.Event {
	const debugID = "5d3f7b2a-9c1e-4f6a-8b0d-2e4c6a8f1b3d"
	frames := []any{
		map[string]any{"filename": file, "function": fn, "context_line": ctxLine, "lineno": 3},
		map[string]any{"filename": "app.min.js", "function": "t", "lineno": 1, "colno": 1, "in_app": true},
	}
	mapped := map[string]any{"platform": "javascript", "release": value,
		"exception": map[string]any{"values": []any{
			map[string]any{"type": fn, "value": ctxLine, "mechanism": map[string]any{"source": typ, "exception_id": 1, "parent_id": 0}},
			map[string]any{"type": typ, "value": value + " password=" + sentinel + " " + safetytest.Planted, "stacktrace": map[string]any{"frames": frames},
				"mechanism": map[string]any{"is_exception_group": true, "exception_id": 0, "synthetic": true}},
		}},
		"threads":    []any{map[string]any{"id": fn, "name": value, "current": true, "stacktrace": map[string]any{"frames": frames}}, map[string]any{"name": typ, "stacktrace": map[string]any{"frames": frames}}},
		"debug_meta": map[string]any{"images": []any{map[string]any{"type": "sourcemap", "code_file": "app.min.js", "debug_id": debugID}}},
	}
	logged := map[string]any{"platform": typ, "logentry": map[string]any{"formatted": value + " token=" + sentinel + " " + safetytest.Planted},
		"threads":    map[string]any{"values": []any{map[string]any{"name": fn, "crashed": true, "stacktrace": map[string]any{"frames": frames}}}},
		"stacktrace": map[string]any{"frames": frames}}
	event := map[string]any{"platform": "python", "logentry": map[string]any{"message": value, "params": strings.Fields(safetytest.Planted)},
		"stacktrace": map[string]any{"frames": frames}}
	maps := map[string]bugsinktest.SourceMap{debugID: {
		Mappings: []bugsinktest.Mapping{{Source: file, Line: 1, Name: fn}},
		Sources:  map[string][]string{file: {value, ctxLine + " token=" + sentinel + " " + oneLine(safetytest.Planted), fn}},
	}}
	var out []*bugsink.Event
	for _, payload := range []map[string]any{mapped, logged, event} {
		raw, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		ev := &bugsink.Event{}
		if err := json.Unmarshal(raw, &ev.Data); err != nil {
			t.Fatal(err)
		}
		ev.StacktraceMD = bugsinktest.StacktraceMarkdown(raw, value, maps)
		out = append(out, ev)
	}
	return out
}

// The fuzz shapes reach the paths they are for: the mapped frame, the
// group, the threads and the event-level stack trace.
func TestFuzzShapesReachTheirPaths(t *testing.T) {
	evs := fuzzShapes(t, "TypeError", "t.map is not a function", "src/app.ts", "render", "return x.map(f)", "FUZZSECRET9")
	want := [][]string{
		{"at render (src/app.ts:2) [app]\n      > return x.map(f) token=[redacted]", "\n  Linked as TypeError:\n    render: return x.map(f)\n", "Other threads:\n\nThread TypeError:"},
		{"Log message: t.map is not a function token=[redacted]", "Thread render (crashed):"},
		{"Log message: t.map is not a function", "Stack trace:\n  at render (src/app.ts:3)\n      > return x.map(f)\n  at t (app.min.js:1:1) [app]"},
	}
	for i, ev := range evs {
		r := rendered(bugsink.Issue{ID: testID, CalculatedType: "TypeError"}, ev, "p", Options{BugsinkURL: safetyBase})
		for _, w := range want[i] {
			if !strings.Contains(r.Body, w) {
				t.Errorf("shape %d lacks %q:\n%s", i, w, r.Body)
			}
		}
		if len(r.Warnings) > 0 {
			t.Errorf("shape %d: %v", i, r.Warnings)
		}
	}
}
