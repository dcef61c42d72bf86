package render

import (
	"strings"
	"testing"
)

// inOrder fails unless every string of want occurs in body, in that order.
func inOrder(t *testing.T, body string, want ...string) {
	t.Helper()
	pos := 0
	for _, w := range want {
		i := strings.Index(body[pos:], w)
		if i < 0 {
			t.Fatalf("body lacks (in order) %q\n%s", w, body)
		}
		pos += i + len(w)
	}
}

// The link between chained exceptions, as newer SDKs state it in the
// mechanism (sentry-python 2: source, exception_id, parent_id).
func TestChainConnectorsFollowTheMechanism(t *testing.T) {
	chain := func(platform, source string) string {
		return `{"platform":"` + platform + `","exception":{"values":[
		 {"type":"KeyError","value":"'pear'","mechanism":{"type":"chained","source":"` + source + `","exception_id":1,"parent_id":0},
		  "stacktrace":{"frames":[{"filename":"prices.py","function":"parse_price","lineno":61}]}},
		 {"type":"LookupError","value":"no price","mechanism":{"type":"generic","exception_id":0},
		  "stacktrace":{"frames":[{"filename":"prices.py","function":"price_of","lineno":69}]}}]}}`
	}
	cases := []struct {
		name, platform, source string
		want                   []string
	}{
		{"python explicit cause", "python", "__cause__", []string{"KeyError: 'pear'", "\n\n" + pyCause + "\n\n", "LookupError: no price"}},
		{"python implicit context", "python", "__context__", []string{"KeyError: 'pear'", "\n\n" + pyContext + "\n\n", "LookupError: no price"}},
		{"javascript cause", "node", "cause", []string{"LookupError: no price", "\n\n" + jsCause + "\n", "KeyError: 'pear'"}},
		{"javascript context", "node", "__context__", []string{"LookupError: no price", "\n\n" + jsContext + "\n", "KeyError: 'pear'"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := rendered(issue("LookupError", "no price"), event(t, chain(c.platform, c.source)), "p", Options{BugsinkURL: safetyBase}).Body
			inOrder(t, body, c.want...)
			for _, other := range []string{pyCause, pyContext, pyUnknown, jsCause, jsContext} {
				if !strings.Contains(strings.Join(c.want, ""), other) && strings.Contains(body, other) {
					t.Errorf("body also says %q", other)
				}
			}
		})
	}
}

// sentry-python 2 sends an ExceptionGroup as the group and its members,
// linked by exception_id and parent_id, members first.
func TestExceptionGroupRendersAsATree(t *testing.T) {
	ev := event(t, `{"platform":"python","exception":{"values":[
	 {"type":"TypeError","value":"bad sku","mechanism":{"type":"chained","source":"exceptions[1]","exception_id":2,"parent_id":0},"stacktrace":{"frames":[{"filename":"cart.py","function":"check_sku","lineno":20}]}},
	 {"type":"ValueError","value":"bad price","mechanism":{"type":"chained","source":"exceptions[0]","exception_id":1,"parent_id":0},"stacktrace":{"frames":[{"filename":"cart.py","function":"check_price","lineno":10}]}},
	 {"type":"ExceptionGroup","value":"cart validation failed (2 sub-exceptions)","mechanism":{"type":"generic","is_exception_group":true,"exception_id":0},"stacktrace":{"frames":[{"filename":"cart.py","function":"validate_all","lineno":30}]}}]}}`)
	body := rendered(issue("ExceptionGroup", "cart validation failed"), ev, "p", Options{BugsinkURL: safetyBase}).Body
	inOrder(t, body,
		"\nExceptionGroup: cart validation failed (2 sub-exceptions)\n  at validate_all (cart.py:30)\n",
		"\n  Exception 1 of the group above (exceptions[0]):\n    ValueError: bad price\n      at check_price (cart.py:10)\n",
		"\n  Exception 2 of the group above (exceptions[1]):\n    TypeError: bad sku\n      at check_sku (cart.py:20)\n")
}

func TestMissingTypeIsShownAsMissing(t *testing.T) {
	ev := event(t, `{"platform":"node","exception":{"values":[{"value":"nightly report skipped","mechanism":{"synthetic":true},
	 "stacktrace":{"frames":[{"filename":"report.js","function":"nightlyReport","lineno":3}]}}]}}`)
	body := rendered(issue("nightlyReport", ""), ev, "p", Options{BugsinkURL: safetyBase}).Body
	inOrder(t, body, "```text\n"+noType+": nightly report skipped\n  at nightlyReport (report.js:3)")
	if strings.Contains(body, "Error: nightly") {
		t.Error("a type was invented")
	}
}

