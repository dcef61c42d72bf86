package apiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"

	"github.com/go-resty/resty/v2"
)

// ErrorFunc builds an API's own typed error from a non-2xx answer.
type ErrorFunc func(status int, body []byte) error

// HTMLAnswer is the message of an answer that is a web page, not the API's
// JSON: the URL is most likely not the server's base URL (a page of its web
// interface, or a proxy's). The page itself is not repeated.
const HTMLAnswer = "an HTML page, not the API's JSON: is the URL the server's base URL?"

// Decode turns a resty outcome into a decoded value or an error that names
// the request: a transport error wrapped with "METHOD path", a non-2xx
// answer as apiErr builds it (with the path really requested, base URL's
// own path included, and an HTML page named, not dumped), or an answer
// that is not the expected JSON (a proxy's HTML page, a truncated body)
// with a short snippet of it.
// out may be nil when the answer's body is not needed.
func Decode(method, path string, resp *resty.Response, err error, out any, apiErr ErrorFunc) error {
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.RawResponse != nil && resp.RawResponse.Request != nil {
		path = resp.RawResponse.Request.URL.Path
	}
	html := isHTML(resp)
	if resp.StatusCode() < 200 || resp.StatusCode() > 299 {
		e := apiErr(resp.StatusCode(), resp.Body())
		var ae *APIError
		if errors.As(e, &ae) {
			ae.Path = path
			if html {
				ae.Message = HTMLAnswer
			}
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		if html {
			return fmt.Errorf("%s %s: %d answer is not the expected JSON (content type %q): %s",
				method, path, resp.StatusCode(), resp.Header().Get("Content-Type"), HTMLAnswer)
		}
		return fmt.Errorf("%s %s: %d answer is not the expected JSON (content type %q): %w; body starts: %s",
			method, path, resp.StatusCode(), resp.Header().Get("Content-Type"), err, ClipMessage(string(resp.Body())))
	}
	return nil
}

// isHTML reports whether an answer is a web page.
func isHTML(resp *resty.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header().Get("Content-Type"))
	return mt == "text/html"
}
