package cmd

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"bsync/pkg/gitea"
)

// The Gitea token needs two scopes: write:issue (issues, labels, comments)
// and read:repository (the repository, its code, tags and assignees: code
// links and owners). Gitea checks them per route group
// (routers/api/v1/api.go, tokenRequiresScopes) and names the missing one
// in its 403: "token does not have at least one of required scope(s),
// required=[write:issue], token scope=…".
const (
	scopeIssue = "write:issue"
	scopeRepo  = "read:repository"
	tokenHelp  = "create a Gitea access token with the scopes write:issue and read:repository and set GITEA_API_TOKEN"
)

// missingScope returns the scope a Gitea 403 says the token lacks, or "".
func missingScope(err error) string {
	if gitea.StatusCode(err) != http.StatusForbidden {
		return ""
	}
	_, rest, ok := strings.Cut(err.Error(), "required=[")
	if !ok {
		return ""
	}
	scope, _, _ := strings.Cut(rest, "]")
	return scope
}

// Error codes of the Gitea checks every run makes.
const (
	codeGiteaToken errorCode = "gitea_token"
	codeGiteaScope errorCode = "gitea_token_scope"
)

// giteaPreflight is every run's cheap check that the Gitea side works,
// made before the pass so a broken setup fails also while nothing is new.
// A label create with an empty body, which Gitea refuses with 422 only
// once it has accepted the token, its write:issue scope, the repository
// and its user's write access (nothing is created); when only the write
// access is missing, an empty issue create checks that issues can still
// be filed (without labels). Then the repository itself, which needs
// read:repository for code links and owners. A missing read:repository,
// or no write access, is a warning: issues are still filed. It returns
// the warnings, or an *exitError (exit 1) naming what to fix.
func giteaPreflight(ctx context.Context, gc *gitea.Client, cfg *config) ([]string, error) {
	repo := cfg.GiteaOwner + "/" + cfg.GiteaRepo
	var warnings []string
	err := gc.ProbeLabelWrite(ctx)
	if gitea.StatusCode(err) == http.StatusForbidden && missingScope(err) == "" {
		warnings = append(warnings, fmt.Sprintf("the token's user has no write access to %s: Gitea files its issues without labels or assignees; make the user a collaborator with write access", repo))
		err = gc.ProbeIssueWrite(ctx)
	}
	if gitea.IsNotFound(err) {
		// Gitea's API answers for an existing version: if it does not,
		// GITEA_URL is not Gitea's base URL; else the repository is missing.
		if _, verr := gc.Version(ctx); verr != nil {
			return nil, &exitError{code: exitFatal, name: codeGiteaURL, err: fmt.Errorf(
				"the Gitea API is not at GITEA_URL=%s (%v): set GITEA_URL to Gitea's base URL, the address of its home page (with its sub-path, if any)", cfg.GiteaURL, err)}
		}
	}
	if err != nil {
		return nil, preflightError(err, cfg)
	}
	_, err = gc.Repository(ctx)
	switch {
	case missingScope(err) == scopeRepo:
		warnings = append(warnings, fmt.Sprintf("code links and owners are off: GITEA_API_TOKEN lacks the %s scope (Gitea refused reading %s); give the token %s as well as %s", scopeRepo, repo, scopeRepo, scopeIssue))
	case err != nil:
		warnings = append(warnings, fmt.Sprintf("could not read repository %s (%v): code links and owners may be off", repo, err))
	}
	return warnings, nil
}

// preflightError names what the issue-create probe's refusal means.
func preflightError(err error, cfg *config) error {
	repo := cfg.GiteaOwner + "/" + cfg.GiteaRepo
	fatal := func(name errorCode, format string, a ...any) error {
		return &exitError{code: exitFatal, name: name, err: fmt.Errorf("nothing was synced: "+format, a...)}
	}
	switch status := gitea.StatusCode(err); {
	case status == http.StatusUnauthorized:
		return fatal(codeGiteaToken, "Gitea refused the token (%v): it is wrong, expired or revoked; %s", err, tokenHelp)
	case missingScope(err) != "":
		return fatal(codeGiteaScope, "GITEA_API_TOKEN lacks the %s scope (%v); %s", missingScope(err), err, tokenHelp)
	case status == http.StatusNotFound:
		return fatal(codeGiteaRepository, "%v; check GITEA_OWNER and GITEA_REPO", err)
	case status == http.StatusLocked:
		return fatal(codeGiteaRepository, "gitea repository %s is archived: issues cannot be created", repo)
	case status == http.StatusForbidden:
		return fatal(codeGiteaToken, "Gitea does not let the token's user file issues in %s (%v): give the user access to the repository", repo, err)
	}
	return explain(fmt.Errorf("check that issues can be filed in gitea repository %s: %w", repo, err), cfg)
}
