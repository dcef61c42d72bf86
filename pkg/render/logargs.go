package render

import (
	"strings"

	"bsync/pkg/redact"
)

// A logged message's template names what its positional arguments are
// ("login for %s with password %s", "api key {} rejected"): an argument
// whose placeholder follows a secret-bearing name is redacted, as it would
// be after "password=" in the formatted text.

// redactNamedArguments replaces the string arguments of template's
// placeholders (%s, %r, %d, … and {}, {0}) that follow a secret-bearing
// name with redact.Marker.
func redactNamedArguments(template string, args []any) {
	next := 0
	for i := 0; i < len(template); i++ {
		at, n := i, -1
		switch {
		case template[i] == '%' && i+1 < len(template) && template[i+1] == '%',
			template[i] == '{' && i+1 < len(template) && template[i+1] == '{':
			i++
			continue
		case template[i] == '%':
			for i++; i < len(template) && strings.IndexByte("-+ #0123456789.*", template[i]) >= 0; i++ {
			}
			if i < len(template) && isLetter(template[i]) {
				n, next = next, next+1
			}
		case template[i] == '{':
			e := strings.IndexByte(template[i:], '}')
			if e < 0 {
				return
			}
			n = placeIndex(template[i+1:i+e], &next)
			i += e
		}
		if n >= 0 && n < len(args) {
			if s, ok := args[n].(string); ok && redact.Named(nameBeforePlaceholder(template[:at]), s) != s {
				args[n] = redact.Marker
			}
		}
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// placeIndex is the argument a "{…}" placeholder stands for: the next for
// "{}", the given one for "{2}"; -1 for a named one.
func placeIndex(inside string, next *int) int {
	if inside == "" {
		*next++
		return *next - 1
	}
	n := 0
	for i := 0; i < len(inside); i++ {
		if inside[i] < '0' || inside[i] > '9' || i > 3 {
			return -1
		}
		n = n*10 + int(inside[i]-'0')
	}
	return n
}

// nameBeforePlaceholder is the name a placeholder follows: its last word,
// joined with the word before it ("api key" → "api_key") when that one
// makes a secret-bearing name and the last alone does not.
func nameBeforePlaceholder(before string) string {
	f := strings.FieldsFunc(before, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
	if len(f) == 0 || !strings.HasSuffix(strings.TrimRight(before, " \t:=\"'`("), f[len(f)-1]) {
		return ""
	}
	last := f[len(f)-1]
	if len(f) > 1 && redact.Named(last, "x1") == "x1" {
		return f[len(f)-2] + "_" + last
	}
	return last
}
