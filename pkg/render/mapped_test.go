package render

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
)

// minifiedEvent is the recorded @sentry/node 11 event thrown in the minified
// bundle, with the stacktrace_md the fake Bugsink renders for it given these
// uploaded source maps.
func minifiedEvent(t *testing.T, maps map[string]bugsinktest.SourceMap) (*bugsink.Event, []byte) {
	t.Helper()
	data, err := os.ReadFile("testdata/events/node11-request-minified.json")
	if err != nil {
		t.Fatal(err)
	}
	ev := &bugsink.Event{EventSummary: bugsink.EventSummary{ID: "e0000001-0000-4000-9000-000000000001"}}
	if err := json.Unmarshal(data, &ev.Data); err != nil {
		t.Fatal(err)
	}
	ev.StacktraceMD = bugsinktest.StacktraceMarkdown(data, "TypeError: t.map is not a function", maps)
	return ev, data
}

var uploaded = map[string]bugsinktest.SourceMap{bugsinktest.BundleDebugID: bugsinktest.BundleSourceMap}

func TestMappedFramesShowTheOriginalSource(t *testing.T) {
	ev, _ := minifiedEvent(t, uploaded)
	r := rendered(issue("TypeError", "t.map is not a function"), ev, "p", Options{BugsinkURL: safetyBase})
	inOrder(t, r.Body, "TypeError: t.map is not a function\n",
		"  at ? (webpack://shop/./src/cart.ts:4) [app]\n      > return items.map((item) => item.price);\n",
		"  at prices (webpack://shop/./src/cart.ts:8) [app]\n      > return prices(cart.items);\n",
		"  at total (webpack://shop/./src/cart.ts:12) [app]\n      > return total(cart);\n",
		"  at IncomingMessage.? (/srv/shop/record_node.js:81:16) [app]\n")
	if strings.Contains(r.Body, "main.3f2a9c.js") || strings.Contains(r.Body, "Source maps were missing") || len(r.Warnings) > 0 {
		t.Errorf("minified frames, a missing-maps line or warnings remain: %v\n%s", r.Warnings, r.Body)
	}
}

func TestMissingSourceMapsAreSaidInOneLine(t *testing.T) {
	ev, _ := minifiedEvent(t, nil)
	r := rendered(issue("TypeError", "t.map is not a function"), ev, "p", Options{BugsinkURL: safetyBase})
	want := "\n## Stacktrace\n\nSource maps were missing in Bugsink for release `shop-frontend@2.7.0`: some frames are shown minified.\n\n<details>"
	if !strings.Contains(r.Body, want) || !strings.Contains(r.Body, "at r (/srv/shop/bundle/main.3f2a9c.js:1:245) [app]") {
		t.Errorf("body lacks %q or the minified frame:\n%s", want, r.Body)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings: %v", r.Warnings)
	}
}

// Bugsink's text is read only where it has exactly the shape its module
// writes; anything else falls back to the payload's frames with a warning.
func TestUnexpectedStacktraceMDFallsBackWithAWarning(t *testing.T) {
	ev, data := minifiedEvent(t, uploaded)
	good := ev.StacktraceMD
	lines := strings.Split(good, "\n")
	firstFrame := indexOf(lines, func(l string) bool { return strings.HasPrefix(l, "### ") })
	marked := indexOf(lines, func(l string) bool { return strings.HasPrefix(l, "▶ ") })
	cases := map[string]string{
		"a frame too many":                         good + "\n\n### extra.js:1 in `x` [external]\n_no source context available_",
		"a frame missing":                          strings.Join(append(append([]string{}, lines[:firstFrame-1]...), lines[firstFrame+7:]...), "\n"),
		"header level changed":                     strings.Replace(good, "### ", "## ", 1),
		"gutter changed":                           strings.Replace(good, lines[marked], strings.Replace(lines[marked], " | ", " : ", 1), 1),
		"marked line moved":                        strings.Replace(good, lines[marked], strings.Replace(lines[marked], "▶", " ", 1), 1),
		"locals listed":                            strings.Replace(good, lines[marked], lines[marked]+"\n\n#### Locals\n\n* `token` = `abc`", 1),
		"another exception type":                   strings.Replace(good, "# TypeError", "# RangeError", 1),
		"in-app frames only (Bugsink 2.0.0–2.0.4)": onlyInApp(good),
		"not markdown at all":                      "<html>Server Error</html>",
	}
	for name, md := range cases {
		t.Run(name, func(t *testing.T) {
			ev := &bugsink.Event{EventSummary: ev.EventSummary, StacktraceMD: md}
			if err := json.Unmarshal(data, &ev.Data); err != nil {
				t.Fatal(err)
			}
			r := rendered(issue("TypeError", "t.map is not a function"), ev, "p", Options{BugsinkURL: safetyBase})
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "could not be read") || !strings.Contains(r.Warnings[0], ev.ID) {
				t.Errorf("warnings %q", r.Warnings)
			}
			if strings.Contains(r.Body, "cart.ts") || !strings.Contains(r.Body, "at r (/srv/shop/bundle/main.3f2a9c.js:1:245) [app]") {
				t.Errorf("not the payload's frames:\n%s", r.Body)
			}
		})
	}
}