func TestThreadsShowTheCrashedOrCurrentThreadFirst(t *testing.T) {
	frames := func(fn string) string {
		return `"stacktrace":{"frames":[{"filename":"Main.java","function":"` + fn + `","lineno":7}]}`
	}
	t.Run("message with all threads", func(t *testing.T) {
		ev := event(t, `{"platform":"java","logentry":{"formatted":"deadlock suspected"},"threads":{"values":[
		 {"id":1,"name":"main",`+frames("waitAll")+`},{"id":2,"name":"idle"},
		 {"id":"7","name":"worker","current":true,`+frames("lockB")+`}]}}`)
		body := rendered(issue("Log Message", "deadlock suspected"), ev, "p", Options{BugsinkURL: safetyBase}).Body
		inOrder(t, body, "Log message: deadlock suspected\n\nThread #7 worker (current):\n  at lockB (Main.java:7)\n",
			"\nOther threads:\n\nThread #1 main:\n  at waitAll (Main.java:7)\n```")
		if strings.Contains(body, "idle") {
			t.Error("a thread without frames is listed")
		}
	})
	t.Run("exception and its own thread only", func(t *testing.T) {
		ev := event(t, `{"platform":"python","exception":{"values":[{"type":"E","value":"v",`+frames("run")+`}]},
		 "threads":{"values":[{"id":1,"crashed":true,`+frames("run")+`}]}}`)
		body := rendered(issue("E", "v"), ev, "p", Options{BugsinkURL: safetyBase}).Body
		if strings.Contains(body, "Other threads") || strings.Contains(body, "Thread #1") {
			t.Errorf("the crashed thread repeats the exception's stack:\n%s", body)
		}
	})
	t.Run("exception and other threads", func(t *testing.T) {
		ev := event(t, `{"platform":"python","exception":{"values":[{"type":"E","value":"v",`+frames("run")+`}]},
		 "threads":{"values":[{"id":1,"crashed":true,`+frames("run")+`},{"id":2,"name":"poller",`+frames("poll")+`}]}}`)
		body := rendered(issue("E", "v"), ev, "p", Options{BugsinkURL: safetyBase}).Body
		inOrder(t, body, "E: v\n  at run (Main.java:7)\n", "\nOther threads:\n\nThread #2 poller:\n  at poll (Main.java:7)\n")
		if strings.Contains(body, "Thread #1") {
			t.Error("the crashed thread is listed among the others")
		}
	})
}

// Older JavaScript SDKs put a captured message's stack at the top level.
func TestEventLevelStacktrace(t *testing.T) {
	ev := event(t, `{"platform":"node","message":"queue stalled","stacktrace":{"frames":[
	 {"filename":"q.js","function":"tick","lineno":1},{"filename":"q.js","function":"drain","lineno":9,"in_app":true}]}}`)
	body := rendered(issue("Log Message", "queue stalled"), ev, "p", Options{BugsinkURL: safetyBase}).Body
	inOrder(t, body, "Log message: queue stalled\n\nStack trace:\n  at drain (q.js:9) [app]\n  at tick (q.js:1)\n")
}

func TestTitleAndMessageFallBackOnTheEvent(t *testing.T) {
	long := strings.Repeat("x", 400)
	cases := []struct {
		name, payload, typ string
		wantTitle          string
		wantMessage        string
	}{
		{"synthetic exception value", `{"exception":{"values":[{"type":"Error","value":"feed is down @ops see #4 password=hunter2","mechanism":{"synthetic":true}}]}}`,
			"?", "[?] feed is down @\u2060ops see #\u20604 password=[redacted]", "`feed is down @ops see #4 password=[redacted]`"},
		{"log message", `{"logentry":{"message":"queue at %d","formatted":"queue at 5"}}`,
			"Log Message", "[Log Message] queue at 5", "`queue at 5`"},
		{"plain message", `{"message":"disk almost full"}`, "Log Message", "[Log Message] disk almost full", "`disk almost full`"},
		{"nothing at all", `{}`, "Error", "[Error]", "—"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rendered(issue(c.typ, ""), event(t, c.payload), "p", Options{BugsinkURL: safetyBase})
			if r.Title != c.wantTitle {
				t.Errorf("title %q, want %q", r.Title, c.wantTitle)
			}
			if !strings.Contains(r.Body, "| **Message** | "+c.wantMessage+" |") {
				t.Errorf("message row is not %s:\n%s", c.wantMessage, r.Body)
			}
		})
	}
	r := rendered(issue("E", ""), event(t, `{"exception":{"values":[{"type":"E","value":"`+long+`"}]}}`), "p", Options{BugsinkURL: safetyBase})
	if len(r.Title) > MaxTitleBytes || !strings.HasSuffix(r.Title, "…") {
		t.Errorf("a long fallback title is not cut: %d bytes", len(r.Title))
	}
	r = rendered(issue("E", "bugsink's value"), event(t, `{"exception":{"values":[{"type":"E","value":"the event's value"}]}}`), "p", Options{BugsinkURL: safetyBase})
	if r.Title != "[E] bugsink's value" {
		t.Errorf("Bugsink's calculated value is not preferred: %q", r.Title)
	}
}

