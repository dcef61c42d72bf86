package syncer

import (
	"strings"
	"testing"

	"bsync/pkg/bugsink"
)

// hostileCorpus is error text an attacker (or an unlucky app) can send.
// Each case names what it attacks; every case is checked for everything.
var hostileCorpus = map[string]string{
	"mention":            "ping @admin and @everyone now",
	"mention at start":   "@root your build broke",
	"issue ref":          "see #1 and #42",
	"cross-repo ref":     "fixed in owner/repo#7 and org/x!3",
	"pull ref":           "merged !12",
	"pipe":               "a | b || c |",
	"newlines":           "line one\nline two\r\n| **Type** | injected |",
	"backticks":          "``` `` ` ````` code",
	"fence break":        "```\n</details>\n## Owned\n```",
	"details close":      "</details><details open><summary>x</summary>",
	"script":             "<script>alert(document.cookie)</script>",
	"img onerror":        `<img src=x onerror="alert(1)">`,
	"html comment":       "<!-- bugsink-issue: 00000000-0000-4000-8000-000000000000 --> <!--",
	"markdown heading":   "# Title\n## Error Details\n### x",
	"markdown link":      "[click me](https://evil.example/phish)",
	"markdown image":     "![pixel](https://evil.example/track.gif)",
	"autolink":           "visit https://evil.example/x or www.evil.example",
	"angle autolink":     "<https://evil.example/y>",
	"reference def":      "[x]: https://evil.example\n[x]",
	"emphasis":           "**bold** _it_ ~~strike~~",
	"entities":           "&lt;script&gt; &#64;admin &#35;1",
	"table row":          "| a | b |\n| - | - |\n| c | d |",
	"invalid utf8":       "bad \xff\xfe\xc3 bytes",
	"controls":           "bell\x07 esc\x1b[2J nul\x00 del\x7f",
	"bidi override":      "user\u202eadmin\u202c \u2066x\u2069",
	"zero width":         "@\u200badmin #\u200b1",
	"line separators":    "a\u2028b\u2029c",
	"bearer":             "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
	"basic auth":         "authorization=Basic dXNlcjpwYXNz",
	"password":           "login failed password=hunter2 for user",
	"api key":            `{"api_key": "sk_live_123456"}`,
	"url credentials":    "connect postgres://app:s3cret@db:5432/app failed",
	"giant":              strings.Repeat("A very long message. ", 5000),
	"emoji":              "💥 crashed 👩‍💻",
	"html in code-ish":   "`<b>` and `</details>`",
	"tilde fence":        "~~~\n</details>\n~~~",
	"indented code":      "\n    indented <script>",
	"setext heading":     "Owned\n=====",
	"hard break":         "a  \nb\\\nc",
	"footnote-ish":       "[^1] and [^1]: https://evil.example",
	"task list":          "- [x] done @admin",
	"numbered list":      "1. #1\n2. @a",
	"gitea emoji":        ":+1: :warning:",
	"mention after word": "email me at a@b.c or @b",
	"figures markers":    "<!-- /bsync:figures --> x <!-- bsync:figures -->",
	"aws key":            "upload with " + shapedKey("AKIA") + " failed",
	"github token":       "GitHub refused " + shapedKey("ghp_") + " for shop/infra",
	"token as user":      "clone https://" + shapedKey("ghp_") + "@github.com/shop/infra.git",
	"stripe key in args": "['cus_EXAMPLE42', '" + shapedKey("sk_live_") + "']",
	"pem key":            "bad key:\n" + shapedKey("-----BEGIN") + "\nretrying",
	"shaped secrets":     "keys: " + plantedSecrets,
}

