package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"bsync/pkg/bugsink"
)

var (
	t0 = time.Date(2026, 1, 13, 18, 24, 22, 0, time.UTC)
	t1 = time.Date(2026, 1, 16, 5, 3, 2, 0, time.UTC)
)

const testID = "5b0c0001-0001-4001-8007-00009e3779b1"

func issue(typ, value string) bugsink.Issue {
	return bugsink.Issue{ID: testID, CalculatedType: typ, CalculatedValue: value, FirstSeen: t0, LastSeen: t1, DigestedEventCount: 4}
}

func event(t *testing.T, payload string) *bugsink.Event {
	t.Helper()
	ev := &bugsink.Event{}
	if err := json.Unmarshal([]byte(payload), &ev.Data); err != nil {
		t.Fatal(err)
	}
	return ev
}

const jsEvent = `{"platform":"javascript","level":"error",
 "request":{"method":"GET","url":"https://flyer-crawler-test.projectium.com/","headers":{"Cookie":"sid=abc"}},
 "exception":{"values":[{"type":"TypeError","value":"t.map is not a function","stacktrace":{"frames":[
   {"filename":"react-dom.js","function":"render","lineno":1,"colno":5,"in_app":false},
   {"filename":"src/List.tsx","function":"List","lineno":42,"colno":17,"in_app":true,"context_line":"return items.map(x => x)","vars":{"token":"leak"}}]}}]}}`

func TestRenderFollowsTheDesignTemplate(t *testing.T) {
	r := rendered(issue("TypeError", "t.map is not a function"), event(t, jsEvent), "flyer-crawler-frontend-test",
		Options{BugsinkURL: "https://bugsink.example.com/"})
	if r.Title != "[TypeError] t.map is not a function" {
		t.Errorf("title %q", r.Title)
	}
	want := []string{
		"## Error Details\n\n| Field | Value |\n| ------------ | ----------------------- |\n",
		"| **Type** | `TypeError` |\n",
		"| **Message** | `t.map is not a function` |\n",
		"| **Platform** | `javascript` |\n",
		"| **Level** | `error` |\n",
		"\n## Occurrence Statistics\n\n- **First Seen**: 2026-01-13 18:24:22 UTC\n- **Last Seen**: 2026-01-16 05:03:02 UTC\n- **Total Occurrences**: 4\n",
		"\n## Request Context\n\n- **URL**: GET `https://flyer-crawler-test.projectium.com/`\n",
		"\n## Stacktrace\n\n<details>\n<summary>Click to expand</summary>\n\n```text\n",
		"TypeError: t.map is not a function\n  at List (src/List.tsx:42:17) [app]\n      > return items.map(x => x)\n  at render (react-dom.js:1:5)\n",
		"\n</details>\n",
		"\n---\n\n**Bugsink Issue**: https://bugsink.example.com/issues/issue/" + testID + "/event/last/\n**Project**: flyer-crawler-frontend-test\n",
		"<!-- bugsink-issue: " + testID + " -->",
	}
	pos := 0
	for _, w := range want {
		i := strings.Index(r.Body[pos:], w)
		if i < 0 {
			t.Fatalf("body lacks (in order) %q\n--- body ---\n%s", w, r.Body)
		}
		pos += i + len(w)
	}
	for _, secret := range []string{"leak", "sid=abc", "Cookie"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("body carries %q", secret)
		}
	}
}

func TestRenderMissingSectionsSaySo(t *testing.T) {
	cases := []struct {
		name    string
		ev      *bugsink.Event
		want    []string
		notWant []string
	}{
		{"no request, no frames", event(t, `{"platform":"python","exception":{"values":[{"type":"E","value":"x"}]}}`),
			[]string{"No request recorded.", "E: x", "| **Level** | `error` |"}, nil},
		{"log message", event(t, `{"platform":"node","level":"warning","logentry":{"message":"queue at %d","formatted":"queue at 5"}}`),
			[]string{"No request recorded.", "Log message: queue at 5", "`warning`"}, nil},
		{"nothing at all", event(t, `{}`), []string{"No request recorded.", "No stack trace recorded.", "`unknown`"}, []string{"<details>"}},
		{"no stored event", nil, []string{"no request is known", "no stack trace is known"}, []string{"<details>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := rendered(issue("E", "x"), tc.ev, "p", Options{BugsinkURL: "https://b"}).Body
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q\n%s", w, body)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			for _, h := range []string{"## Error Details", "## Occurrence Statistics", "## Request Context", "## Stacktrace", "**Bugsink Issue**"} {
				if strings.Count(body, h) != 1 {
					t.Errorf("section %q appears %d times", h, strings.Count(body, h))
				}
			}
		})
	}
}

