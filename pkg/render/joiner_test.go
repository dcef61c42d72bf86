package render

import (
	"strings"
	"testing"
)

// A zero-width joiner between two ASCII characters joins nothing: kept, it
// splits a token's shape or a name, and the secret reads through.
func TestJoinersInsideASCIIDoNotHideSecrets(t *testing.T) {
	for _, c := range []struct{ in, secret string }{
		{"bad ghp_abcdefghijk\u200dlmnopqrstuvwxyz0123456789", "lmnopqrstuvwxyz0123456789"},
		{"pass\u200cword=hunter2xyz", "hunter2xyz"},
		{"sk_live_\u200dabcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx"},
	} {
		if got := untrusted(c.in); strings.Contains(got, c.secret) {
			t.Errorf("untrusted(%q) = %q: the secret shows", c.in, got)
		}
	}
	for _, s := range []string{"family 👨\u200d👩\u200d👧", "می\u200cخواهم", "क्\u200dष"} {
		if got := untrusted(s); got != s {
			t.Errorf("untrusted(%q) = %q: a joiner of a script or an emoji was dropped", s, got)
		}
	}
}
