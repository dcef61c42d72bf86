// Package peertest connects tests to a real Gitea and a real Bugsink, named
// by environment variables, and gives each test its own corner of them: a
// fresh Gitea user with a repository and a token scoped as bsync's, and
// fresh Bugsink projects. scripts/test-real.sh starts the bundled servers
// (or takes yours) and sets the variables; without them every real-server
// test skips with one line saying how to run it.
//
// Nothing here is used by bsync itself; it is test plumbing, kept in one
// place so that the contract tests and the end-to-end scenarios share it.
package peertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The variables that name the real servers.
const (
	EnvGiteaURL        = "BSYNC_TEST_GITEA_URL"
	EnvGiteaAdminToken = "BSYNC_TEST_GITEA_ADMIN_TOKEN" // all scopes, a site admin: creates users and repositories
	EnvBugsinkURL      = "BSYNC_TEST_BUGSINK_URL"
	EnvBugsinkToken    = "BSYNC_TEST_BUGSINK_TOKEN"
	// EnvBugsinkDevURL optionally names a second Bugsink served by Django's
	// development server (runserver), which refuses chunked request bodies;
	// it shares EnvBugsinkToken's installation or has its own token in
	// EnvBugsinkDevToken.
	EnvBugsinkDevURL   = "BSYNC_TEST_BUGSINK_DEV_URL"
	EnvBugsinkDevToken = "BSYNC_TEST_BUGSINK_DEV_TOKEN"
)

// runID keeps the names this test binary makes apart from those of earlier
// runs against the same long-lived servers.
var runID = func() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

var seq atomic.Int64

// UniqueName returns prefix followed by a name no other test of any run has
// used: lowercase letters, digits and dashes, safe as a Gitea user or
// repository name and as a Bugsink project name.
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s-%s-%d", prefix, runID, seq.Add(1))
}

// need returns the values of the named variables, or ends the test: a skip
// with one line on how to run it, or a failure under CI=true, where the
// real servers are part of the run.
func need(tb testing.TB, names ...string) []string {
	tb.Helper()
	var vals, missing []string
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, n)
		}
		vals = append(vals, strings.TrimRight(v, "/"))
	}
	if len(missing) > 0 {
		msg := "real servers not configured (" + strings.Join(missing, ", ") +
			" unset): run scripts/test-real.sh, which starts them or uses yours"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return vals
}

// client is shared by every request of the package; the servers are on
// loopback or a test network, so a minute is generous.
var client = &http.Client{Timeout: time.Minute}

// Response is an answer from a real server, kept whole for comparisons.
type Response struct {
	Status      int
	ContentType string
	Header      http.Header
	Body        []byte
}

// JSON decodes the body into out, failing the test when it is not JSON.
func (r *Response) JSON(tb testing.TB, out any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, out); err != nil {
		tb.Fatalf("peertest: answer (%d, %s) is not JSON: %v\n%s", r.Status, r.ContentType, err, r.Body)
	}
}

// Request is one HTTP request to a real server.
type Request struct {
	Method string
	URL    string
	Header map[string]string // a header set to "" is not sent
	Body   any               // nil, []byte (sent as is) or a value sent as JSON
	// Chunked sends the body with chunked framing (its length hidden), as
	// net/http does for a body of unknown length.
	Chunked bool
}

// Send performs the request and returns the whole answer; only a transport
// error fails the test.
func Send(tb testing.TB, r Request) *Response {
	tb.Helper()
	resp, err := send(r)
	if err != nil {
		tb.Fatalf("peertest: %v", err)
	}
	return resp
}

// send performs the request; it may run on any goroutine.
func send(r Request) (*Response, error) {
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.Method, r.URL, body)
	if err != nil {
		return nil, err
	}
	if r.Chunked && body != nil {
		req.ContentLength = -1
		req.Body = io.NopCloser(body)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		if v == "" {
			req.Header.Del(k) // "" removes a header, the JSON Content-Type too
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", r.Method, r.URL, err)
	}
	return &Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Header: resp.Header, Body: raw}, nil
}

// expect fails the test unless the answer has the status wanted.
func expect(tb testing.TB, what string, r *Response, status int) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("peertest: %s: status %d, want %d: %s", what, r.Status, status, r.Body)
	}
}

func envOr(name string) string { return strings.TrimRight(os.Getenv(name), "/") }

// WaitFor polls cond until it holds, for something a real server does in
// the background (Gitea's search index); it fails the test after a minute.
// It measures nothing: the wait only ends a test that would hang.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for end := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(end) {
			tb.Fatalf("peertest: gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
