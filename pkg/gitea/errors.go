package gitea

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"bsync/pkg/apiclient"
)

// APIError is a non-2xx answer from Gitea: the method, the request path
// (no token; Gitea's token travels in a header), the status and Gitea's
// "message".
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
}

// Error implements error: "POST /api/v1/repos/o/r/issues: 403 Forbidden: token does not have …"
func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// StatusCode returns the HTTP status of an *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is a 404 from Gitea.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 or 403 from Gitea.
func IsUnauthorized(err error) bool {
	c := StatusCode(err)
	return c == http.StatusUnauthorized || c == http.StatusForbidden
}

// messageFrom reads Gitea's {"message": "...", "url": "..."} error body,
// falling back to the text itself.
func messageFrom(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return apiclient.ClipMessage(e.Message)
	}
	return apiclient.ClipMessage(strings.TrimSpace(string(body)))
}

// LabelMismatchError says a created issue came back without some of the
// labels that were sent: Gitea drops unknown ids, and all labels when the
// token's user cannot write to the repository. The issue itself exists.
type LabelMismatchError struct {
	Number  int
	Missing []int64
}

// Error implements error.
func (e *LabelMismatchError) Error() string {
	return fmt.Sprintf("gitea issue #%d was created without label ids %v (gitea drops labels it does not accept)", e.Number, e.Missing)
}
