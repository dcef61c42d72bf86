package cmd

import (
	"fmt"
	"net/url"
	"strings"
)

// URL mistakes a first configuration makes: a page of the server's web
// interface copied from the browser instead of the server's base URL.
// Each is named with the URL to use instead.

// bugsinkPages are the first path segments of Bugsink's own pages and API
// (bugsink/urls.py): a BUGSINK_URL whose path holds one points into
// Bugsink, not at its base.
var bugsinkPages = []string{"projects", "issues", "events", "accounts", "api", "teams", "bsmain", "admin"}

// urlMistakes checks BUGSINK_URL and GITEA_URL, of the remotes a command
// talks to, against the other settings.
func urlMistakes(c *config, need needs) []string {
	var problems []string
	if need&needBugsink == 0 {
		c = &config{GiteaURL: c.GiteaURL, GiteaOwner: c.GiteaOwner, GiteaRepo: c.GiteaRepo}
	}
	if need&needGitea == 0 {
		c = &config{BugsinkURL: c.BugsinkURL}
	}
	if base, page, ok := cutAtSegment(c.BugsinkURL, bugsinkPages...); ok {
		problems = append(problems, fmt.Sprintf("BUGSINK_URL %s is a page of Bugsink (%s), not its base URL: set BUGSINK_URL=%s", c.BugsinkURL, page, base))
	}
	if base, _, ok := cutAtSegment(c.GiteaURL, "api"); ok {
		problems = append(problems, fmt.Sprintf("GITEA_URL %s names Gitea's API, not its base URL: set GITEA_URL=%s (bsync adds /api/v1)", c.GiteaURL, base))
	} else if c.GiteaOwner != "" && c.GiteaRepo != "" {
		if base, ok := cutRepoPage(c.GiteaURL, c.GiteaOwner, c.GiteaRepo); ok {
			problems = append(problems, fmt.Sprintf("GITEA_URL %s is the page of repository %s/%s, not Gitea's base URL: set GITEA_URL=%s (the repository is GITEA_OWNER and GITEA_REPO)", c.GiteaURL, c.GiteaOwner, c.GiteaRepo, base))
		}
	}
	return problems
}

// cutAtSegment finds the first path segment of raw that is one of names,
// and returns the URL before it and that segment.
func cutAtSegment(raw string, names ...string) (base, segment string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "", "", false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		for _, n := range names {
			if strings.EqualFold(s, n) {
				u.Path = "/" + strings.Join(segs[:i], "/")
				return strings.TrimRight(u.String(), "/"), "/" + strings.Join(segs[i:], "/"), true
			}
		}
	}
	return "", "", false
}

// cutRepoPage finds /owner/repo in raw's path and returns the URL before it.
func cutRepoPage(raw, owner, repo string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], owner) && strings.EqualFold(segs[i+1], repo) {
			u.Path = "/" + strings.Join(segs[:i], "/")
			return strings.TrimRight(u.String(), "/"), true
		}
	}
	return "", false
}
