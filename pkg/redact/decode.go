package redact

import "strings"

// Percent-encoding hides a credential from every rule (?next=%2Fapi%3Ftoken%3Dghp_…,
// Bearer%20eyJ…, X-Amz-Credential%3DAKIA… in a file name), and '+' stands
// for a space in a query. Text that holds either is decoded, as many
// times as it was encoded (at most maxDecodes), the rules are run on each
// decoding, and what they find is removed from the text as it stands,
// encoded: every decoded byte knows where its encoding starts.

// maxDecodes bounds how many layers of encoding are undone.
const maxDecodes = 3

// encoded reports whether s holds a percent-encoded byte, a '+' between
// two characters that are not spaces (a space written as in a query), a
// JSON escape of an ASCII character (\u003d) or an HTML character
// reference (&#61;, &#x3d;, &quot;, &amp;, &apos;).
func encoded(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				return true
			}
		case '\\', '&':
			if _, n := escaped(s[i:]); n > 0 {
				return true
			}
		case '+':
			if i > 0 && i+1 < len(s) && !isSpace(s[i-1]) && !isSpace(s[i+1]) {
				return true
			}
		}
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// decode undoes one layer of encoding of s. pos[i] is where, in s, the
// encoding of decoded byte i starts; pos[len(d)] is len(s).
func decode(s string) (d string, pos []int) {
	b := make([]byte, 0, len(s))
	pos = make([]int, 0, len(s)+1)
	for i := 0; i < len(s); i++ {
		pos = append(pos, i)
		switch {
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case s[i] == '+':
			b = append(b, ' ')
		case s[i] == '\\' || s[i] == '&':
			c, n := escaped(s[i:])
			if n == 0 {
				b = append(b, s[i])
				break
			}
			b = append(b, c)
			i += n - 1
		default:
			b = append(b, s[i])
		}
	}
	return string(b), append(pos, len(s))
}

// escaped reads a JSON escape of an ASCII character or an HTML
// character reference at the start of s: the byte it stands for and its
// length (0: none).
func escaped(s string) (byte, int) {
	if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' && s[2] == '0' && s[3] == '0' && isHex(s[4]) && isHex(s[5]) {
		return unhex(s[4])<<4 | unhex(s[5]), 6
	}
	if len(s) < 4 || s[0] != '&' {
		return 0, 0
	}
	for name, c := range map[string]byte{"&quot;": '"', "&amp;": '&', "&apos;": '\'', "&lt;": '<', "&gt;": '>'} {
		if strings.HasPrefix(s, name) {
			return c, len(name)
		}
	}
	if s[1] != '#' {
		return 0, 0
	}
	v, i, base := 0, 2, 10
	if s[2] == 'x' || s[2] == 'X' {
		i, base = 3, 16
	}
	for ; i < len(s) && i < 6 && isHex(s[i]) && (base == 16 || s[i] <= '9'); i++ {
		v = v*base + int(unhex(s[i]))
	}
	if i < len(s) && s[i] == ';' && v > 0 && v < 128 && i > 2 {
		return byte(v), i + 1
	}
	return 0, 0
}

// findDecoded appends the secrets the decodings of s show, as places in
// s itself.
func findDecoded(s string, cut bool, out []span) []span {
	cur, toS := s, []int(nil) // toS[i]: where byte i of cur starts in s; nil: cur is s
	for n := 0; n < maxDecodes && encoded(cur); n++ {
		d, pos := decode(cur)
		if toS != nil {
			for i, p := range pos {
				pos[i] = toS[p]
			}
		}
		var buf [8]span
		for _, sp := range find(d, cut, buf[:0]) {
			out = append(out, span{pos[sp.from], pos[sp.to]})
		}
		cur, toS = d, pos
	}
	return out
}
