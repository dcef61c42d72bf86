package gitea_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
)

func TestCommentsReadsEveryCommentInOneRequest(t *testing.T) {
	srv, c := newPair(t)
	is, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		if _, err := c.Comment(t.Context(), is.Number, "c"); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := c.Comments(t.Context(), is.Number)
	if err != nil || len(cs) != 60 {
		t.Fatalf("%d comments, err %v", len(cs), err)
	}
	if n := srv.CountRequests(http.MethodGet, "/comments"); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// Gitea's API takes no precondition on a body edit (routers/api/v1/repo/
// issue.go ignores content_version), so the fake does not either: the last
// write wins, and the Issue JSON carries no content_version.
func TestEditBodyIsUnconditionalAsInGitea(t *testing.T) {
	srv, c := newPair(t)
	created, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t", Body: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	srv.EditIssueBody(created.Number, "a person's text")
	before := srv.WatcherNotifications()
	if err := c.EditBody(t.Context(), created.Number, "v1"); err != nil {
		t.Fatalf("edit after a person's: %v", err)
	}
	if got := srv.Issues()[0].Body; got != "v1" {
		t.Errorf("body %q", got)
	}
	if srv.WatcherNotifications() != before {
		t.Error("a body edit notified a watcher")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/repos/acme/app/issues/1", nil)
	req.Header.Set("Authorization", "token "+giteatest.Token)
	raw, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(raw.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["content_version"]; ok {
		t.Error("the issue JSON has a content_version, which Gitea's API does not serve")
	}
}