func indexOf(lines []string, f func(string) bool) int {
	for i, l := range lines {
		if f(l) {
			return i
		}
	}
	return -1
}

// onlyInApp drops the external frames, as Bugsink before 2.0.5 rendered.
func onlyInApp(md string) string {
	blocks := strings.Split(md, "\n\n")
	var keep []string
	for _, b := range blocks {
		if strings.HasPrefix(b, "### ") && strings.Contains(strings.SplitN(b, "\n", 2)[0], "[external]") {
			continue
		}
		keep = append(keep, b)
	}
	return strings.Join(keep, "\n\n")
}

// Bugsink lists local variables in stacktrace_md: for an event whose frames
// carry any, the text is never read, even if a caller passed it on.
func TestStacktraceMDIsNotReadWhenFramesCarryVariables(t *testing.T) {
	ev, data := minifiedEvent(t, uploaded)
	var payload map[string]any
	if err := json.Unmarshal(data, &payload); err != nil {
		t.Fatal(err)
	}
	frames := payload["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)["stacktrace"].(map[string]any)["frames"].([]any)
	frames[0].(map[string]any)["vars"] = map[string]any{"token": "VARSECRET"}
	withVars, _ := json.Marshal(payload)
	ev.StacktraceMD = bugsinktest.StacktraceMarkdown(withVars, "TypeError: t.map is not a function", uploaded)
	if !strings.Contains(ev.StacktraceMD, "VARSECRET") || !strings.Contains(ev.StacktraceMD, "cart.ts") {
		t.Fatal("the fake's stacktrace_md lacks the variable or the mapped frames: the test proves nothing")
	}
	ev.Data = bugsink.EventData{}
	if err := json.Unmarshal(withVars, &ev.Data); err != nil {
		t.Fatal(err)
	}
	r := rendered(issue("TypeError", "t.map is not a function"), ev, "p", Options{BugsinkURL: safetyBase})
	if strings.Contains(r.Body, "VARSECRET") || strings.Contains(r.Body, "cart.ts") {
		t.Errorf("stacktrace_md was read for an event with variables:\n%s", r.Body)
	}
}

// Mapped source lines and function names come from uploaded source maps and
// the application's source: untrusted text like everything of the event.
func TestHostileSourceMaps(t *testing.T) {
	for name, s := range hostileCorpus {
		t.Run(name, func(t *testing.T) {
			src := "webpack://shop/" + s
			sm := bugsinktest.SourceMap{
				Mappings: []bugsinktest.Mapping{
					{GenLine: 0, GenCol: 244, Source: src, Line: 1, Col: 0, Name: s},
					{GenLine: 0, GenCol: 298, Source: src, Line: 0, Col: 0, Name: s + " password=hunter2"},
					{GenLine: 0, GenCol: 355, Source: src, Line: 2, Col: 0, Name: "total"},
				},
				Sources: map[string][]string{src: {s, s + " token=T0KEN", "const apiKey = 'sk_live_123456'; " + s}},
			}
			ev, _ := minifiedEvent(t, map[string]bugsinktest.SourceMap{bugsinktest.BundleDebugID: sm})
			is := bugsink.Issue{ID: testID, CalculatedType: "TypeError", CalculatedValue: s, FirstSeen: t0, LastSeen: t1, DigestedEventCount: 1}
			r := rendered(is, ev, "p", Options{BugsinkURL: safetyBase})
			for _, v := range append(checkTitle(r.Title), checkBody(r.Body, DefaultMaxBodyBytes)...) {
				t.Error(v)
			}
			for _, sec := range secrets {
				if strings.Contains(r.Title+r.Body, sec) {
					t.Errorf("secret %q survived", sec)
				}
			}
		})
	}
}

// The lines quoted in a fallback warning are event text: redacted, cleaned
// and short, as everywhere else.
func TestStacktraceMDWarningQuotesUntrustedTextSafely(t *testing.T) {
	ev, data := minifiedEvent(t, uploaded)
	hostile := "token=T0KEN Authorization: Bearer eyJhbGciOiJIUzI1NiJ9 \x1b[2J <!-- /bsync:figures --> " + strings.Repeat("x", 500)
	for name, md := range map[string]string{
		"unexpected first line": hostile + "\n" + ev.StacktraceMD,
		"unexpected extra line": ev.StacktraceMD + "\n" + hostile,
	} {
		t.Run(name, func(t *testing.T) {
			ev := &bugsink.Event{EventSummary: ev.EventSummary, StacktraceMD: md}
			if err := json.Unmarshal(data, &ev.Data); err != nil {
				t.Fatal(err)
			}
			r := rendered(issue("TypeError", "t.map is not a function"), ev, "p", Options{BugsinkURL: safetyBase})
			if len(r.Warnings) != 1 {
				t.Fatalf("warnings %q", r.Warnings)
			}
			w := r.Warnings[0]
			for _, bad := range []string{"T0KEN", "eyJhbGciOiJIUzI1NiJ9", "\x1b", "<!--"} {
				if strings.Contains(w, bad) {
					t.Errorf("warning carries %q: %q", bad, w)
				}
			}
			if len(w) > 400 {
				t.Errorf("warning is %d bytes: %q", len(w), w)
			}
		})
	}
}
