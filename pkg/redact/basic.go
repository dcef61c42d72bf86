package redact

import (
	"encoding/base64"
	"strings"
)

// Basic credentials are "user:password" in base64. After the word "Basic"
// (a header quoted in prose, a logged or percent-encoded one) the next
// word goes when it decodes so: printable text with a colon inside.
// Other words after "Basic" ("Basic realm=…", "basic auth failed") stay,
// but for one a text cut short ends in (it may be a credential's start).

// bWordEnds returns where each standalone word "b"+rest ends in s
// ("Basic", "Bearer"): its first letter in either case, the rest as rest
// or as restUpper, no word character before it. Clean text allocates
// nothing.
func bWordEnds(s, rest, restUpper string) []int {
	var ends []int
	for _, low := range [2]string{rest, restUpper} {
		for off := 0; ; {
			i := strings.Index(s[off:], low)
			if i < 0 {
				break
			}
			at := off + i
			off = at + len(low)
			if at == 0 || s[at-1] != 'b' && s[at-1] != 'B' || at > 1 && isWordByte(s[at-2]) {
				continue
			}
			ends = append(ends, off)
		}
	}
	return ends
}

// findBasic appends the Basic credentials that follow the word "Basic".
func findBasic(s string, cut bool, out []span) []span {
	for _, off := range bWordEnds(s, "asic", "ASIC") {
		k := off
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		for w := 0; w < 2 && k > off; w++ { // "Basic <cred>", "basic auth <cred>"
			e := k
			for e < len(s) && (isAlnum(s[e]) || s[e] == '+' || s[e] == '/' || s[e] == '=') {
				e++
			}
			if e > k && userPassword(s[k:e]) || cut && e > k && e >= len(strings.TrimSuffix(s, "…")) && !ordinary(s[k:e]) {
				out = append(out, span{k, e})
				break
			}
			for k = e; k < len(s) && s[k] == ' '; k++ {
			}
			if k == e {
				break
			}
		}
	}
	return out
}

// userPassword reports whether w is the base64 of "user:password":
// printable ASCII with a colon neither first nor last.
func userPassword(w string) bool {
	if len(w) < 8 {
		return false
	}
	d, err := base64.StdEncoding.DecodeString(w)
	if err != nil {
		if d, err = base64.RawStdEncoding.DecodeString(w); err != nil {
			return false
		}
	}
	c := strings.IndexByte(string(d), ':')
	if c <= 0 || c == len(d)-1 {
		return false
	}
	for _, b := range d {
		if b < ' ' || b > '~' {
			return false
		}
	}
	return true
}
