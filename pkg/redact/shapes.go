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

// hintRef is one hint of one rule.
type hintRef struct {
	rule int
	hint string
}

// hintIndex finds every hint in one pass over a text: the hints by their
// first two bytes, and a bit for each pair of bytes some hint starts
// with, so that most bytes of a text cost one bit test.
var hintIndex = func() (x struct {
	bits  [1 << 16 / 64]uint64
	byKey map[uint16][]hintRef
}) {
	x.byKey = map[uint16][]hintRef{}
	for i, r := range rules {
		for _, h := range r.hints {
			k := uint16(h[0])<<8 | uint16(h[1])
			x.bits[k>>6] |= 1 << (k & 63)
			x.byKey[k] = append(x.byKey[k], hintRef{i, h})
		}
	}
	return x
}()

// findShapes appends the credentials of every known format in s.
func findShapes(s string, cut bool, out []span) []span {
	for i := 0; i+1 < len(s); i++ {
		k := uint16(s[i])<<8 | uint16(s[i+1])
		if hintIndex.bits[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		for _, h := range hintIndex.byKey[k] {
			if sp, end := rules[h.rule].matchAt(s, i, h.hint); end > i {
				out = append(out, sp)
				i = end - 1
				break
			}
		}
	}
	if cut {
		out = cutShape(s, out)
	}
	return out
}

// matchAt returns the rule's match where its hint stands at s[at:] (the
// part to redact) and where the whole match ends (0 when there is none). A hint that starts
// with a letter or digit counts only at the start of a word (as \b would
// say), so "task_test_…" is no Stripe key.
func (r *rule) matchAt(s string, at int, hint string) (span, int) {
	if !strings.HasPrefix(s[at:], hint) {
		return span{}, 0
	}
	start := at
	if r.back != nil {
		if start = r.back(s, at); start < 0 {
			return span{}, 0
		}
	} else if isWordByte(hint[0]) && at > 0 && isWordByte(s[at-1]) {
		return span{}, 0
	}
	m := r.re.FindStringSubmatchIndex(s[start:])
	if m == nil {
		return span{}, 0
	}
	sp := span{start, start + m[1]}
	if len(m) > 2 && m[2] >= 0 {
		sp.from = start + m[3]
	}
	if len(m) > 4 && m[4] >= 0 {
		sp.to = start + m[4]
	}
	return sp, start + m[1]
}

// find appends the rule's matches in s (the rule alone: for its tests).
func (r *rule) find(s string, out []span) []span {
	for i := 0; i < len(s); i++ {
		for _, h := range r.hints {
			if sp, end := r.matchAt(s, i, h); end > i {
				out = append(out, sp)
				i = end - 1
				break
			}
		}
	}
	return out
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
				if ok && !strings.Contains(s[at+len(h):end], Marker) {
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
