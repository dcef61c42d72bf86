package gitea_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/httpfault"
)

func newPair(t *testing.T, opts ...giteatest.Option) (*giteatest.Server, *gitea.Client) {
	t.Helper()
	srv := giteatest.New("acme", "app", opts...)
	t.Cleanup(srv.Close)
	return srv, gitea.New(srv.URL, giteatest.Token, "acme", "app",
		apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 10 * time.Millisecond, Timeout: 2 * time.Second})
}

func TestEnsureLabelsReusesExactNamesAndCreatesMissingOnce(t *testing.T) {
	srv, c := newPair(t)
	srv.AddLabel("Bug:Backend", "#000000") // different case: not a match
	dupLow := srv.AddLabel("env:test", "#111111")
	srv.AddLabel("env:test", "#222222") // a duplicate name: the lowest id wins
	want := []gitea.LabelSpec{{Name: "bug:backend", Color: "#ea580c"}, {Name: "env:test", Color: "#2563eb"}}
	ids, err := c.EnsureLabels(t.Context(), want, true)
	if err != nil {
		t.Fatal(err)
	}
	if ids["env:test"] != dupLow {
		t.Errorf("env:test → %d, want the lowest id %d", ids["env:test"], dupLow)
	}
	ids2, err := c.EnsureLabels(t.Context(), want, true)
	if err != nil {
		t.Fatal(err)
	}
	if ids2["bug:backend"] != ids["bug:backend"] {
		t.Error("a second EnsureLabels created another bug:backend")
	}
	n := 0
	for _, l := range srv.Labels() {
		if l.Name == "bug:backend" {
			n++
			if l.Color != "#ea580c" {
				t.Errorf("created with colour %s", l.Color)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d labels named bug:backend, want 1", n)
	}
}

func TestEnsureLabelsWithoutCreateWritesNothing(t *testing.T) {
	srv, c := newPair(t)
	ids, err := c.EnsureLabels(t.Context(), []gitea.LabelSpec{{Name: "x", Color: "#abc"}}, false)
	if err != nil || len(ids) != 0 || len(srv.Labels()) != 0 {
		t.Errorf("ids=%v err=%v labels=%v; want nothing created", ids, err, srv.Labels())
	}
}

func TestCreateIssueSendsLabelIDs(t *testing.T) {
	srv, c := newPair(t)
	a, b := srv.AddLabel("a", "#aaaaaa"), srv.AddLabel("b", "#bbbbbb")
	is, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t", Body: "body", Labels: []int64{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	if is.Number != 1 || len(is.Labels) != 2 || !strings.HasSuffix(is.HTMLURL, "/acme/app/issues/1") {
		t.Errorf("issue = %+v", is)
	}
	if got := srv.LabelNames(1); strings.Join(got, ",") != "a,b" {
		t.Errorf("labels on the server: %v", got)
	}
}

func TestCreateIssueReportsDroppedLabels(t *testing.T) {
	srv, c := newPair(t)
	a := srv.AddLabel("a", "#aaaaaa")
	is, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t", Labels: []int64{a, 999}})
	var lm *gitea.LabelMismatchError
	if !errors.As(err, &lm) || is == nil || is.Number != 1 {
		t.Fatalf("issue=%v err=%v; want the issue and a LabelMismatchError", is, err)
	}
	if len(lm.Missing) != 1 || lm.Missing[0] != 999 {
		t.Errorf("missing = %v, want [999]", lm.Missing)
	}
}

func TestCreateIssueWithoutWriteAccessLosesAllLabels(t *testing.T) {
	srv, c := newPair(t, giteatest.WithoutWriteAccess())
	a := srv.AddLabel("a", "#aaaaaa")
	_, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t", Labels: []int64{a}})
	if !gitea.IsLabelMismatch(err) {
		t.Errorf("err = %v, want a label mismatch", err)
	}
}

func TestCreateIssueIsNeverRetried(t *testing.T) {
	srv, c := newPair(t)
	srv.Faults.Add(httpfault.Rule{Kind: httpfault.DropAfter, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	_, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t"})
	if err == nil {
		t.Fatal("want an error: the answer was lost")
	}
	// The server did create it; a blind retry would have made a second one.
	if n := len(srv.Issues()); n != 1 {
		t.Errorf("%d issues on the server, want exactly 1", n)
	}
}

func TestErrorsCarryGiteaMessage(t *testing.T) {
	srv := giteatest.New("acme", "app")
	defer srv.Close()
	cases := []struct {
		token, owner string
		status       int
		msg          string
	}{
		{"deadbeef", "acme", 401, "invalid username, password or token"},
		{giteatest.ReadOnlyToken, "acme", 403, "token does not have at least one of required scope(s)"},
		{giteatest.Token, "nobody", 404, "GetUserByName"}, // Gitea names the failed owner lookup
	}
	for _, tc := range cases {
		c := gitea.New(srv.URL, tc.token, tc.owner, "app", apiclient.Options{Retries: -1})
		_, err := c.CreateLabel(t.Context(), "x", "#fff", "")
		var ae *gitea.APIError
		if !errors.As(err, &ae) || ae.StatusCode != tc.status || !strings.HasPrefix(ae.Message, tc.msg) {
			t.Errorf("token %q owner %q: err = %v, want %d %q", tc.token[:4], tc.owner, err, tc.status, tc.msg)
		}
		if strings.Contains(err.Error(), tc.token) && len(tc.token) > 8 {
			t.Error("error text carries the token")
		}
	}
}

func TestFakeTruncatesLongTitlesLikeGitea(t *testing.T) {
	_, c := newPair(t)
	is, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: strings.Repeat("x", 300)})
	if err != nil {
		t.Fatal(err)
	}
	if r := []rune(is.Title); len(r) != 253 || r[252] != '…' {
		t.Errorf("title has %d runes, want 252 + …", len(r))
	}
}

func TestCommentSetStateAndIssue(t *testing.T) {
	srv, c := newPair(t)
	if _, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Comment(t.Context(), 1, "again"); err != nil {
		t.Fatal(err)
	}
	is, err := c.SetState(t.Context(), 1, "closed")
	if err != nil || is.State != "closed" {
		t.Fatalf("close: %v %+v", err, is)
	}
	if got, _ := c.Issue(t.Context(), 1); got.State != "closed" {
		t.Error("state not kept")
	}
	if len(srv.Comments(1)) != 1 {
		t.Error("comment not stored")
	}
	// Gitea answers 500 for a comment on a missing issue.
	if _, err := c.Comment(t.Context(), 99, "x"); gitea.StatusCode(err) != 500 {
		t.Errorf("comment on missing issue: %v, want Gitea's 500", err)
	}
}

func TestIssuesSearchesBodiesAndHonoursIndexLag(t *testing.T) {
	_, c := newPair(t, giteatest.WithIndexDelay(time.Hour))
	if _, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t", Body: "<!-- bugsink-issue: abc -->"}); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		n := 0
		for rows, err := range c.Issues(t.Context(), q, 5) {
			if err != nil {
				t.Fatal(err)
			}
			n += len(rows)
		}
		return n
	}
	if n := count("abc"); n != 0 {
		t.Errorf("search found %d before indexing, want 0 (index lag)", n)
	}
	if n := count(""); n != 1 {
		t.Errorf("plain listing found %d, want 1 (straight from the database)", n)
	}
}

func TestA404ForTheRepositoryIsToldApartFromOneForAnIssue(t *testing.T) {
	srv, c := newPair(t)
	missing := gitea.New(srv.URL, giteatest.Token, "acme", "nope", apiclient.Options{Retries: -1})
	_, err := missing.Labels(t.Context())
	if !gitea.IsRepoNotFound(err) || !gitea.IsNotFound(err) || !strings.Contains(err.Error(), "acme/nope") {
		t.Errorf("labels of a missing repository: %v, want a RepoNotFoundError naming it", err)
	}
	if _, err := missing.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "t"}); !gitea.IsRepoNotFound(err) {
		t.Errorf("create in a missing repository: %v", err)
	}
	_, err = c.Issue(t.Context(), 99)
	if !gitea.IsNotFound(err) || gitea.IsRepoNotFound(err) {
		t.Errorf("a missing issue: %v, want a plain 404", err)
	}
}
