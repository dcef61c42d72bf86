package redact

import (
	"regexp"
	"strings"
)

// rule is one credential format. Every match starts with one of its hints
// (or, with back set, a little before it), so the expression is tried
// only where a hint stands: a substring search is far cheaper than an
// expression run over the whole text, and most text holds no hint at
// all. The expression's first group, where it has one, is the format's
// fixed public prefix, kept before the marker so that a reader still sees
// what kind of credential was there; a second group is kept after the
// marker.
type rule struct {
	name   string   // the format, as docs/untrusted-text.md lists it
	source string   // where the shape is documented (a gitleaks rule id)
	hints  []string // literal text every match starts with (or holds, with back)
	re     *regexp.Regexp
	// back, where set, returns where a match around the hint at s[at:]
	// would start, or -1: for a format whose distinctive part is not its
	// start (a Telegram bot token is digits, then ":A").
	back func(s string, at int) int
}

// maxHints bounds the hints of one rule.
const maxHints = 12

// anchored compiles a rule's expression to match only at the start of the
// text it is given.
func anchored(expr string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + expr + `)`) }

// findShapes appends the credentials of every known format in s.
func findShapes(s string, cut bool, out []span) []span {
	for i := range rules {
		out = rules[i].find(s, out)
	}
	if cut {
		out = cutShape(s, out)
	}
	return out
}

// find appends the rule's matches in s. A hint that starts with a letter
// or digit counts only at the start of a word (as \b would say), so
// "task_test_…" is no Stripe key.
func (r *rule) find(s string, out []span) []span {
	var buf [maxHints]int
	next := buf[:len(r.hints)] // where each hint stands next; -1: nowhere
	found := false
	for k, h := range r.hints {
		next[k] = strings.Index(s, h)
		found = found || next[k] >= 0
	}
	if !found {
		return out
	}
	from := 0
	for {
		at, hint := r.nextHint(s, from, next)
		if at < 0 {
			return out
		}
		from = at + 1
		start := at
		if r.back != nil {
			if start = r.back(s, at); start < 0 {
				continue
			}
		} else if isWordByte(hint[0]) && at > 0 && isWordByte(s[at-1]) {
			continue
		}
		m := r.re.FindStringSubmatchIndex(s[start:])
		if m == nil {
			continue
		}
		sp := span{start + m[1], start + m[1]}
		sp.from = start
		if len(m) > 2 && m[2] >= 0 {
			sp.from = start + m[3]
		}
		if len(m) > 4 && m[4] >= 0 {
			sp.to = start + m[4]
		}
		out = append(out, sp)
		from = max(from, start+m[1])
	}
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

// cutShape treats the last word of a cut text as a credential from the
// first hint of any format in it on (at the start of a word, as find
// wants it): what is left of a token cut short may be too short for its
// format, but it is still part of a key.
func cutShape(s string, out []span) []span {
	start, end := lastWordStart(s)
	w := s[start:end]
	best, keep := -1, 0
	for i := range rules {
		r := &rules[i]
		for _, h := range r.hints {
			for off := 0; off < len(w); {
				k := strings.Index(w[off:], h)
				if k < 0 {
					break
				}
				at := start + off + k
				off += k + 1
				ok := r.back != nil && r.back(s, at) >= 0 ||
					r.back == nil && (!isWordByte(h[0]) || at == 0 || !isWordByte(s[at-1]))
				if ok && !strings.HasPrefix(s[at+len(h):], Marker) {
					if best < 0 || at < best {
						best, keep = at, 0
						if r.re.NumSubexp() > 0 {
							keep = len(h)
						}
					}
					break
				}
			}
		}
	}
	if best >= 0 && best+keep < end {
		out = append(out, span{best + keep, end})
	}
	return out
}
