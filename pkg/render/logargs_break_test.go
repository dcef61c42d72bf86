package render

import (
	"encoding/json"
	"strings"
	"testing"

	"bsync/pkg/bugsink"
)

// Log arguments an SDK sent apart from their template: a value with a
// quote in it, and a positional one the template names.
func TestLogArgumentsKeepNoSecret(t *testing.T) {
	for _, c := range []struct {
		template string
		params   any
		secret   string
		stays    []string
	}{
		{"failed: %s", map[string]string{"password": "it's hunter2xyz"}, "hunter2xyz", nil},
		{"failed: %s", []string{`a\' hunter2xyz`}, "", []string{`a\\\' hunter2xyz`}},
		{"login for %s with password %s", []string{"bob", "hunter2xyz"}, "hunter2xyz", []string{"'bob'"}},
		{"retrying with token=%r after %d tries", []any{"abcdef0123456789abcdef", 3}, "abcdef0123456789abcdef", []string{"3"}},
		{"api key {} rejected for {}", []string{"abcdef0123456789abcdef", "shop"}, "abcdef0123456789abcdef", []string{"'shop'"}},
		{"token %s expired", []string{"expired"}, "", []string{"'expired'"}},
	} {
		params, _ := json.Marshal(c.params)
		out := renderEvent(bugsink.Issue{}, bugsink.EventData{LogEntry: &bugsink.LogEntry{Message: c.template, Params: params}})
		if c.secret != "" && strings.Contains(out.Body+out.Title, c.secret) {
			t.Errorf("%q %s: the secret shows:\n%s", c.template, params, out.Body)
		}
		for _, s := range c.stays {
			if !strings.Contains(out.Body, s) {
				t.Errorf("%q %s: %q is gone:\n%s", c.template, params, s, out.Body)
			}
		}
	}
}
