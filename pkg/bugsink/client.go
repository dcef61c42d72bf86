// Package bugsink is a client for the parts of Bugsink's canonical API
// (/api/canonical/0/, Bugsink 2.2.1 and later) that bsync needs: list
// projects and issues, read the newest event, resolve, and comment.
package bugsink

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-resty/resty/v2"

	"bsync/pkg/apiclient"
)

// APIPath is where the canonical API lives under the Bugsink base URL.
const APIPath = "/api/canonical/0"

// Client talks to one Bugsink installation. It is safe for concurrent use.
type Client struct {
	rc *resty.Client
}

// New returns a client for the Bugsink at baseURL (which may include a
// sub-path) authenticating with token. It makes no network call.
func New(baseURL, token string, opts apiclient.Options) *Client {
	rc := apiclient.New(strings.TrimRight(baseURL, "/")+APIPath, opts)
	rc.SetAuthScheme("Bearer").SetAuthToken(token)
	return &Client{rc: rc}
}

// get performs a GET of path (relative to the API root, with its trailing
// slash) and decodes the JSON answer into out.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	req := c.rc.R().SetContext(ctx)
	if len(query) > 0 {
		req.SetQueryParamsFromValues(query)
	}
	resp, err := req.Get(path)
	return decode(http.MethodGet, path, resp, err, out)
}

// post performs a POST of body (nil for none) and decodes the answer into
// out (nil to ignore it). POSTs are never retried by the client.
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	req := c.rc.R().SetContext(ctx)
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	} else {
		// Bugsink's actions take no body. An empty (not absent) body makes
		// net/http send "Content-Length: 0"; a Content-Length header set by
		// hand is dropped and the request goes out chunked, which Bugsink
		// refuses unless its WSGI server de-chunks (bugsink/middleware.py,
		// DisallowChunkedMiddleware: a 500 under runserver).
		req.SetBody([]byte{})
	}
	resp, err := req.Post(path)
	return decode(http.MethodPost, path, resp, err, out)
}

// decode turns a resty outcome into a decoded value or a typed error.
func decode(method, path string, resp *resty.Response, err error, out any) error {
	shown := APIPath + path
	return apiclient.Decode(method, shown, resp, err, out, func(status int, body []byte) error {
		return &APIError{API: "bugsink", Method: method, Path: shown, StatusCode: status, Message: messageFrom(body)}
	})
}
