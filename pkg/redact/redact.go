// Package redact removes credentials from free text by their shape: tokens
// whose format gives them away (a GitHub token starts with ghp_, an AWS
// access key with AKIA, a private key with its PEM header), wherever they
// stand and whatever they are called. Names ("password=…") are the caller's
// business; this package knows formats only.
package redact

import (
	"regexp"
	"strings"
)

// Marker replaces each credential found.
const Marker = "[redacted]"

// rule is one credential format. Every match starts with one of its hints,
// so the expression is tried only where a hint stands (a substring search
// is far cheaper than an expression run over the whole text, and most
// text holds no hint at all). The expression's first group, where it has
// one, is the format's fixed public prefix, kept before the marker so that
// a reader still sees what kind of credential was there; a second group is
// kept after the marker.
type rule struct {
	name   string   // the format, as docs/untrusted-text.md lists it
	source string   // where the shape is documented (a gitleaks rule id)
	hints  []string // literal text every match starts with
	re     *regexp.Regexp
}

// maxHints bounds the hints of one rule.
const maxHints = 12

// anchored compiles a rule's expression to match only at the start of the
// text it is given.
func anchored(expr string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + expr + `)`) }

// Shapes replaces every credential of a known format in s with Marker,
// keeping the format's prefix (ghp_[redacted], sk_live_[redacted]).
// Redacting redacted text changes nothing.
func Shapes(s string) string {
	for i := range rules {
		s = rules[i].redact(s)
	}
	return s
}

// redact replaces the rule's matches in s. A hint that starts with a
// letter or digit counts only at the start of a word (as \b would say), so
// "task_test_…" is no Stripe key.
func (r *rule) redact(s string) string {
	var buf [maxHints]int
	next := buf[:len(r.hints)] // where each hint stands next; -1: nowhere
	found := false
	for k, h := range r.hints {
		next[k] = strings.Index(s, h)
		found = found || next[k] >= 0
	}
	if !found {
		return s
	}
	var b strings.Builder
	done, from := 0, 0
	for {
		at, hint := r.nextHint(s, from, next)
		if at < 0 {
			break
		}
		if isWordByte(hint[0]) && at > 0 && isWordByte(s[at-1]) {
			from = at + 1
			continue
		}
		m := r.re.FindStringSubmatchIndex(s[at:])
		if m == nil {
			from = at + 1
			continue
		}
		if b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[done:at])
		b.WriteString(group(s[at:], m, 1) + Marker + group(s[at:], m, 2))
		done, from = at+m[1], at+max(m[1], 1)
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// nextHint returns where the first of the rule's hints at or after from
// stands in s, and which hint it is; -1 when none does. next holds where
// each hint was last found, so each is searched for again only once passed.
func (r *rule) nextHint(s string, from int, next []int) (int, string) {
	at, hint := -1, ""
	for k, h := range r.hints {
		if next[k] >= 0 && next[k] < from {
			if i := strings.Index(s[from:], h); i >= 0 {
				next[k] = from + i
			} else {
				next[k] = -1
			}
		}
		if next[k] >= 0 && (at < 0 || next[k] < at) {
			at, hint = next[k], h
		}
	}
	return at, hint
}

// group returns the text of group n of match m in s, or "" where the
// expression has no such group or it matched nothing.
func group(s string, m []int, n int) string {
	if 2*n+1 >= len(m) || m[2*n] < 0 {
		return ""
	}
	return s[m[2*n]:m[2*n+1]]
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
