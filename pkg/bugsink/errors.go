package bugsink

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"bsync/pkg/apiclient"
)

// APIError is a non-2xx answer from Bugsink. It carries the method, the
// request path (never the host's credentials or the token), the status and
// the server's own message.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
}

// Error implements error: "GET /api/canonical/0/issues/: 401 Unauthorized: Invalid Bearer token."
func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// ErrNoEvents means an issue has no stored event (all were evicted).
var ErrNoEvents = errors.New("issue has no stored events")

// StatusCode returns the HTTP status of an *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is a 404 from Bugsink.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 or 403 (bad, revoked or
// under-privileged token).
func IsUnauthorized(err error) bool {
	c := StatusCode(err)
	return c == http.StatusUnauthorized || c == http.StatusForbidden
}

// messageFrom extracts the server's message from an error body. Bugsink
// answers {"detail": "..."}, field errors {"field": ["..."]}, a bare list
// ["..."], or plain text (404 for unknown paths, 500).
func messageFrom(body []byte) string {
	var detail struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &detail) == nil && detail.Detail != "" {
		return apiclient.ClipMessage(detail.Detail)
	}
	var list []string
	if json.Unmarshal(body, &list) == nil && len(list) > 0 {
		return apiclient.ClipMessage(strings.Join(list, "; "))
	}
	var fields map[string][]string
	if json.Unmarshal(body, &fields) == nil && len(fields) > 0 {
		parts := make([]string, 0, len(fields))
		for k, v := range fields {
			parts = append(parts, k+": "+strings.Join(v, " "))
		}
		slices.Sort(parts)
		return apiclient.ClipMessage(strings.Join(parts, "; "))
	}
	return apiclient.ClipMessage(strings.TrimSpace(string(body)))
}
