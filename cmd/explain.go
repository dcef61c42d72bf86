package cmd

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
)

// Error codes of a sync stopped by one of its remotes; each error carries
// the fix doctor would give.
const (
	codeBugsinkToken       errorCode = "bugsink_token"
	codeBugsinkURL         errorCode = "bugsink_url"
	codeBugsinkUnreachable errorCode = "bugsink_unreachable"
	codeGiteaURL           errorCode = "gitea_url"
	codeGiteaUnreachable   errorCode = "gitea_unreachable"
	codeRedis              errorCode = "redis"
)

// explain names what stopped a run and how to fix it, with its own error
// code (exit 1); an error already explained, or not a remote's, is kept.
func explain(err error, cfg *config) error {
	var ee *exitError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	fatal := func(name errorCode, format string, a ...any) error {
		return &exitError{code: exitFatal, name: name, err: fmt.Errorf(format, a...)}
	}
	status := bugsink.StatusCode(err)
	switch {
	case bugsink.IsUnauthorized(err):
		return fatal(codeBugsinkToken, "Bugsink refused the token (%v): create one with `bugsink-manage create_auth_token` and set BUGSINK_API_TOKEN", err)
	case status == http.StatusNotFound || isHTMLAnswer(err) && status != 0:
		return fatal(codeBugsinkURL, "the Bugsink API is not at BUGSINK_URL=%s (%v): set BUGSINK_URL to Bugsink's base URL, the address of its home page (with its sub-path, if any)", cfg.BugsinkURL, err)
	case gitea.IsRepoNotFound(err):
		return fatal(codeGiteaRepository, "nothing was synced: %v; check GITEA_OWNER and GITEA_REPO, and that the token's user can see the repository", err)
	case gitea.StatusCode(err) == http.StatusUnauthorized:
		return fatal(codeGiteaToken, "Gitea refused the token (%v): %s", err, tokenHelp)
	case missingScope(err) != "":
		return fatal(codeGiteaScope, "GITEA_API_TOKEN lacks the %s scope (%v); %s", missingScope(err), err, tokenHelp)
	case unreachable(err, cfg.BugsinkURL):
		return fatal(codeBugsinkUnreachable, "cannot reach Bugsink at BUGSINK_URL=%s (%v): check the URL and that Bugsink runs; `bsync doctor` checks it", cfg.BugsinkURL, err)
	case unreachable(err, cfg.GiteaURL):
		return fatal(codeGiteaUnreachable, "cannot reach Gitea at GITEA_URL=%s (%v): check the URL and that Gitea runs; `bsync doctor` checks it", cfg.GiteaURL, err)
	}
	return err
}

// isHTMLAnswer reports whether err is an answer that was a web page.
func isHTMLAnswer(err error) bool {
	var ae *apiclient.APIError
	return errors.As(err, &ae) && ae.Message == apiclient.HTMLAnswer
}

// unreachable reports whether err is a transport error (no answer) of a
// request to base.
func unreachable(err error, base string) bool {
	var ue *url.Error
	return base != "" && errors.As(err, &ue) && strings.HasPrefix(ue.URL, base)
}
