package redact

// Percent-encoding hides a credential from every rule (?next=%2Fapi%3Ftoken%3Dghp_…,
// Bearer%20eyJ…, X-Amz-Credential%3DAKIA… in a file name), and '+' stands
// for a space in a query. Text that holds either is decoded, as many
// times as it was encoded (at most maxDecodes), the rules are run on each
// decoding, and what they find is removed from the text as it stands,
// encoded: every decoded byte knows where its encoding starts.

// maxDecodes bounds how many layers of encoding are undone.
const maxDecodes = 3

// encoded reports whether s holds a percent-encoded byte or a '+' between
// two characters that are not spaces (a space written as in a query).
func encoded(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
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
		default:
			b = append(b, s[i])
		}
	}
	return string(b), append(pos, len(s))
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
