package render

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"bsync/pkg/redact"
)

// Everything that came from the error itself (messages, URLs, frames) is
// untrusted: any browser or server can report to Bugsink. These helpers make
// such text safe to place into Gitea Markdown.

// wordJoiner is an invisible character that breaks "@name" and "#123" so
// Gitea does not treat them as a mention or an issue reference, while the
// text still reads the same.
const wordJoiner = "\u2060"

// cleanText makes s valid UTF-8 and removes control and formatting
// characters (bidi overrides included), keeping newlines and tabs. Every
// "<!--" is broken with a word joiner after "<!": bsync finds its own
// hidden lines (the key, the figures markers) by a plain search
// of the body, which a code span or fence does not stop, so event text
// must never carry one. Cleaning cleaned text gives the same text.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return -1
		case r == '\u200c' || r == '\u200d':
			return r // joiners: part of emoji and of several scripts
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			return -1 // controls, bidi overrides, invisible formatting, line separators
		}
		return r
	}, s), "<!--", "<!"+wordJoiner+"--")
}

// maxUntrusted bounds how much of one untrusted value is looked at. Every
// place it goes keeps far less (at most 2 KiB), so cutting here first
// cannot hide a credential that would be shown: the part shown is redacted
// whole.
const maxUntrusted = 16 << 10

// untrusted prepares any text that came from an error report: valid UTF-8,
// no control or invisible formatting characters, credentials redacted.
// Where it goes (code span, code block, plain text) decides the rest.
func untrusted(s string) string {
	if len(s) > maxUntrusted {
		s = truncateBytes(s, maxUntrusted)
	}
	return redactSecrets(cleanText(s))
}

// oneLine folds every run of white space (newlines included) into a single
// space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	reMention = regexp.MustCompile(`([@#!])([\p{L}\p{N}_])`)
)

// defuse breaks mentions (@user), issue and pull references (#12,
// owner/repo#12, !12) with an invisible word joiner, for text that is not
// inside a code span.
func defuse(s string) string {
	return reMention.ReplaceAllString(s, "$1"+wordJoiner+"$2")
}

// secretPattern finds one shape of credential in free text; group 1 is
// kept, the match replaced. A pattern runs only on text that contains one
// of its hints (case-insensitively): most text contains none, and that
// keeps redaction linear on long frames.
type secretPattern struct {
	hints []string
	re    *regexp.Regexp
	keep2 bool // the pattern has a second group to keep after the secret
}

var secretPatterns = []secretPattern{
	{[]string{"authorization"}, regexp.MustCompile(`(?i)(authorization\s*[:=]\s*)(?:(?:bearer|basic|token|digest)\s+)?[^\s,;'"&]+`), false},
	{[]string{"bearer"}, regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*`), false},
	{[]string{"pass", "pwd", "secret", "token", "key", "session", "cookie", "auth", "signature", "credential"},
		regexp.MustCompile(`(?i)(\b[\w.-]{0,64}?(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|session(?:id)?|cookie|auth|signature|credentials?)\\?["']?\s*[:=]\s*\\?["']?)[^\s&,;'"]+`), false},
	{[]string{"://"}, regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]{0,32}://[^\s:/@]{1,256}:)[^\s@/]+(@)`), true},
}

const redacted = redact.Marker

// redactSecrets replaces credentials in free text: first those known by
// their format (package redact), then values named like credentials. The
// formats go first: a name's pattern ends a value at a space, and would
// take the first word of a private key's header and leave its body.
func redactSecrets(s string) string {
	s = redact.Shapes(s)
	lower := strings.ToLower(s)
	for _, p := range secretPatterns {
		hit := false
		for _, h := range p.hints {
			if strings.Contains(lower, h) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		if p.keep2 {
			s = p.re.ReplaceAllString(s, "${1}"+redacted+"${2}")
		} else {
			s = p.re.ReplaceAllString(s, "${1}"+redacted)
		}
		lower = strings.ToLower(s)
	}
	return s
}

// sensitiveParam reports whether a query parameter name looks like it
// carries a credential.
func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"token", "password", "passwd", "pwd", "secret", "key", "auth", "session",
		"signature", "sig", "code", "credential", "jwt", "otp", "nonce", "state", "ticket", "hash"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// reSensitiveParam finds name=value pairs of a query string whose name
// looks like a credential, for text that does not parse as a URL.
var reSensitiveParam = regexp.MustCompile(`(?i)([?&;#][^=&#\s]*(?:token|password|passwd|pwd|secret|key|auth|session|signature|sig|code|credential|jwt|otp|nonce|state|ticket|hash)[^=&#\s]*=)[^&#\s]*`)

// redactURL removes user info and the values of sensitive query parameters
// and drops the fragment (which often carries OAuth tokens). Whatever the
// URL's shape, free-text credential patterns are redacted as well, before
// parsing too: re-encoding a path would hide a credential in it from them.
func redactURL(raw string) string {
	raw = redactSecrets(oneLine(cleanText(raw)))
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" && u.Host == "" && !strings.HasPrefix(raw, "/") {
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		return redactSecrets(reSensitiveParam.ReplaceAllString(raw, "${1}"+redacted))
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, hasValue := strings.Cut(p, "=")
			name, _ := url.QueryUnescape(k)
			if hasValue && sensitiveParam(name) {
				parts[i] = k + "=" + redacted
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return redactSecrets(u.String())
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// codeSpan renders s as one inline code span that s cannot close: the
// delimiter is one backtick longer than any run inside (padded with a space
// where s starts or ends with a backtick).
// Newlines are folded. With inTable, pipes are escaped (GFM splits table
// cells on them even inside code). Mentions and references inside code
// are plain text to Gitea.
func codeSpan(s string, inTable bool) string {
	s = oneLine(cleanText(s))
	if s == "" {
		return ""
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		// CommonMark strips one space on each side, so the text's own
		// backticks cannot merge with the delimiter.
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// codeBlock renders text as a fenced code block that no line inside can
// close (the fence is longer than any backtick run in the text).
func codeBlock(text string) string {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return fence + "text\n" + text + "\n" + fence
}

// truncateBytes cuts s to at most n bytes on a character boundary, adding
// "…" when it cuts.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}