// shaped are credentials known by their shape only, with no name beside them
// (fakes built to each format, see pkg/redact); mark is the part of each
// that must not reach an issue.
var shaped = []struct{ key, mark string }{
	{"AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"},
	{"ghp_EXAMPLEdoNotUseFAKEToken000000000000", "EXAMPLEdoNotUseFAKEToken"},
	{"github_pat_11AEXAMPLE0FAKE0000000_EXAMPLEfakeFineGrainedToken" + strings.Repeat("0", 32), "EXAMPLEfakeFineGrained"},
	{"glpat-EXAMPLEfakeGitLabTok", "EXAMPLEfakeGitLab"},
	{"xoxb-123456789012-1234567890123-EXAMPLEfakeSlackToken000", "EXAMPLEfakeSlack"},
	{"sk_live_51EXAMPLEdoNotUseFAKEKEY00000000", "51EXAMPLEdoNotUseFAKEKEY"},
	{"rk_test_EXAMPLEfakeStripeTest0", "EXAMPLEfakeStripeTest"},
	{"AIzaSyEXAMPLEfakeGoogleKey0000000000000", "EXAMPLEfakeGoogle"},
	{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJFWEFNUExFIn0.RVhBTVBMRWZha2VTaWduYXR1cmUwMDAwMDAw", "RVhBTVBMRWZha2VTaWdu"},
	{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAEXAMPLEfakePEMbody\n-----END RSA PRIVATE KEY-----", "EXAMPLEfakePEMbody"},
	{"SG.EXAMPLEfakeSendGrid000.EXAMPLEfakeSendGridSecret000000000000000000", "EXAMPLEfakeSendGrid"},
	{"npm_EXAMPLEfakeNpmToken00000000000000000", "EXAMPLEfakeNpm"},
	{"sk-proj-EXAMPLEfakeOpenAIProjectKey00000000000", "EXAMPLEfakeOpenAI"},
	{"sk-ant-api03-EXAMPLEfakeAnthropicKey" + strings.Repeat("0", 70) + "AA", "EXAMPLEfakeAnthropic"},
	{"https://deploy:EXAMPLEfakeURLpassword@git.example.com/shop.git", "EXAMPLEfakeURLpassword"},
}

// shapedKey returns the shaped credential that starts with prefix.
func shapedKey(prefix string) string {
	for _, s := range shaped {
		if strings.HasPrefix(s.key, prefix) {
			return s.key
		}
	}
	panic("no shaped credential starts with " + prefix)
}

// plantedSecrets is every shaped credential, one after the other.
var plantedSecrets = func() string {
	keys := make([]string, len(shaped))
	for i, s := range shaped {
		keys[i] = s.key
	}
	return strings.Join(keys, " ")
}()

// survivingSecrets returns the marks of the shaped credentials that text
// shows although the inputs did not carry them.
func survivingSecrets(inputs, text string) []string {
	var out []string
	for _, s := range shaped {
		if !strings.Contains(inputs, s.mark) && strings.Contains(text, s.mark) {
			out = append(out, s.mark)
		}
	}
	return out
}

var secrets = []string{"hunter2", "eyJhbGciOiJIUzI1NiJ9", "dXNlcjpwYXNz", "sk_live_123456", "s3cret", "T0KEN", "S1GN"}

func TestHostileCorpus(t *testing.T) {
	for name, s := range hostileCorpus {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				value string // "": the title falls back on the event's message
				ev    *bugsink.Event
			}{{s, hostileEvent(s)}, {"", hostileEvent(s)}, {"", hostileLogEvent(s, true)}, {"", hostileLogEvent(s, false)}} {
				is := bugsink.Issue{ID: testID, CalculatedType: s, CalculatedValue: c.value, FirstSeen: t0, LastSeen: t1, DigestedEventCount: 1}
				r := Render(is, c.ev, s, RenderOptions{BugsinkURL: safetyBase})
				for _, v := range append(checkTitle(r.Title), checkBody(r.Body, DefaultMaxBodyBytes)...) {
					t.Error(v)
				}
				for _, sec := range secrets {
					if strings.Contains(r.Title+r.Body, sec) {
						t.Errorf("secret %q survived", sec)
					}
				}
				for _, sec := range survivingSecrets("", r.Title+r.Body) {
					t.Errorf("secret %q survived", sec)
				}
				if strings.Count(r.Body, Marker(testID)) != 1 {
					t.Error("marker missing or repeated")
				}
				if strings.Count(r.Body, figuresStart) != 1 || strings.Count(r.Body, figuresEnd) != 1 {
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
		"Authorization: Bearer abc123":          "Authorization: [redacted]",
		"failed with bearer abc123 for request": "bearer [redacted]",
		"password=abc123 user=bob":              "user=bob",
		`{"client_secret":"abc123"}`:            "client_secret",
		"redis://default:abc123@cache:6379":     "redis://default:[redacted]@cache:6379",
		"Cookie: session=abc123":                "Cookie: [redacted]",
		`{\"password\": \"abc123\"}`:            "password",
	}
	for raw, keep := range msgs {
		got := redactSecrets(raw)
		if strings.Contains(got, "abc123") || !strings.Contains(got, keep) {
			t.Errorf("redactSecrets(%q) = %q, want no secret and %q kept", raw, got, keep)
		}
	}
}

func TestFrameVariablesAreNeverCopied(t *testing.T) {
	ev := event(t, `{"platform":"python","request":{"url":"https://x/","headers":{"Authorization":"Bearer HDRSECRET"},"cookies":{"sid":"COOKIESECRET"},"data":{"card":"BODYSECRET"}},
	 "user":{"email":"USEREMAIL@example.com","ip_address":"10.1.2.3"},
	 "exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[{"filename":"a.py","function":"f","lineno":1,"vars":{"password":"VARSECRET"}}]}}]}}`)
	body := Render(issue("E", "v"), ev, "p", RenderOptions{BugsinkURL: safetyBase}).Body
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
		r := Render(issue("RangeError", "x"), ev, "p", RenderOptions{BugsinkURL: safetyBase, MaxBodyBytes: limit, MaxFrames: 10000})
		for _, v := range checkBody(r.Body, limit) {
			t.Errorf("limit %d: %s", limit, v)
		}
	}
}
