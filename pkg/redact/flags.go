package redact

import "strings"

// A command line quoted in an error gives a secret as a long flag's
// separate argument: "--password hunter2", "--db-password 'a b'". The
// flag's name is read as any name (names.go); its value is the next
// argument, quoted whole, unless it is another flag or an ordinary word.
// A short flag ("-p hunter2") says too little to be told from prose.

// findFlags appends the values of secret-bearing long flags in s.
func findFlags(s string, cut bool, out []span) []span {
	for off := 0; ; {
		i := strings.Index(s[off:], "--")
		if i < 0 {
			return out
		}
		at := off + i
		off = at + 2
		if at > 0 && !isSpace(s[at-1]) && s[at-1] != '\'' && s[at-1] != '"' {
			continue
		}
		e := off
		for e < len(s) && e-off < maxName && isNameByte(s[e]) {
			e++
		}
		if e == off || e >= len(s) || s[e] != ' ' || !secretName(s[off:e], false) {
			continue
		}
		if e+1 < len(s) && s[e+1] == '-' {
			continue // the next flag: this one has no value
		}
		v := valueOf(s, e+1, false, lastWord(s[off:e]))
		if v.to <= v.from || keep(s, v, cut) {
			continue
		}
		out = append(out, span{v.from, v.to})
		off = max(off, v.to)
	}
}
