package gitea_test

import (
	"errors"
	"net/http"
	"testing"

	"bsync/pkg/gitea"
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

func TestEditBodyRefusesABodyChangedSinceItWasRead(t *testing.T) {
	srv, c := newPair(t)
	created, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t", Body: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	read, _ := c.Issue(t.Context(), created.Number)
	if err := c.EditBody(t.Context(), read.Number, "v1", read.ContentVersion); err != nil {
		t.Fatalf("edit at the version read: %v", err)
	}
	srv.EditIssueBody(read.Number, "a person's text")
	err = c.EditBody(t.Context(), read.Number, "v2", read.ContentVersion+1)
	if !errors.Is(err, gitea.ErrBodyChanged) {
		t.Fatalf("err = %v, want ErrBodyChanged", err)
	}
	if got := srv.Issues()[0].Body; got != "a person's text" {
		t.Errorf("body %q", got)
	}
	before := srv.WatcherNotifications()
	again, _ := c.Issue(t.Context(), read.Number)
	if err := c.EditBody(t.Context(), again.Number, "v3", again.ContentVersion); err != nil {
		t.Fatal(err)
	}
	if srv.WatcherNotifications() != before {
		t.Error("a body edit notified a watcher")
	}
}
