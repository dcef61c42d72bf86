package render

import (
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
	s = strings.Map(func(r rune) rune {
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
	}, s)
	return strings.ReplaceAll(dropASCIIJoiners(s), "<!--", "<!"+wordJoiner+"--")
}

// dropASCIIJoiners removes the zero-width joiners (U+200C, U+200D) that
// stand between two ASCII characters or at an end beside one: they join
// nothing there, and kept they split a token's shape or a name
// ("pass\u200cword=…") so its secret would read through.
func dropASCIIJoiners(s string) string {
	if !strings.Contains(s, "\u200c") && !strings.Contains(s, "\u200d") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == '\u200c' || r == '\u200d' {
			before, _ := utf8.DecodeLastRuneInString(b.String())
			after, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if asciiOrEnd(before) && asciiOrEnd(after) {
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func asciiOrEnd(r rune) bool { return r < utf8.RuneSelf || r == utf8.RuneError }

// maxUntrusted bounds how much of one untrusted value is looked at. Every
// place it goes keeps far less (at most 2 KiB), and the value is redacted
// as a text cut short (redact.Cut): a secret the cut ends inside is
// redacted as far as it goes.
const maxUntrusted = 16 << 10

// bugsinkCut is how many characters of a message Bugsink keeps as an
// issue's calculated_value (issues/utils.py: trim(value, 1024), which
// ends what it cuts with "…"; a log message's first line is cut at 1,024
// characters without one).
const bugsinkCut = 1024

// untrusted prepares any text that came from an error report: valid UTF-8,
// no control or invisible formatting characters, credentials redacted (a
// text that was cut short, by Bugsink or here, as one that may end inside
// a secret). Where it goes (code span, code block, plain text) decides the
// rest; any cut after this one is of redacted text.
func untrusted(s string) string {
	if len(s) > maxUntrusted {
		return redact.Cut(cleanText(truncateBytes(s, maxUntrusted)))
	}
	s = cleanText(s)
	if strings.HasSuffix(s, "…") || len(s) >= bugsinkCut && utf8.RuneCountInString(s) == bugsinkCut {
		return redact.Cut(s)
	}
	return redact.Text(s)
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

// redactURL redacts a URL as any text (user info, query parameters
// named like credentials, known formats, encoded ones too) and drops its
// fragment, which often carries OAuth tokens.
func redactURL(raw string) string {
	raw = redact.Text(oneLine(cleanText(raw)))
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	return raw
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
