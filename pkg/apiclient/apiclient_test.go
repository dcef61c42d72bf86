package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 10 ", 10 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, c := range cases {
		if got := ParseRetryAfter(c.in, now); got != c.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestClipMessage(t *testing.T) {
	if got := ClipMessage("  a \n\t b  "); got != "a b" {
		t.Errorf("white space not folded: %q", got)
	}
	long := ""
	for i := 0; i < 400; i++ {
		long += "é"
	}
	got := ClipMessage(long)
	if len(got) > maxMessage+len("…") {
		t.Errorf("clipped message is %d bytes", len(got))
	}
	for _, r := range got {
		if r == '\uFFFD' {
			t.Fatalf("clipped inside a character: %q", got)
		}
	}
}

// countingServer answers status for the first fail requests, then 200.
func countingServer(t *testing.T, fail int, status int, header http.Header) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if int(n.Add(1)) <= fail {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			return
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestReadsAreRetriedOn5xxAnd429(t *testing.T) {
	for _, status := range []int{500, 502, 503, 429} {
		srv, n := countingServer(t, 2, status, http.Header{"Retry-After": {"0"}})
		c := New(srv.URL, Options{RetryWait: time.Millisecond, RetryMaxWait: 5 * time.Millisecond})
		resp, err := c.R().Get("/x")
		if err != nil || resp.StatusCode() != 200 {
			t.Fatalf("status %d: got %v, %v; want 200 after retries", status, resp.StatusCode(), err)
		}
		if got := n.Load(); got != 3 {
			t.Errorf("status %d: %d attempts, want 3", status, got)
		}
	}
}

func TestRetriesAreBounded(t *testing.T) {
	srv, n := countingServer(t, 100, 503, nil)
	c := New(srv.URL, Options{Retries: 2, RetryWait: time.Millisecond, RetryMaxWait: 2 * time.Millisecond})
	resp, _ := c.R().Get("/x")
	if resp.StatusCode() != 503 {
		t.Fatalf("status %d, want the last 503", resp.StatusCode())
	}
	if got := n.Load(); got != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", got)
	}
}

func TestWritesAreNeverRetried(t *testing.T) {
	for _, status := range []int{500, 503, 429} {
		srv, n := countingServer(t, 5, status, nil)
		c := New(srv.URL, Options{RetryWait: time.Millisecond})
		for _, method := range []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
			n.Store(0)
			resp, _ := c.R().Execute(method, "/x")
			if resp.StatusCode() != status || n.Load() != 1 {
				t.Errorf("%s on %d: %d attempts (status %d), want exactly 1", method, status, n.Load(), resp.StatusCode())
			}
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv, n := countingServer(t, 1, 429, http.Header{"Retry-After": {"1"}})
	c := New(srv.URL, Options{RetryWait: time.Millisecond, RetryMaxWait: 5 * time.Second})
	start := time.Now()
	resp, err := c.R().Get("/x")
	if err != nil || resp.StatusCode() != 200 || n.Load() != 2 {
		t.Fatalf("got %d after %d attempts: %v", resp.StatusCode(), n.Load(), err)
	}
	// The wait is the server's, not resty's millisecond back-off.
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("waited %v, want about the 1s Retry-After", waited)
	}
}

func TestTransportErrorsOnReadsAreRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := New(srv.URL, Options{RetryWait: time.Millisecond})
	resp, err := c.R().Get("/x")
	if err != nil || resp.StatusCode() != 200 || n.Load() != 2 {
		t.Fatalf("got %v/%v after %d attempts, want 200 after 2", resp.StatusCode(), err, n.Load())
	}
}

// A retry's wait (here a server's Retry-After of a minute) ends when the
// caller's context ends: no wait of a client outlives the run.
func TestARetryWaitEndsWithTheContext(t *testing.T) {
	srv, n := countingServer(t, 100, 429, http.Header{"Retry-After": {"60"}})
	c := New(srv.URL, Options{RetryWait: time.Millisecond, RetryMaxWait: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		resp, err := c.R().SetContext(ctx).Get("/x")
		if err == nil && ctx.Err() != nil && resp.StatusCode() == http.StatusTooManyRequests {
			err = context.Canceled // cancelled before the wait began: the 429 is the answer
		}
		done <- err
	}()
	for n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // most likely in the wait by now (either way it must end)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || n.Load() != 1 {
			t.Errorf("err %v after %d attempts, want the context's end after 1", err, n.Load())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the retry wait outlived its context: hung")
	}
}
