package redact

import "strings"

// A name is split into words at '_', '-', '.' and case changes
// (AccountKey: account, key; SECRET_KEY: secret, key; X-Api-Key: x, api,
// key). It bears a secret when its last word is a secret word, or an
// earlier word is and the last one does not say the value is something
// else (token_type, password_reset_url, key_id); a bare "key" is no
// secret word (a dictionary's or a cache's key), a compound one is
// (api_key, AccountKey), but for the kinds of key that are not secret
// (primary_key, cache_key, public_key).

// secretWords bear a secret as a name's word of their own.
var secretWords = words(`password passwd pwd pass passphrase passcode secret secrets token tokens
	credential credentials creds signature sig apikey authorization auth cookie cookies session
	sessionid sid phpsessid jsessionid jwt otp privatekey secretkey accesskey accountkey masterkey
	signingkey encryptionkey authkey sharedkey clientsecret authtoken accesstoken refreshtoken apitoken
	connectionstring connstr`)

// secretSuffixes bear a secret at the end of a longer word (mytoken,
// dbpassword, basicauth).
var secretSuffixes = []string{"password", "passwd", "secret", "token", "apikey", "signature", "credentials",
	"credential", "sessionid", "cookie", "authorization", "auth", "session", "jwt"}

// notSecretKeys are kinds of key that are not secret.
var notSecretKeys = words(`primary foreign sort partition range cache idempotency dedup dedupe deduplication
	routing unique lookup group row composite natural surrogate shard index object public pub map dict
	message i18n translation locale item entry field column setting settings cursor sequence react list`)

// otherThings are last words that say a name holds something other than
// the secret its earlier words name.
var otherThings = words(`type types id ids name names length len size count expiry expires expiration exp
	ttl url uri urls endpoint path file filename hint policy rule rules min max minimum maximum required
	error errors field fields label prompt reset changed at time timestamp date version format kind mode
	scope scopes header param parameter strength status valid validity location source provider method
	algorithm alg prefix suffix last4 issuer audience lifetime age duration timeout limit used usage
	remaining left idx num number enabled disabled present set rotation rotated hash`)

// querySecretWords bear a secret as a query parameter's word, besides
// the secret words: one-time codes and signatures of OAuth and signed
// URLs, and Google's ?key=.
var querySecretWords = words(`code state nonce ticket hash key keys verifier`)

func words(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// maxWords bounds the words of a name looked at.
const maxWords = 12

// secretName reports whether a name bears a secret; query: it names a
// URL's query parameter.
func secretName(name string, query bool) bool {
	if name == "PWD" || name == "OLDPWD" { // the shell's working directories
		return false
	}
	var buf [maxWords]string
	ws := splitWords(name, buf[:0])
	if len(ws) == 0 {
		return false
	}
	last := ws[len(ws)-1]
	if secretWord(ws, len(ws)-1) {
		return true
	}
	if query {
		for _, w := range ws {
			if has(querySecretWords, w) {
				return true
			}
		}
	}
	if len(ws) > 1 && strings.EqualFold(last, "id") && has(map[string]bool{"session": true}, ws[len(ws)-2]) {
		return true
	}
	if has(otherThings, last) {
		return false
	}
	for i := range ws[:len(ws)-1] {
		if secretWord(ws, i) {
			return true
		}
	}
	return false
}

// secretWord reports whether word i of a name is a secret word.
func secretWord(ws []string, i int) bool {
	w := ws[i]
	if has(secretWords, w) {
		return true
	}
	if strings.EqualFold(w, "key") || strings.EqualFold(w, "keys") {
		return i > 0 && !has(notSecretKeys, ws[i-1])
	}
	for _, suf := range secretSuffixes {
		if len(w) > len(suf) && strings.EqualFold(w[len(w)-len(suf):], suf) {
			return true
		}
	}
	return false
}

// lastWord is the last word of a name.
func lastWord(name string) string {
	var buf [maxWords]string
	if ws := splitWords(name, buf[:0]); len(ws) > 0 {
		return ws[len(ws)-1]
	}
	return ""
}

// has looks w up in a set of lower-case words, whatever w's case.
func has(set map[string]bool, w string) bool {
	var buf [32]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return set[string(buf[:len(w)])]
}

// splitWords splits a name or a value's word at every byte that is not
// a letter or digit, and where lower case turns to upper case (or an
// upper-case run turns into a capitalised word: HTTPHeader is HTTP,
// Header), appending the words to out (at most maxWords in all).
func splitWords(s string, out []string) []string {
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isAlnum(s[i]) {
			if start >= 0 && caseTurn(s, i) {
				out = appendWord(out, s[start:i])
				start = i
			}
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendWord(out, s[start:i])
			start = -1
		}
	}
	return out
}

