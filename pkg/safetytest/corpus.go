package safetytest

import "strings"

// Corpus is error text an attacker (or an unlucky app) can send.
// Each case names what it attacks; every case is checked for everything.
var Corpus = map[string]string{
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
	// Frame paths and releases, which code links are built beside.
	"path closes link":   "src/app.ts)](https://evil.example/x) [y](https://evil.example/z",
	"path traversal":     "../../../../etc/passwd",
	"path is a URL":      "https://evil.example/src/app.ts",
	"javascript path":    "javascript:alert(1)//src/app.ts",
	"path with query":    "/srv/app/src/app.ts?next=https://evil.example#L1",
	"release link":       "shop@1.0.0](https://evil.example) <a href=x>",
	"release mention":    "shop@@admin #1",
	"aws key":            "upload with " + credentialText("AWS access key ID") + " failed",
	"github token":       "GitHub refused " + credentialText("GitHub token") + " for shop/infra",
	"token as user":      "clone https://" + credentialText("GitHub token") + "@github.com/shop/infra.git",
	"stripe key in args": "['cus_EXAMPLE42', '" + credentialText("Stripe secret key") + "']",
	"pem key":            "bad key:\n" + credentialText("PEM private key") + "\nretrying",
	"shaped secrets":     "keys: " + Planted,
	"redis url":          "Error connecting to " + credentialText("URL, no user") + ": Connection refused",
	"amqp url":           "AMQPConnectionError: " + credentialText("URL, '@' in the password"),
	"headers dict":       "request failed with headers " + credentialText("Authorization as a dict"),
	"encoded next":       "redirect loop at " + credentialText("token in an encoded query"),
	"passphrase":         "ValueError: " + credentialText("several words") + " rejected",
	"django settings":    "ImproperlyConfigured: " + credentialText("Django SECRET_KEY") + " " + credentialText("Django insecure secret key"),
	"azure connection":   "ClientAuthenticationError: " + credentialText("Azure AccountKey"),
	"telegram url":       "POST https://api.telegram.org/bot" + credentialText("Telegram bot token") + "/sendMessage: 401",
}

// Secrets are the secrets hidden in the corpus and the hostile events
// (beside a name, and the credentials known by their shape only): none may
// reach a rendered issue.
var Secrets = append([]string{"hunter2", "eyJhbGciOiJIUzI1NiJ9", "dXNlcjpwYXNz", "sk_live_123456", "s3cret", "T0KEN", "S1GN", "EXAMPLEargAuth", "EXAMPLEposArg", "EXAMPLEquoteArg"},
	Marks()...)

// Ordinary are error messages that name a credential but carry none: the
// words after the name say what went wrong, and every place they go
// shows them whole.
var Ordinary = []string{
	"Invalid credentials: user not found",
	"token: expired",
	"signature: invalid",
	"Expected bearer token in Authorization header",
	"token_type=bearer expires_in=3600",
	"Authorization: Bearer undefined",
	"password: This field is required.",
	"session: expired, please sign in again",
	"api_key: missing",
	"KeyError: 'secret_key'",
	"TokenExpiredError: jwt expired",
	"open /srv/app/secrets.py: permission denied",
	"UPDATE users SET password = :password WHERE id = :id",
	"error parsing token: illegal base64 data at input byte 4",
	"auth: password mismatch for user bob",
	"ValidationError: password: Path 'password' is required.",
	"bearer: expired",
}
