// Package httpfault wraps an http.Handler so tests can inject the faults a
// real network and a real server produce: error statuses, 429 with
// Retry-After, latency, answers slower than a client's timeout, and
// connections dropped before or after the server did its work.
package httpfault

import (
	"bytes"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is what a rule does to a matching request.
type Kind int

const (
	// Status answers with Rule.Status and a short body instead of serving.
	Status Kind = iota + 1
	// RateLimit answers 429 with Retry-After: Rule.RetryAfter seconds.
	RateLimit
	// Drop closes the connection without an answer, before serving.
	Drop
	// DropAfter serves the request (its effect happens) and then closes the
	// connection without sending the answer: the client cannot know.
	DropAfter
	// Slow waits Rule.Delay, then serves normally (a client timeout shorter
	// than Delay sees a timeout; the server still does the work).
	Slow
)

// Rule matches requests and applies a fault to some of them.
type Rule struct {
	Kind Kind
	// Method matches the HTTP method; empty matches any.
	Method string
	// PathContains matches a substring of the URL path; empty matches any.
	PathContains string
	// Times limits how often the rule fires; 0 means without limit.
	Times int
	// Rate is the probability (0..1] a matching request is hit; 0 means 1.
	Rate       float64
	Status     int
	RetryAfter int
	Delay      time.Duration

	fired int
}

// Injector holds the rules and a fixed latency added to every request.
type Injector struct {
	mu      sync.Mutex
	rules   []*Rule
	rnd     *rand.Rand
	latency time.Duration
	hits    map[Kind]int
}

// New returns an injector whose random choices follow seed.
func New(seed int64) *Injector {
	return &Injector{rnd: rand.New(rand.NewSource(seed)), hits: map[Kind]int{}}
}

// Add appends a rule. Rules are tried in order; the first that fires wins.
func (in *Injector) Add(r Rule) {
	in.mu.Lock()
	defer in.mu.Unlock()
	rc := r
	in.rules = append(in.rules, &rc)
}

// Clear removes every rule (latency stays).
func (in *Injector) Clear() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rules = nil
}

// SetLatency adds d to every request before it is served.
func (in *Injector) SetLatency(d time.Duration) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.latency = d
}

// Hits returns how many times faults of kind k were injected.
func (in *Injector) Hits(k Kind) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.hits[k]
}

func (in *Injector) pick(r *http.Request) (*Rule, time.Duration) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, rule := range in.rules {
		if rule.Method != "" && rule.Method != r.Method {
			continue
		}
		if rule.PathContains != "" && !strings.Contains(r.URL.Path, rule.PathContains) {
			continue
		}
		if rule.Times > 0 && rule.fired >= rule.Times {
			continue
		}
		if rule.Rate > 0 && rule.Rate < 1 && in.rnd.Float64() >= rule.Rate {
			continue
		}
		rule.fired++
		in.hits[rule.Kind]++
		cp := *rule
		return &cp, in.latency
	}
	return nil, in.latency
}

// Wrap returns h with the injector in front of it.
func (in *Injector) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rule, latency := in.pick(r)
		if latency > 0 {
			sleep(r, latency)
		}
		if rule == nil {
			h.ServeHTTP(w, r)
			return
		}
		switch rule.Kind {
		case Status:
			code := rule.Status
			if code == 0 {
				code = http.StatusInternalServerError
			}
			http.Error(w, "injected fault: "+http.StatusText(code), code)
		case RateLimit:
			w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfter))
			http.Error(w, "injected fault: rate limited", http.StatusTooManyRequests)
		case Drop:
			hangUp(w)
		case DropAfter:
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			hangUp(w)
		case Slow:
			// The body is read first, as a server reads a request before
			// working on it; then, as for a request without one, net/http
			// watches the connection, and a client that goes away ends
			// the wait (the work is still done).
			body, err := io.ReadAll(r.Body)
			if err != nil {
				hangUp(w)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			sleep(r, rule.Delay)
			h.ServeHTTP(w, r)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// sleep waits d, or less when the client goes away.
func sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// hangUp closes the connection without writing an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
