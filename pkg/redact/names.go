package redact

import "strings"

// A secret-bearing name is followed by a separator and its value:
//
//	password=hunter2   password = 'hunter2'   "password": "hunter2"
//	{'password': 'hunter2'}   password: hunter2   --password=hunter2
//	Authorization: Bearer …   ?access_token=…&   {\"secret\": \"…\"}
//	SECRET_KEY := "…"   :password => "…"   if token == "…"
//
// The value is what the name stands for: a quoted value whole (several
// words included; a quote not closed on its line runs to the line's end);
// an unquoted value up to a space or a delimiter, and on over further
// words as long as they are not ordinary words (a passphrase written
// plainly, or a query's "+" decoded); after an authentication scheme (Bearer, Basic, Token,
// …) the credential that follows it; for a Cookie header the rest of the
// line. The value is kept when it is an ordinary word or a number.

// maxName bounds the length of a name looked at before a separator.
const maxName = 64

// findNames appends the values of secret-bearing names in s.
func findNames(s string, cut bool, out []span) []span {
	for i := 0; i < len(s); i++ {
		if s[i] != '=' && s[i] != ':' {
			continue
		}
		sepFrom, sepTo, ok := separator(s, i)
		if !ok {
			continue
		}
		nameFrom, nameTo := nameBefore(s, sepFrom)
		if nameFrom == nameTo {
			continue
		}
		if nameFrom > 0 && (s[nameFrom-1] == '/' || s[nameFrom-1] == '\\') && strings.Contains(s[nameFrom:nameTo], ".") {
			continue // a file in a path: "/srv/app/secrets.py: permission denied"
		}
		query := nameFrom > 0 && (s[nameFrom-1] == '?' || s[nameFrom-1] == '&')
		name := strings.TrimLeft(s[nameFrom:nameTo], "-.")
		if !secretName(name, query) {
			continue
		}
		v := valueOf(s, sepTo, s[i] == ':', lastWord(name))
		if v.to <= v.from || keep(s, v, cut) {
			continue
		}
		out = append(out, span{v.from, v.to})
		i = max(i, v.to-1)
	}
	return out
}

// separator reads the separator whose first '=' or ':' is s[i]: "=",
// "==", "===", "!=", "!==", "=>", ":", ":=". It is none where s[i] is
// part of "::", "://", or the second character of an operator.
func separator(s string, i int) (from, to int, ok bool) {
	prev := byte(0)
	if i > 0 {
		prev = s[i-1]
	}
	from, to = i, i+1
	if s[i] == ':' {
		if prev == ':' || strings.HasPrefix(s[i+1:], ":") || strings.HasPrefix(s[i+1:], "//") {
			return 0, 0, false
		}
		if strings.HasPrefix(s[i+1:], "=") {
			to++
		}
		return from, to, true
	}
	switch prev {
	case '=', ':', '<', '>':
		return 0, 0, false
	case '!':
		from--
	}
	for to < len(s) && to-i < 3 && s[to] == '=' {
		to++
	}
	if to < len(s) && s[to] == '>' && to == i+1 {
		to++
	}
	return from, to, true
}

// nameBefore returns the name that ends just before a separator at sep:
// letters, digits, '_', '.' and '-', with spaces and a closing quote
// (escaped or not) allowed between it and the separator.
func nameBefore(s string, sep int) (from, to int) {
	j := sep
	for j > 0 && sep-j < 4 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'' || s[j-1] == '`') {
		j--
		if j > 0 && s[j-1] == '\\' {
			j--
		}
	}
	to = j
	for j > 0 && to-j < maxName && isNameByte(s[j-1]) {
		j--
	}
	if j > 0 && isNameByte(s[j-1]) {
		return to, to // longer than any name looked at
	}
	return j, to
}

func isNameByte(c byte) bool { return isWordByte(c) || c == '.' || c == '-' }

// value is where a name's value stands in the text.
type value struct {
	from, to int
	quoted   bool
}

// quotes are the quotes a value may be written in (the escaped ones in
// JSON inside a string).
var quotes = []string{`\"`, `\'`, `"`, `'`, "`"}

// valueOf reads the value that starts at or after v (spaces skipped), for
// a name whose last word is last; header: the separator is a colon.
func valueOf(s string, v int, header bool, last string) value {
	for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
		v++
	}
	if v < len(s) && s[v] == '[' { // a list of strings: its first one
		k := v + 1
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k < len(s) && (s[k] == '"' || s[k] == '\'') {
			v = k
		}
	}
	for _, q := range quotes {
		if p := stringPrefix(s[v:]); strings.HasPrefix(s[v+p:], q) {
			return afterScheme(s, quotedValue(s, v+p+len(q), q))
		}
	}
	if header && (strings.EqualFold(last, "cookie") || strings.EqualFold(last, "cookies")) {
		return value{v, lineEnd(s, v), false}
	}
	val := afterScheme(s, value{v, tokenEnd(s, v), false})
	if !ordinary(s[val.from:val.to]) {
		val.to = plainWordsEnd(s, val.to)
	}
	return val
}

