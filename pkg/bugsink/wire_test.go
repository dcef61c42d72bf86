package bugsink_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"bsync/pkg/bugsink"
)

// wireRequest is what a server saw of one request's framing.
type wireRequest struct {
	method           string
	transferEncoding []string
	contentLength    int64
	header           string
	body             string
}

func TestBodylessPostsCarryContentLengthZero(t *testing.T) {
	var mu sync.Mutex
	var got []wireRequest
	url := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, wireRequest{r.Method, r.TransferEncoding, r.ContentLength, r.Header.Get("Content-Length"), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	c := bugsink.New(url, "0123456789abcdef0123456789abcdef01234567", fastOpts())
	if err := c.Resolve(t.Context(), "5b0c0001-0001-4001-8007-00009e3779b1"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	r := got[0]
	if r.method != http.MethodPost || len(r.transferEncoding) != 0 || r.contentLength != 0 || r.header != "0" || r.body != "" {
		t.Errorf("resolve went out as %s with Transfer-Encoding %v, Content-Length %d (header %q), body %q; want a POST with Content-Length: 0 and no chunking",
			r.method, r.transferEncoding, r.contentLength, r.header, r.body)
	}
}
