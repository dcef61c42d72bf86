package peertest

import (
	"strings"
	"testing"
)

// Target is one server of a contract pair: a real server or its fake.
type Target struct {
	URL  string // base URL
	API  string // the API's path under it ("/api/canonical/0", "/api/v1")
	Auth string // the Authorization header that carries this side's valid token
	// IDs maps a placeholder ("{issue}" in a path or a body string) to
	// this side's value of it: the same object has its own id on each.
	IDs map[string]string
}

// Pair is a real server and its fake, brought into the same state by the
// test, and the deliberate differences the fake's package lists.
type Pair struct {
	Real, Fake *Target
	Diffs      *Differences
}

// Call is one request, sent to both sides of a pair.
type Call struct {
	Method, Path string
	Body         any // as Request.Body; strings in a map are expanded too
	// Root makes Path relative to the server's root, not the API's.
	Root bool
	// SameAuth sends Authorization as is to both sides ("" for none)
	// instead of each side's own valid token.
	SameAuth      bool
	Authorization string
	Header        map[string]string
	Chunked       bool
}

// Set records a placeholder's value on each side.
func (p *Pair) Set(name, real, fake string) {
	for _, s := range []struct {
		t *Target
		v string
	}{{p.Real, real}, {p.Fake, fake}} {
		if s.t.IDs == nil {
			s.t.IDs = map[string]string{}
		}
		s.t.IDs["{"+name+"}"] = s.v
	}
}

// Send sends c to one side and returns the answer.
func (p *Pair) Send(tb testing.TB, t *Target, c Call) *Response {
	tb.Helper()
	h := map[string]string{"Accept": "application/json", "Authorization": t.Auth}
	if c.SameAuth {
		h["Authorization"] = c.Authorization
	}
	for k, v := range c.Header {
		h[k] = v
	}
	u := t.URL
	if !c.Root {
		u += t.API
	}
	return Send(tb, Request{Method: c.Method, URL: u + t.expand(c.Path), Header: h, Body: t.expandAny(c.Body), Chunked: c.Chunked})
}

// Same sends c to both sides and compares the answers.
func (p *Pair) Same(tb testing.TB, c Call, opts ...Option) (real, fake *Response) {
	tb.Helper()
	real, fake = p.Send(tb, p.Real, c), p.Send(tb, p.Fake, c)
	Compare(tb, c.Method+" "+c.Path, Side{Base: p.Real.URL, Response: real}, Side{Base: p.Fake.URL, Response: fake}, opts...)
	return real, fake
}

func (t *Target) expand(s string) string {
	for k, v := range t.IDs {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func (t *Target) expandAny(v any) any {
	switch x := v.(type) {
	case string:
		return t.expand(x)
	case []byte:
		return []byte(t.expand(string(x)))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = t.expandAny(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = t.expandAny(e)
		}
		return out
	}
	return v
}
