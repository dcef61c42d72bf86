// Package redact removes credentials from free text. A secret value is one
// of three things (docs/untrusted-text.md describes the model):
//
//   - a token whose format gives it away (a GitHub token starts with ghp_,
//     an AWS access key with AKIA, a private key with its PEM header),
//     wherever it stands and whatever it is called (shapes.go, rules.go);
//   - the value after a secret-bearing name (password=…, "api_key": "…",
//     Authorization: Bearer …, ?token=…), unless that value is an ordinary
//     word or a number, which explains an error rather than opening a door
//     (names.go, words.go);
//   - the password of a URL's user info, in every shape it is written
//     (userinfo.go).
//
// Text is matched as it stands and, where it is percent-encoded, decoded
// too; what the decoded text shows to be a secret is removed in its
// encoded form (decode.go). A text known to have been cut short (Cut) is
// treated as if its end were inside a secret wherever it could be.
package redact

import (
	"slices"
	"strings"
)

// Marker replaces each credential found.
const Marker = "[redacted]"

// span is a secret's place in a text: the bytes [from, to) are replaced.
type span struct{ from, to int }

// Text returns s with every secret value replaced by Marker. Redacting
// redacted text changes nothing.
func Text(s string) string { return redactText(s, false) }

// Cut is Text for a text that something cut short (Bugsink keeps 1,024
// characters of a message, bsync itself bounds what it reads): its last
// word is taken for the start of a secret wherever it begins like one
// (a known format's prefix, a secret-bearing name's value, a URL's
// password before its "@"), even where what is left is too short to be
// recognised.
func Cut(s string) string { return redactText(s, true) }

func redactText(s string, cut bool) string {
	var buf [8]span
	found := find(s, cut, buf[:0])
	if encoded(s) {
		found = findDecoded(s, cut, found)
	}
	if len(found) == 0 {
		return s
	}
	return apply(s, found)
}

// find returns the secrets of s, appended to out, in no particular order.
func find(s string, cut bool, out []span) []span {
	out = findShapes(s, cut, out)
	out = findNames(s, cut, out)
	out = findBearer(s, cut, out)
	out = findBasic(s, cut, out)
	out = findFlags(s, cut, out)
	return findUserinfo(s, cut, out)
}

// apply replaces the spans (merged where they overlap) with Marker.
func apply(s string, spans []span) string {
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	b.Grow(len(s))
	done := 0
	for i := 0; i < len(spans); {
		from, to := spans[i].from, spans[i].to
		for i++; i < len(spans) && spans[i].from <= to; i++ {
			to = max(to, spans[i].to)
		}
		if to <= from || from < done {
			continue
		}
		b.WriteString(s[done:from])
		b.WriteString(Marker)
		done = to
	}
	b.WriteString(s[done:])
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// lastWordStart is where the last run of non-space bytes of s begins,
// before a trailing "…" (the mark a cut leaves).
func lastWordStart(s string) (start, end int) {
	end = len(strings.TrimSuffix(s, "…"))
	start = end
	for start > 0 && !isSpace(s[start-1]) {
		start--
	}
	return start, end
}

// Named returns Marker for a value given apart from its name (a logged
// message's argument that its template names, "password %s"): when the
// name bears a secret and the value is not an ordinary word or a number.
// Any other value is returned as it is.
func Named(name, value string) string {
	if value == "" || !secretName(strings.TrimLeft(name, "-."), false) || ordinary(value) {
		return value
	}
	return Marker
}