func appendWord(out []string, w string) []string {
	if len(out) == cap(out) && cap(out) >= maxWords {
		return out
	}
	return append(out, w)
}

// caseTurn reports whether a new word starts at s[i] by its case.
func caseTurn(s string, i int) bool {
	up := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	low := func(c byte) bool { return 'a' <= c && c <= 'z' }
	if up(s[i]) && low(s[i-1]) {
		return true
	}
	return up(s[i]) && up(s[i-1]) && i+1 < len(s) && low(s[i+1])
}

// ordinaryWords explain what went wrong, or carry a sentence; a name's
// value made of them only (or of numbers) is the diagnosis, not a
// secret. Words a password is often made of (password, admin, secret,
// letmein) are left out on purpose.
var ordinaryWords = words(`a an the and or but nor not no yes none null nil undefined nan true false on off
	ok okay is isn't was wasn't are aren't were be been being has hasn't have haven't had does doesn't do
	don't did didn't must should may might can cannot can't could will won't would shall
	of for to in into at by with without from as this that these those it its there here than then
	too very only more less least most all any some each every one two many few again later
	please try check verify see use using used
	expired expire expires expiring invalid valid missing required optional empty blank absent present
	revoked disabled enabled denied forbidden unauthorized unauthenticated authenticated rejected refused
	failed failure fail fails error errors unknown malformed incorrect wrong bad mismatch mismatched
	short long weak strong found set unset provided given supplied changed reset needed expected
	received sent reused stale old new current same different match matches matched
	verified unverified unsigned signed decode decoded encode encoded parse parsed format type length
	header headers parameter param string value field user username users account email login logged
	sign signin authenticate authentication credentials credential token tokens key bearer basic digest
	session cookie signature auth authorization jwt hmac many attempts limit exceeded locked timeout
	timed out request requested response server client code characters chars letter letters digit
	digits number numbers upper lower case uppercase lowercase special symbol symbols allowed permitted
	accepted supported unsupported algorithm audience issuer claim claims scope scopes not_found
	contain contains containing include includes must_be least_one n/a na tbd todo
	[redacted] redacted hidden masked omitted removed str int bytes bool float dict list any object
	illegal permission permissions ensure common access data input base64 path
	punc eof operator keyword name num atom sha1 sha256 sha512 md5 hs256 hs512 rs256 es256`)

// maxNumber is the longest run of digits read as a number: longer ones
// (a card number, a numeric token) are not.
const maxNumber = 10

// ordinary reports whether a value is made of ordinary words and numbers
// only, or is a redaction mark (ours, "****"; Sentry's "[Filtered]" is
// redacted again, as a request URL always showed it).
func ordinary(v string) bool {
	if strings.Trim(v, "*") == "" || has(ordinaryWords, v) {
		return true
	}
	for _, field := range strings.Fields(v) {
		field = strings.Trim(field, ".,;:!?()[]{}\"'`")
		if field == "" || has(ordinaryWords, field) {
			continue
		}
		var buf [maxWords]string
		ws := splitWords(field, buf[:0])
		if len(ws) == 0 || len(ws) == maxWords {
			return false
		}
		for _, w := range ws {
			if !has(ordinaryWords, w) && !number(w) {
				return false
			}
		}
	}
	return true
}

// number reports whether w is a run of at most maxNumber digits.
func number(w string) bool {
	if w == "" || len(w) > maxNumber {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}
