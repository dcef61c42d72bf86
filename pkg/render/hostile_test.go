package render

import (
	"strings"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
	"bsync/pkg/safetytest"
)

// hostileCorpus is error text an attacker (or an unlucky app) can send
// (pkg/safetytest).
var hostileCorpus = safetytest.Corpus

var secrets = safetytest.Secrets

// hostileCode places an event's frames in a repository whose own file
// paths and tag are made of s too (a repository can hold any name), at
// that tag: what the code index would answer for it. A repository's names
// are its own, not the error's, so a case carrying a secret names its
// files and tag plainly: the secret check is about the event's text.
func hostileCode(ev *bugsink.Event, s string) *Code {
	name := s
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			name = "plain"
		}
	}
	files := codeindex.NewFiles([]string{name, "src/" + name, name + "/x.ts", "src/app.ts", "etc/passwd"}, nil)
	return codeIn(ev, files, codeindex.Ref{Kind: codeindex.Tag, Name: name, SHA: shopSHA})
}

func TestHostileCorpus(t *testing.T) {
	for name, s := range hostileCorpus {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				value string // "": the title falls back on the event's message
				ev    *bugsink.Event
			}{{s, hostileEvent(s)}, {"", hostileEvent(s)}, {"", hostileLogEvent(s, true)}, {"", hostileLogEvent(s, false)}} {
				is := bugsink.Issue{ID: testID, CalculatedType: s, CalculatedValue: c.value, FirstSeen: t0, LastSeen: t1, DigestedEventCount: 1}
				r := Issue(Input{Issue: is, Event: c.ev, Project: s, Options: Options{BugsinkURL: safetyBase}, Code: hostileCode(c.ev, s)})
				for _, v := range append(checkTitle(r.Title), checkBody(r.Body, DefaultMaxBodyBytes)...) {
					t.Error(v)
				}
				for _, sec := range secrets {
					if strings.Contains(r.Title+r.Body, sec) {
						t.Errorf("secret %q survived", sec)
					}
				}
				if strings.Count(r.Body, Marker(testID)) != 1 {
					t.Error("marker missing or repeated")
				}
				if strings.Count(r.Body, FiguresStart) != 1 || strings.Count(r.Body, FiguresEnd) != 1 {
					t.Error("figures markers missing or forged")
				}
				if strings.Count(r.Body, "<!--") != 3 {
					t.Errorf("%d hidden lines, want 3 (bsync's own)", strings.Count(r.Body, "<!--"))
				}
			}
		})
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	cases := map[string]string{
		"https://x.example/cb?code=abc123&state=xyz&page=2":     "page=2",
		"https://x.example/?access_token=abc123":                "access_token=[redacted]",
		"https://user:abc123@x.example/path":                    "x.example/path",
		"https://x.example/login#id_token=abc123":               "x.example/login",
		"https://x.example/?X-Amz-Signature=abc123&X-Amz-Date=": "X-Amz-Signature=[redacted]",
		"https://x.example/?sessionid=abc123":                   "sessionid=[redacted]",
		// in a path, where parsing would percent-encode it away from the patterns
		`webpack://shop/{"api_key": "abc123"}`:               "webpack://shop/",
		"webpack://shop/x postgres://app:abc123@db:5432/app": "webpack://shop/",
	}
	for raw, keep := range cases {
		got := redactURL(raw)
		if strings.Contains(got, "abc123") || !strings.Contains(got, keep) {
			t.Errorf("redactURL(%q) = %q, want no secret and %q kept", raw, got, keep)
		}
	}
	msgs := map[string]string{
		"Authorization: Bearer abc123":          "Authorization: Bearer [redacted]",
		"failed with bearer abc123 for request": "bearer [redacted]",
		"password=abc123 user=bob":              "user=bob",
		`{"client_secret":"abc123"}`:            "client_secret",
		"redis://default:abc123@cache:6379":     "redis://default:[redacted]@cache:6379",
		"Cookie: session=abc123":                "Cookie: [redacted]",
		`{\"password\": \"abc123\"}`:            "password",
	}
	for raw, keep := range msgs {
		got := untrusted(raw)
		if strings.Contains(got, "abc123") || !strings.Contains(got, keep) {
			t.Errorf("untrusted(%q) = %q, want no secret and %q kept", raw, got, keep)
		}
	}
}

func TestFrameVariablesAreNeverCopied(t *testing.T) {
	ev := event(t, `{"platform":"python","request":{"url":"https://x/","headers":{"Authorization":"Bearer HDRSECRET"},"cookies":{"sid":"COOKIESECRET"},"data":{"card":"BODYSECRET"}},
	 "user":{"email":"USEREMAIL@example.com","ip_address":"10.1.2.3"},
	 "exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[{"filename":"a.py","function":"f","lineno":1,"vars":{"password":"VARSECRET"}}]}}]}}`)
	body := rendered(issue("E", "v"), ev, "p", Options{BugsinkURL: safetyBase}).Body
	for _, s := range []string{"HDRSECRET", "COOKIESECRET", "BODYSECRET", "USEREMAIL", "10.1.2.3", "VARSECRET"} {
		if strings.Contains(body, s) {
			t.Errorf("%s copied into the issue", s)
		}
	}
}

func TestDeepStackKeepsStructureAndCap(t *testing.T) {
	var frames []bugsink.Frame
	for i := 0; i < 5000; i++ {
		frames = append(frames, bugsink.Frame{Filename: "f.js", Function: "recurse", Lineno: bugsink.FlexInt(i), ContextLine: strings.Repeat("x", 300)})
	}
	ev := &bugsink.Event{Data: bugsink.EventData{Platform: "javascript", Exception: bugsink.ExceptionList{{Type: "RangeError", Value: "Maximum call stack size exceeded", Stacktrace: &bugsink.Stacktrace{Frames: frames}}}}}
	for _, limit := range []int{4096, 16 << 10, DefaultMaxBodyBytes} {
		r := rendered(issue("RangeError", "x"), ev, "p", Options{BugsinkURL: safetyBase, MaxBodyBytes: limit, MaxFrames: 10000})
		for _, v := range checkBody(r.Body, limit) {
			t.Errorf("limit %d: %s", limit, v)
		}
	}
}