func TestTitle(t *testing.T) {
	cases := []struct {
		typ, value, want string
	}{
		{"TypeError", "t.map is not a function", "[TypeError] t.map is not a function"},
		{"Log Message", "first line\nsecond line", "[Log Message] first line"},
		{"ValueError", "", "[ValueError]"},
		{"", "x", "[Error] x"},
		{"E", "ping @admin about #12", "[E] ping @\u2060admin about #\u206012"},
		{"E", "tab\there\x00\x1b[31m", "[E] tab here[31m"},
	}
	for _, c := range cases {
		if got := Title(issue(c.typ, c.value)); got != c.want {
			t.Errorf("Title(%q, %q) = %q, want %q", c.typ, c.value, got, c.want)
		}
	}
}

func TestTitleIsCutOnACharacterBoundary(t *testing.T) {
	for _, unit := range []string{"x", "é", "错", "🙂"} {
		got := Title(issue("E", strings.Repeat(unit, 300)))
		if len(got) > MaxTitleBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
			t.Errorf("%s: title of %d bytes, valid %v: %q", unit, len(got), utf8.ValidString(got), got[len(got)-8:])
		}
	}
	if got := Title(issue("E", strings.Repeat("x", 200))); strings.HasSuffix(got, "…") {
		t.Error("a title under the limit was cut")
	}
}

func TestPythonTraceKeepsPythonOrder(t *testing.T) {
	ev := event(t, `{"platform":"python","exception":{"values":[
	 {"type":"KeyError","value":"'price'","stacktrace":{"frames":[{"filename":"parse.py","function":"parse","lineno":7}]}},
	 {"type":"ValueError","value":"bad","stacktrace":{"frames":[{"filename":"worker.py","function":"run","lineno":1},{"filename":"parse.py","function":"to_int","lineno":9}]}}]}}`)
	body := rendered(issue("ValueError", "bad"), ev, "p", Options{BugsinkURL: "https://b"}).Body
	// This payload does not say how the two are linked (older Python SDKs
	// do not): the connector says so rather than guess.
	order := []string{"KeyError: 'price'", pyUnknown, "ValueError: bad", "run (worker.py:1)", "to_int (parse.py:9)"}
	pos := 0
	for _, w := range order {
		i := strings.Index(body[pos:], w)
		if i < 0 {
			t.Fatalf("python trace lacks %q in order:\n%s", w, body)
		}
		pos += i
	}
}

func TestFramesAreCapped(t *testing.T) {
	var frames []string
	for i := 0; i < 200; i++ {
		frames = append(frames, `{"filename":"f.js","function":"fn`+strings.Repeat("x", i%3)+`","lineno":`+itoa(i+1)+`}`)
	}
	ev := event(t, `{"platform":"javascript","exception":{"values":[{"type":"RangeError","value":"deep","stacktrace":{"frames":[`+strings.Join(frames, ",")+`]}}]}}`)
	body := rendered(issue("RangeError", "deep"), ev, "p", Options{BugsinkURL: "https://b", MaxFrames: 40}).Body
	if n := strings.Count(body, "  at "); n != 40 {
		t.Errorf("%d frames shown, want 40", n)
	}
	if !strings.Contains(body, "160 frames left out") {
		t.Error("no note on left-out frames")
	}
	if !strings.Contains(body, "(f.js:200)") {
		t.Error("the crashing frame (newest) is missing")
	}
}

func TestBodyIsCappedByShorteningTheStack(t *testing.T) {
	var frames []string
	for i := 0; i < 3000; i++ {
		frames = append(frames, `{"filename":"some/long/path/file`+itoa(i)+`.js","function":"function_`+itoa(i)+`","lineno":1,"context_line":"`+strings.Repeat("y", 150)+`"}`)
	}
	ev := event(t, `{"platform":"javascript","exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[`+strings.Join(frames, ",")+`]}}]}}`)
	for _, limit := range []int{8 << 10, 64 << 10} {
		body := rendered(issue("E", "v"), ev, "p", Options{BugsinkURL: "https://b", MaxBodyBytes: limit, MaxFrames: 5000}).Body
		if len(body) > limit {
			t.Errorf("limit %d: body is %d bytes", limit, len(body))
		}
		if !strings.Contains(body, "left out to keep this issue small") || !strings.Contains(body, "https://b/issues/issue/"+testID) {
			t.Errorf("limit %d: no note with the Bugsink link", limit)
		}
		if !strings.Contains(body, Marker(testID)) || !strings.Contains(body, "</details>") {
			t.Errorf("limit %d: structure lost", limit)
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// rendered renders one issue; the tests' shorthand for Issue.
func rendered(is bugsink.Issue, ev *bugsink.Event, project string, opt Options) Output {
	return Issue(Input{Issue: is, Event: ev, Project: project, Options: opt})
}