// stringPrefix is the length of a string literal's prefix at the start
// of s (Python's b'…', r"…", f'…', rb'…'), before a quote; 0 otherwise.
func stringPrefix(s string) int {
	n := 0
	for n < len(s) && n < 2 && strings.IndexByte("bBrRuUfF", s[n]) >= 0 {
		n++
	}
	if n < len(s) && (s[n] == '"' || s[n] == '\'') {
		return n
	}
	return 0
}

// quotedValue is the value inside quote q that opens before v: up to the
// closing quote on the same line (an unescaped one, for a plain quote),
// or to the line's end when there is none.
func quotedValue(s string, v int, q string) value {
	end := lineEnd(s, v)
	for k := v; k < end; {
		i := strings.Index(s[k:end], q)
		if i < 0 {
			break
		}
		if len(q) == 1 && k+i > 0 && s[k+i-1] == '\\' {
			k += i + 1
			continue
		}
		return value{v, k + i, true}
	}
	return value{v, end, true}
}

func lineEnd(s string, v int) int {
	if i := strings.IndexByte(s[v:], '\n'); i >= 0 {
		return v + i
	}
	return len(s)
}

// tokenEnd is where an unquoted value that starts at v ends: at a space,
// a delimiter, or a closing bracket it did not open. Inside brackets it
// opened (a call, a tuple: auth=("bob", "hunter2"), HTTPBasicAuth(…))
// spaces, quotes and commas do not end it, the line's end does.
func tokenEnd(s string, v int) int {
	depth := 0
	for ; v < len(s) && s[v] != '\n' && (depth > 0 || !isSpace(s[v])); v++ {
		switch c := s[v]; {
		case strings.IndexByte("([{<", c) >= 0:
			depth++
		case strings.IndexByte(")]}>", c) >= 0:
			if depth == 0 {
				return v
			}
			depth--
		case depth == 0 && strings.IndexByte(",;&\"'`|\\", c) >= 0:
			return v
		}
	}
	return v
}

// plainWordsEnd extends an unquoted value that ends at v over the words
// after it on its line that are letters and digits only and not ordinary
// words: "password: correct horse battery staple" is one value, "token:
// abc123 for user bob" ends before "for".
func plainWordsEnd(s string, v int) int {
	for {
		k := v
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		e := k
		for e < len(s) && isAlnum(s[e]) {
			e++
		}
		if e == k || e < len(s) && !isSpace(s[e]) && strings.IndexByte(".,;!?&)]}\"'`", s[e]) < 0 || ordinary(s[k:e]) {
			return v
		}
		v = e
	}
}

func isAlnum(c byte) bool { return isWordByte(c) && c != '_' }

// schemes are the HTTP authentication schemes a credential follows.
var schemes = []string{"bearer", "basic", "token", "digest", "negotiate", "ntlm", "apikey", "dpop", "mac", "hoba", "aws4-hmac-sha256", "sharedkey"}

// afterScheme moves a value that starts with an authentication scheme and
// a space past them: the scheme is kept, the credential after it is the
// value (the next word, or the rest of a quoted value).
func afterScheme(s string, v value) value {
	w := v.from
	for w < v.to && !isSpace(s[w]) {
		w++
	}
	if !isScheme(s[v.from:w]) {
		return v
	}
	k := w
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	if k == w || k >= len(s) || s[k] == '\n' {
		return v
	}
	if v.quoted {
		return value{k, v.to, true}
	}
	return value{k, tokenEnd(s, k), false}
}

func isScheme(w string) bool {
	for _, sc := range schemes {
		if strings.EqualFold(w, sc) {
			return true
		}
	}
	return false
}

// keep reports whether a name's value is left as it is: an ordinary word
// or a number (not at the end of a cut text, where it may be the start of
// something longer).
func keep(s string, v value, cut bool) bool {
	w := s[v.from:v.to]
	if w == Marker {
		return true
	}
	if cut && v.to >= len(strings.TrimSuffix(s, "…")) {
		return false
	}
	return ordinary(w) || placeholder(w) || !v.quoted && diagnosis(s, v)
}

// placeholder reports whether a value starts with a query's bind
// parameter (":password", "@token", "%s", "%(password)s") rather than a value:
// "SET password = :password WHERE id = :id".
func placeholder(w string) bool {
	if f := strings.Fields(w); len(f) > 0 {
		w = f[0]
	}
	if strings.HasPrefix(w, "%s") || strings.HasPrefix(w, "%(") && strings.HasSuffix(w, ")s") {
		return true
	}
	if len(w) < 2 || w[0] != ':' && w[0] != '@' {
		return false
	}
	for i := 1; i < len(w); i++ {
		if !isWordByte(w[i]) {
			return false
		}
	}
	return true
}

// diagnosis reports whether an unquoted value is a secret word followed
// by more words: it says what went wrong with one ("auth: password
// mismatch for user bob"), it is not one. A secret word alone
// ("password: password") is still redacted.
func diagnosis(s string, v value) bool {
	first, _, _ := strings.Cut(s[v.from:v.to], " ")
	e := v.from + len(first)
	return has(secretWords, first) && e+1 < len(s) && s[e] == ' ' && isAlnum(s[e+1])
}