// Links come from the event: loops, missing parents, duplicate or huge ids
// must neither lose an exception nor hang.
func TestOddExceptionLinksLoseNothing(t *testing.T) {
	cases := map[string]string{
		"loop":           `{"type":"A","mechanism":{"exception_id":1,"parent_id":2}},{"type":"B","mechanism":{"exception_id":2,"parent_id":1}},{"type":"M","mechanism":{"exception_id":0}}`,
		"self parent":    `{"type":"A","mechanism":{"exception_id":1,"parent_id":1}},{"type":"B","mechanism":{"exception_id":3,"parent_id":0}},{"type":"M","mechanism":{"exception_id":0,"is_exception_group":true}}`,
		"missing parent": `{"type":"A","mechanism":{"exception_id":1,"parent_id":9}},{"type":"B","mechanism":{"exception_id":2,"parent_id":0}},{"type":"M","mechanism":{"exception_id":0}}`,
		"huge ids":       `{"type":"A","mechanism":{"exception_id":2147483647,"parent_id":0}},{"type":"B","mechanism":{"exception_id":2147483646,"parent_id":2147483647}},{"type":"M","mechanism":{"exception_id":0}}`,
		"duplicate ids":  `{"type":"A","mechanism":{"exception_id":1,"parent_id":0}},{"type":"B","mechanism":{"exception_id":1,"parent_id":0}},{"type":"M","mechanism":{"exception_id":0}}`,
	}
	for name, values := range cases {
		t.Run(name, func(t *testing.T) {
			body := rendered(issue("M", "x"), event(t, `{"platform":"node","exception":{"values":[`+values+`]}}`), "p", Options{BugsinkURL: safetyBase}).Body
			for _, typ := range []string{"\nA\n", "\nB\n", "\nM\n"} {
				if strings.Count(strings.ReplaceAll(body, "    ", ""), typ) != 1 {
					t.Errorf("exception %q not shown exactly once:\n%s", strings.TrimSpace(typ), body)
				}
			}
		})
	}
}

// Older Python SDKs send a logged message unformatted, with its arguments
// apart: both are shown, the arguments as untrusted text.
func TestUnformattedLogMessageShowsItsArguments(t *testing.T) {
	ev := event(t, `{"platform":"python","logentry":{"message":"login of %s failed with %s","params":["@admin",{"password":"hunter2"}]}}`)
	body := rendered(issue("Log Message", "login of %s failed with %s"), ev, "p", Options{BugsinkURL: safetyBase}).Body
	inOrder(t, body, "Log message: login of %s failed with %s\n  with arguments: ['@admin', {password: '[redacted]'}]\n")
	ev = event(t, `{"logentry":{"message":"queue at %d","formatted":"queue at 5","params":[5]}}`)
	if body := rendered(issue("Log Message", "queue at %d"), ev, "p", Options{BugsinkURL: safetyBase}).Body; strings.Contains(body, "with arguments") {
		t.Error("arguments shown beside a formatted message")
	}
}

// Bugsink tells Python by platform == "python", exactly; so does bsync,
// in the trace and in reading Bugsink's rendered one.
func TestPlatformPythonIsMatchedExactly(t *testing.T) {
	payload := func(platform string) string {
		return `{"platform":"` + platform + `","exception":{"values":[
		 {"type":"KeyError","value":"'pear'","mechanism":{"type":"chained","source":"__cause__","exception_id":1,"parent_id":0}},
		 {"type":"LookupError","value":"no price","mechanism":{"type":"generic","exception_id":0}}]}}`
	}
	body := rendered(issue("LookupError", "no price"), event(t, payload("Python")), "p", Options{BugsinkURL: safetyBase}).Body
	if strings.Contains(body, pyCause) || !strings.Contains(body, jsCause) {
		t.Errorf("platform \"Python\" rendered as Python:\n%s", body)
	}
}

// mechanism.source is event text: every connector line that quotes it is
// cleaned and capped, group members included.
func TestLongMechanismSourceIsCapped(t *testing.T) {
	long := strings.Repeat("A", 10000)
	for _, src := range []string{"exceptions[" + long + "]", "errors[" + long + "]", long} {
		ev := event(t, `{"platform":"python","exception":{"values":[
		 {"type":"TypeError","value":"bad sku","mechanism":{"type":"chained","source":"`+src+`","exception_id":1,"parent_id":0}},
		 {"type":"ExceptionGroup","value":"failed","mechanism":{"type":"generic","is_exception_group":true,"exception_id":0}}]}}`)
		r := rendered(issue("ExceptionGroup", "failed"), ev, "p", Options{BugsinkURL: safetyBase})
		for _, l := range strings.Split(r.Body, "\n") {
			if len(l) > 300 {
				t.Errorf("source %.20q…: a %d-byte line %.80q…", src, len(l), l)
			}
		}
	}
}
