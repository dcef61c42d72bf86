package redact

import "strings"

// A URL's user info is everything between "scheme://" and the last "@"
// before the host, and its password what follows the first ':' in it.
// Passwords break the rules of RFC 3986 in practice, so the last '@' of
// the URL (up to a space, a quote or the next URL) ends the user info,
// whatever stands between: redis://:S3cret@cache:6379/0 (no user),
// postgres://app:Ab/Cd+Ef9==@db/x ('/' in the password),
// amqp://guest:p@ss@rabbit ('@' in it). The user name stays (a token
// used as one is a known format's or is no secret: a Sentry DSN's public
// key). What only looks like user info is not: a path with ':' and '@'
// (https://host/a:b@c, the "user" holds '/') or a port and a path
// (https://host:8080/@alice).

// findUserinfo appends the passwords of the URLs in s, and of user
// info written without a scheme (Go's MySQL DSN, app:pw@tcp(db)/x).
func findUserinfo(s string, cut bool, out []span) []span {
	out = findBareUserinfo(s, out)
	for off := 0; ; {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return out
		}
		at := off + i
		off = at + 3
		if at == 0 || !isSchemeByte(s[at-1]) {
			continue
		}
		end := urlEnd(s, off)
		info := strings.LastIndexByte(s[off:end], '@')
		if info < 0 {
			if !cut || end < len(strings.TrimSuffix(s, "…")) {
				continue
			}
			info = end - off // cut before its '@': all of it may be user info
		}
		colon := strings.IndexByte(s[off:off+info], ':')
		if colon < 0 {
			continue
		}
		user, pass := s[off:off+colon], s[off+colon+1:off+info]
		if strings.ContainsAny(user, "/?#") || port(pass) || pass == "" || pass == Marker {
			continue
		}
		out = append(out, span{off + colon + 1, off + info})
	}
}

// findBareUserinfo appends the password of every user:password@host
// that stands as a word of its own, with no scheme: a user name (letters,
// digits, '.', '_', '-'), a ':', a password that is not a port, an '@'
// and a host (a letter or digit, or "tcp("). The word around each '@' is
// read once, as the text is scanned: a word of many '@'s costs no more
// than its length.
func findBareUserinfo(s string, out []span) []span {
	w := bareWord{colon: -1}
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '@')
		if i < 0 {
			return out
		}
		at := off + i
		off = at + 1
		if at+1 >= len(s) || !isAlnum(s[at+1]) {
			continue
		}
		w.advance(s, at)
		if w.colon < 0 || w.scheme || !w.userOK(s) {
			continue
		}
		if pass := s[w.colon+1 : at]; pass != "" && pass != Marker && !port(pass) {
			out = append(out, span{w.colon + 1, at})
		}
	}
}

// bareWord is what is known of the word a scan has reached: where it
// starts, its first ':' (-1: none yet), whether it holds "://", and
// whether the user name before that ':' is one.
type bareWord struct {
	start, scanned, colon int
	scheme                bool
	checked, user         bool
}

// advance reads s up to at, starting a new word after each delimiter.
func (w *bareWord) advance(s string, at int) {
	for k := w.scanned; k < at; k++ {
		switch {
		case isSpace(s[k]) || strings.IndexByte("\"'`=(,[{<", s[k]) >= 0:
			*w = bareWord{start: k + 1, colon: -1}
		case s[k] == ':' && w.colon < 0:
			w.colon = k
			fallthrough
		case s[k] == ':':
			w.scheme = w.scheme || strings.HasPrefix(s[k:at], "://")
		}
	}
	w.scanned = at
}

// userOK reports whether the word's user name is not empty and made of
// letters, digits, '.', '_' and '-'.
func (w *bareWord) userOK(s string) bool {
	if !w.checked {
		w.checked = true
		user := s[w.start:w.colon]
		w.user = user != "" && strings.Trim(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
	}
	return w.user
}

func isSchemeByte(c byte) bool { return isAlnum(c) || c == '+' || c == '.' || c == '-' }

// urlEnd is where a URL that goes on at v ends: at a space, a quote or
// an angle bracket, or where the next URL's scheme starts.
func urlEnd(s string, v int) int {
	end := v
	for end < len(s) && !isSpace(s[end]) && !strings.ContainsRune("\"'`<>\\", rune(s[end])) {
		if s[end] == ':' && strings.HasPrefix(s[end:], "://") { // the next URL: stop at its scheme
			for end > v && isSchemeByte(s[end-1]) {
				end--
			}
			return end
		}
		end++
	}
	return end
}

// port reports whether what follows a ':' is a port (and a path), not a
// password: digits, then '/' or nothing.
func port(pass string) bool {
	n := 0
	for n < len(pass) && n < 6 && '0' <= pass[n] && pass[n] <= '9' {
		n++
	}
	return n > 0 && n <= 5 && (n == len(pass) || pass[n] == '/')
}

// findBearer appends the credentials that follow the word "Bearer" and a
// space or a colon, anywhere (Authorization headers quoted in prose, logged request
// lines), unless what follows is an ordinary word: "Expected bearer
// token in Authorization header" stays.
func findBearer(s string, cut bool, out []span) []span {
	for _, off := range bWordEnds(s, "earer", "EARER") {
		k := off
		if k < len(s) && s[k] == ':' { // "Bearer: …", as a name of its own
			k++
		}
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		e := k
		for e < len(s) && (isAlnum(s[e]) || strings.ContainsRune("-._~+/=", rune(s[e]))) {
			e++
		}
		if k == off || e == k || keep(s, value{k, e, false}, cut) {
			continue
		}
		out = append(out, span{k, e})
	}
	return out
}
