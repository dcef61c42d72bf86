// Package gitea is a client for the parts of Gitea's REST API (/api/v1)
// that bsync needs: labels, issues, comments and issue search, in one
// repository.
package gitea

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-resty/resty/v2"

	"bsync/pkg/apiclient"
)

// APIPath is where the REST API lives under the Gitea base URL.
const APIPath = "/api/v1"

// Client talks to one repository on one Gitea. It is safe for concurrent use.
type Client struct {
	rc    *resty.Client
	owner string
	repo  string
	pages pageSize
	// treePerPage is the page size asked of a tree (DefaultTreePerPage
	// when 0); tests lower it to page a small tree.
	treePerPage int
}

// New returns a client for owner/repo on the Gitea at baseURL. It makes no
// network call.
func New(baseURL, token, owner, repo string, opts apiclient.Options) *Client {
	rc := apiclient.New(strings.TrimRight(baseURL, "/")+APIPath, opts)
	rc.SetAuthScheme("token").SetAuthToken(token)
	return &Client{rc: rc, owner: owner, repo: repo}
}

// repoPath returns /repos/{owner}/{repo} plus suffix.
func (c *Client) repoPath(suffix string) string {
	return "/repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.repo) + suffix
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	req := c.rc.R().SetContext(ctx)
	if len(query) > 0 {
		req.SetQueryParamsFromValues(query)
	}
	if body != nil {
		// Without this header Gitea parses the body as a form and ignores the JSON.
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	resp, err := req.Execute(method, path)
	shown := APIPath + path
	raw, isRaw := out.(*[]byte)
	if isRaw {
		out = nil // the body as it is, not JSON
	}
	err = apiclient.Decode(method, shown, resp, err, out, func(status int, b []byte) error {
		ae := &APIError{API: "gitea", Method: method, Path: shown, StatusCode: status, Message: messageFrom(b)}
		if status == http.StatusNotFound && c.repoLevel(path) {
			return &RepoNotFoundError{Owner: c.owner, Repo: c.repo, Err: ae}
		}
		return ae
	})
	if err == nil && isRaw {
		*raw = resp.Body()
	}
	return err
}

// repoLevel reports whether a 404 for path can only mean the repository
// itself is missing (no issue number or label id in it).
func (c *Client) repoLevel(path string) bool {
	switch path {
	case c.repoPath(""), c.repoPath("/labels"), c.repoPath("/issues"):
		return true
	}
	return false
}

func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, out)
}
