package main

import (
	"encoding/json"
	"strings"
	"testing"

	"bsync/pkg/peertest"
)

// TestRealEveryRunChecksGitea holds each run's Gitea check to a real Gitea
// 1.25.4, with nothing new in Bugsink: the tokens and repositories a first
// install gets wrong each fail (or warn) with the code and fix bsync names,
// as the fake's answers promise.
func TestRealEveryRunChecksGitea(t *testing.T) {
	p := newRealPair(t, peertest.BugsinkServer(t), "flyer-crawler-backend")
	p.sync(t)
	collaborator := func(perm string, scopes ...string) string {
		u := p.g.NewUser(t, scopes...)
		p.g.AddCollaboratorAs(t, p.acct, u.Login, perm)
		return u.Token
	}
	cases := []struct {
		name, key, value string
		exit             int
		code, says       string
	}{
		{"revoked token", "GITEA_API_TOKEN", strings.Repeat("0", 40), 1, "gitea_token", "write:issue and read:repository"},
		{"no write:issue", "GITEA_API_TOKEN", collaborator("write", "read:issue", "read:repository"), 1, "gitea_token_scope", "lacks the write:issue scope"},
		{"wrong repository", "GITEA_REPO", "nope-" + p.acct.Repo, 1, "gitea_repository", "GITEA_OWNER and GITEA_REPO"},
		{"GITEA_URL with a wrong sub-path", "GITEA_URL", p.g.URL + "/git", 1, "gitea_url", "set GITEA_URL to Gitea's base URL"},
		{"write:issue alone", "GITEA_API_TOKEN", collaborator("write", "write:issue"), 0, "", "lacks the read:repository scope"},
		{"a reader", "GITEA_API_TOKEN", collaborator("read", peertest.BsyncScopes...), 0, "", "has no write access"},
	}
	base := append([]string(nil), p.env...)
	for _, tc := range cases {
		p.env = append(append([]string(nil), base...), tc.key+"="+tc.value)
		code, doc, stderr := p.run(t, "sync")
		got := ""
		if e, ok := doc["error"].(map[string]any); ok {
			got, _ = e["code"].(string)
		}
		if code != tc.exit || got != tc.code || !strings.Contains(stderr+jsonText(t, doc), tc.says) {
			t.Errorf("%s: exit %d, code %q\n%v\n%s", tc.name, code, got, doc, stderr)
		}
	}
}

// jsonText is doc as JSON text, for a substring check.
func jsonText(t *testing.T, doc map[string]any) string {
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
