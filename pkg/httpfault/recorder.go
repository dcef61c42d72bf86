package httpfault

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Request is one request a fake server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
}

// Recorder keeps the requests a fake server received, for tests to assert
// on. It is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	requests []Request
}

// Record notes r.
func (rec *Recorder) Record(r *http.Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = append(rec.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()})
}

// Requests returns every request received so far.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.requests...)
}

// CountRequests counts requests by method (empty for any) whose path
// contains sub.
func (rec *Recorder) CountRequests(method, sub string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.requests {
		if (method == "" || r.Method == method) && strings.Contains(r.Path, sub) {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (rec *Recorder) ResetRequests() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = nil
}
