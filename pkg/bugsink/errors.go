package bugsink

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"bsync/pkg/apiclient"
)

// APIError is a non-2xx answer from Bugsink (see apiclient.APIError).
type APIError = apiclient.APIError

// ErrNoEvents means an issue has no stored event (all were evicted).
var ErrNoEvents = errors.New("issue has no stored events")

// StatusCode returns the HTTP status of a Bugsink *APIError in err's chain,
// or 0.
func StatusCode(err error) int { return apiclient.StatusOf(err, "bugsink") }

// IsNotFound reports whether err is a 404 from Bugsink.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 or 403 from Bugsink (a bad,
// revoked or under-privileged token).
func IsUnauthorized(err error) bool { return apiclient.IsAuthStatus(StatusCode(err)) }

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
