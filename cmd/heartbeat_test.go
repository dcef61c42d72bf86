package cmd

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// A failed ping's error names the monitor's host, never the path or query
// that hold the check's secret, whatever shape the URL has.
func TestRedactURLErrorHidesPathAndQuery(t *testing.T) {
	cases := []struct{ raw, request string }{
		{"https://hc.example/ping/secret-uuid?key=SECRETKEY", "https://hc.example/ping/secret-uuid/start?key=SECRETKEY"},
		{"https://hc.example?key=SECRETKEY", "https://hc.example/fail?key=SECRETKEY"},
		{"https://hc.example/secret-uuid", "https://hc.example/secret-uuid"},
	}
	for _, c := range cases {
		cause := errors.New("dial tcp 127.0.0.1:1: connect: connection refused (while fetching " + c.request + ")")
		msg := redactURLError(&url.Error{Op: "Post", URL: c.request, Err: cause}, c.raw)
		for _, secret := range []string{"secret-uuid", "SECRETKEY"} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: %q shows %s", c.raw, msg, secret)
			}
		}
		if !strings.Contains(msg, "hc.example") || !strings.Contains(msg, "connection refused") {
			t.Errorf("%s: %q no longer says which host failed and why", c.raw, msg)
		}
	}
}
