package apiclient

import (
	"encoding/json"
	"fmt"

	"github.com/go-resty/resty/v2"
)

// ErrorFunc builds an API's own typed error from a non-2xx answer.
type ErrorFunc func(status int, body []byte) error

// Decode turns a resty outcome into a decoded value or an error that names
// the request: a transport error wrapped with "METHOD path", a non-2xx
// answer as apiErr builds it, or an answer that is not the expected JSON
// (a proxy's HTML page, a truncated body) with a short snippet of it.
// out may be nil when the answer's body is not needed.
func Decode(method, path string, resp *resty.Response, err error, out any, apiErr ErrorFunc) error {
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode() < 200 || resp.StatusCode() > 299 {
		return apiErr(resp.StatusCode(), resp.Body())
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		return fmt.Errorf("%s %s: %d answer is not the expected JSON (content type %q): %w; body starts: %s",
			method, path, resp.StatusCode(), resp.Header().Get("Content-Type"), err,
			ClipMessage(string(resp.Body())))
	}
	return nil
}
