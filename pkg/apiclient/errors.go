package apiclient

import (
	"errors"
	"fmt"
	"net/http"
)

// APIError is a non-2xx answer from one of the APIs: which API, the
// method, the request path (never a token or the host's credentials), the
// status and the server's own message.
type APIError struct {
	API        string // "bugsink" or "gitea"
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

// StatusOf returns the HTTP status of the API's *APIError in err's chain,
// or 0 when there is none (a transport error, or another API's error).
func StatusOf(err error, api string) int {
	var ae *APIError
	if errors.As(err, &ae) && ae.API == api {
		return ae.StatusCode
	}
	return 0
}

// IsAuthStatus reports whether a status means the token was refused or
// lacks a permission.
func IsAuthStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden
}
