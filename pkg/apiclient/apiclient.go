// Package apiclient holds the HTTP policy shared by the Bugsink and Gitea
// clients: timeouts, a bounded retry that only ever repeats reads, and
// honouring Retry-After. It knows nothing about either API.
package apiclient

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
)

// Options tunes one API client. Zero values take the defaults below.
type Options struct {
	// HTTPClient replaces the underlying *http.Client (tests, proxies).
	HTTPClient *http.Client
	// Timeout bounds one HTTP attempt. Default 30s.
	Timeout time.Duration
	// Retries is how many times a read is repeated after the first attempt.
	// Default 3; a negative value disables retries.
	Retries int
	// RetryWait is the first back-off; it doubles, with jitter, up to RetryMaxWait.
	RetryWait time.Duration
	// RetryMaxWait caps one back-off, including a server's Retry-After. Default 30s.
	RetryMaxWait time.Duration
	// UserAgent is sent on every request.
	UserAgent string
	// Requests, when set, counts every HTTP attempt (retries included).
	Requests *atomic.Int64
}

// MaxIdleConns is how many idle connections are kept per API host.
const MaxIdleConns = 64

// MaxResponseBytes caps how much of one answer is read (a listing page of
// 250 issues is well under 1 MiB; an event with a deep stack a few MiB).
const MaxResponseBytes = 32 << 20

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 200 * time.Millisecond
	}
	if o.RetryMaxWait <= 0 {
		o.RetryMaxWait = 30 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "bsync"
	}
	return o
}

// New returns a resty client for baseURL with the shared policy applied.
// Authentication is the caller's business (each API spells it differently).
func New(baseURL string, opts Options) *resty.Client {
	opts = opts.withDefaults()
	var c *resty.Client
	if opts.HTTPClient != nil {
		c = resty.NewWithClient(opts.HTTPClient)
	} else {
		// Keep a connection per concurrent worker alive (resty's default
		// keeps GOMAXPROCS+1, so a run with more workers than that would
		// open and close connections all the time).
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = MaxIdleConns
		t.MaxIdleConnsPerHost = MaxIdleConns
		c = resty.NewWithClient(&http.Client{Transport: t})
	}
	if opts.Requests != nil {
		base := c.GetClient().Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.SetTransport(countingTransport{base: base, n: opts.Requests})
	}
	c.SetBaseURL(baseURL).
		SetTimeout(opts.Timeout).
		SetHeader("User-Agent", opts.UserAgent).
		SetHeader("Accept", "application/json").
		SetLogger(silentLogger{}).
		SetResponseBodyLimit(MaxResponseBytes).
		SetRetryCount(opts.Retries).
		SetRetryWaitTime(opts.RetryWait).
		SetRetryMaxWaitTime(opts.RetryMaxWait).
		SetRetryAfter(retryAfter).
		AddRetryCondition(ShouldRetry)
	return c
}

// ShouldRetry is the one retry condition: only reads (GET, HEAD) are
// repeated, and only on a transport error, 429 or a 5xx answer. A write that
// may have reached the server is never repeated here: its outcome has to be
// established by the caller first.
//
// Once any condition is registered resty lets the conditions alone decide,
// so this function is the whole policy.
func ShouldRetry(r *resty.Response, err error) bool {
	if r == nil || r.Request == nil {
		return false
	}
	switch r.Request.Method {
	case http.MethodGet, http.MethodHead:
	default:
		return false
	}
	if err != nil {
		return isTransient(err)
	}
	code := r.StatusCode()
	return code == http.StatusTooManyRequests || code >= 500
}

// isTransient reports whether a transport error is worth another attempt:
// every one (refused, reset, timed out, dropped) except an answer that
// exceeded the body limit, which would only be too large again. A cancelled
// caller context is checked by resty before any condition runs.
func isTransient(err error) bool {
	return !errors.Is(err, resty.ErrResponseBodyTooLarge)
}

// retryAfter turns a Retry-After header (seconds or an HTTP date) into the
// wait before the next attempt; zero lets resty use its back-off.
func retryAfter(_ *resty.Client, r *resty.Response) (time.Duration, error) {
	if r == nil || r.RawResponse == nil {
		return 0, nil
	}
	return ParseRetryAfter(r.Header().Get("Retry-After"), time.Now()), nil
}

// ParseRetryAfter reads a Retry-After value given either as delay-seconds or
// as an HTTP date (RFC 9110 §10.2.3). Unreadable or past values give 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// countingTransport counts requests on their way out.
type countingTransport struct {
	base http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.base.RoundTrip(r)
}

// silentLogger drops resty's own log lines: the clients return errors and the
// command decides what to log, so nothing reaches stderr behind its back.
type silentLogger struct{}

func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Debugf(string, ...any) {}

// maxMessage bounds how much of a server's error text is kept.
const maxMessage = 300

// ClipMessage folds white space and cuts a server's error text to a
// readable length on a character boundary, so an HTML error page or a huge
// body cannot flood a log line or a report.
func ClipMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
