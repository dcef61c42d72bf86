package gitea

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"bsync/pkg/apiclient"
)

// APIError is a non-2xx answer from Gitea (see apiclient.APIError).
type APIError = apiclient.APIError

// StatusCode returns the HTTP status of a Gitea *APIError in err's chain,
// or 0.
func StatusCode(err error) int { return apiclient.StatusOf(err, "gitea") }

// IsNotFound reports whether err is a 404 from Gitea.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 or 403 from Gitea (a bad,
// revoked or under-privileged token).
func IsUnauthorized(err error) bool { return apiclient.IsAuthStatus(StatusCode(err)) }

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

// RepoNotFoundError says Gitea answered 404 for the repository itself (a
// listing or a create under /repos/{owner}/{repo}): it does not exist, the
// token's user cannot see it, or its issue tracker is off. Every request
// to it would fail the same way.
type RepoNotFoundError struct {
	Owner, Repo string
	Err         error
}

// Error implements error.
func (e *RepoNotFoundError) Error() string {
	return fmt.Sprintf("gitea repository %s/%s not found: it does not exist, the token's user cannot see it, or its issues are turned off (%v)", e.Owner, e.Repo, e.Err)
}

// Unwrap returns the API error.
func (e *RepoNotFoundError) Unwrap() error { return e.Err }

// IsRepoNotFound reports whether err says the repository is missing.
func IsRepoNotFound(err error) bool {
	var rn *RepoNotFoundError
	return errors.As(err, &rn)
}
