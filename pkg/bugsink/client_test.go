package bugsink_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
)

func fastOpts() apiclient.Options {
	return apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 10 * time.Millisecond, Timeout: 2 * time.Second}
}

func newPair(t *testing.T, opts ...bugsinktest.Option) (*bugsinktest.Server, *bugsink.Client) {
	t.Helper()
	srv := bugsinktest.New(opts...)
	t.Cleanup(srv.Close)
	return srv, bugsink.New(srv.URL, bugsinktest.Token, fastOpts())
}

func TestIssuePagesFollowsCursorToTheEnd(t *testing.T) {
	srv, c := newPair(t, bugsinktest.WithPageSize(7))
	srv.AddProject("backend", "Backend")
	srv.AddProject("other", "Other")
	for i := 0; i < 30; i++ {
		srv.AddIssue("backend", bugsinktest.IssueSpec{Type: "E", Value: "v", Resolved: i%3 == 0})
	}
	srv.AddIssue("other", bugsinktest.IssueSpec{})
	var pages, total int
	seen := map[string]bool{}
	for page, err := range c.IssuePages(t.Context(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, is := range page {
			if seen[is.ID] {
				t.Errorf("issue %s listed twice", is.ID)
			}
			seen[is.ID] = true
			if is.Project != 1 {
				t.Errorf("issue of project %d in project 1's listing", is.Project)
			}
			total++
		}
	}
	if total != 30 || pages != 5 {
		t.Errorf("got %d issues on %d pages, want 30 on 5 (7 a page)", total, pages)
	}
}

func TestNextLinkWithWrongHostIsReissuedAgainstBaseURL(t *testing.T) {
	// Behind a misconfigured proxy "next" names an internal host; the
	// client must keep talking to the configured URL (and keep the token there).
	srv, c := newPair(t, bugsinktest.WithPageSize(2), bugsinktest.WithNextHost("http://internal.invalid:8000"))
	srv.AddProject("p", "P")
	for i := 0; i < 5; i++ {
		srv.AddIssue("p", bugsinktest.IssueSpec{})
	}
	n := 0
	for page, err := range c.IssuePages(t.Context(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
	}
	if n != 5 {
		t.Errorf("listed %d issues, want 5", n)
	}
}

func TestProjectsListsEveryPage(t *testing.T) {
	srv, c := newPair(t, bugsinktest.WithPageSize(2))
	for _, s := range []string{"c", "a", "b", "e", "d"} {
		srv.AddProject(s, s)
	}
	ps, err := c.Projects(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Slug)
	}
	if strings.Join(got, ",") != "a,b,c,d,e" {
		t.Errorf("projects %v, want all five in name order", got)
	}
}

func TestLatestEventReadsNewestWithPayload(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{Type: "KeyError", Value: "'x'"})
	srv.Regress(id, time.Now())
	ev, err := c.LatestEvent(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ev.DigestOrder != 2 {
		t.Errorf("read event #%d, want the newest (#2)", ev.DigestOrder)
	}
	m := ev.Data.Exception.Main()
	if m == nil || m.Type != "KeyError" || len(m.Stacktrace.Frames) != 1 {
		t.Fatalf("payload not decoded: %+v", ev.Data)
	}
}

func TestLatestEventWithoutEvents(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{NoEvents: true})
	if _, err := c.LatestEvent(t.Context(), id); !errors.Is(err, bugsink.ErrNoEvents) {
		t.Errorf("err = %v, want ErrNoEvents", err)
	}
}

func TestEventPayloadShapes(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	cases := map[string]struct {
		raw      string
		wantType string
		wantErr  bool
	}{
		"values":        {`{"exception":{"values":[{"type":"A"},{"type":"B"}]}}`, "B", false},
		"bare list":     {`{"exception":[{"type":"A"},{"type":"C"}]}`, "C", false},
		"single":        {`{"exception":{"type":"D","value":"x"}}`, "D", false},
		"string lineno": {`{"platform":"python","exception":{"values":[{"type":"E","stacktrace":{"frames":[{"lineno":"12"}]}}]}}`, "E", false},
		"odd field":     {`{"exception":{"values":[{"type":"F","value":42,"stacktrace":{"frames":[{"function":"f"}]}}]}}`, "F", false},
		"garbage level": {`{"level":{"x":1},"exception":{"values":[{"type":"G"}]}}`, "G", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			id := srv.AddIssue("p", bugsinktest.IssueSpec{RawData: []byte(tc.raw)})
			ev, err := c.LatestEvent(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if (ev.DataErr != nil) != tc.wantErr {
				t.Errorf("DataErr = %v, want error %v", ev.DataErr, tc.wantErr)
			}
			if m := ev.Data.Exception.Main(); m == nil || m.Type != tc.wantType {
				t.Errorf("main exception %+v, want type %s", m, tc.wantType)
			}
		})
	}
}

func TestResolveAndAlreadyResolved(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{})
	if err := c.Resolve(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if is, _ := srv.Issue(id); !is.IsResolved {
		t.Fatal("issue not resolved")
	}
	// Bugsink answers 400 "Issue is already resolved."; that is success.
	if err := c.Resolve(t.Context(), id); err != nil {
		t.Errorf("second resolve: %v, want nil", err)
	}
	if got := srv.CountRequests(http.MethodPost, "/resolve/"); got != 2 {
		t.Errorf("%d resolve requests, want 2", got)
	}
}

func TestResolveUnknownIssueIsNotFound(t *testing.T) {
	_, c := newPair(t)
	err := c.Resolve(t.Context(), "5b0c0000-0000-4000-8000-000000000000")
	if !bugsink.IsNotFound(err) {
		t.Fatalf("err = %v, want a 404", err)
	}
}

func TestAPIErrorsCarryRequestAndServerMessageButNoToken(t *testing.T) {
	srv := bugsinktest.New()
	defer srv.Close()
	c := bugsink.New(srv.URL, strings.Repeat("a", 40), fastOpts())
	_, err := c.Projects(t.Context())
	var ae *bugsink.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.StatusCode != 401 || ae.Method != "GET" || ae.Path != "/api/canonical/0/projects/" || ae.Message != "Invalid Bearer token." {
		t.Errorf("APIError = %+v", ae)
	}
	if strings.Contains(err.Error(), strings.Repeat("a", 40)) {
		t.Error("error text contains the token")
	}
	if !bugsink.IsUnauthorized(err) {
		t.Error("IsUnauthorized = false")
	}
}

func TestPlainTextAndListErrorBodies(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	// A malformed ref gets a bare JSON list.
	err := c.Resolve(t.Context(), "not an id!")
	var ae *bugsink.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Message != "Invalid issue identifier." {
		t.Errorf("bare list body: %v", err)
	}
}

func TestMalformedAnswerIsAClearError(t *testing.T) {
	srv := http.NewServeMux()
	srv.HandleFunc("/api/canonical/0/projects/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>login required</html>"))
	})
	hs := newHTTPServer(t, srv)
	c := bugsink.New(hs, bugsinktest.Token, fastOpts())
	_, err := c.Projects(t.Context())
	if err == nil || !strings.Contains(err.Error(), "not the expected JSON") || !strings.Contains(err.Error(), "text/html") {
		t.Errorf("err = %v, want a clear not-JSON error", err)
	}
}

func TestReadsRetryThroughFaults(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	srv.AddIssue("p", bugsinktest.IssueSpec{})
	srv.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 502, PathContains: "/issues/", Times: 1})
	srv.Faults.Add(httpfault.Rule{Kind: httpfault.RateLimit, RetryAfter: 0, PathContains: "/issues/", Times: 1})
	srv.Faults.Add(httpfault.Rule{Kind: httpfault.Drop, PathContains: "/issues/", Times: 1})
	n := 0
	for page, err := range c.IssuePages(t.Context(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
	}
	// 502, 429 and the drop are answered in front of the handler, so the
	// fourth attempt is the only one the fake serves.
	if n != 1 || srv.CountRequests(http.MethodGet, "/issues/") != 1 {
		t.Errorf("listed %d issues with %d served requests", n, srv.CountRequests(http.MethodGet, "/issues/"))
	}
	if srv.Faults.Hits(httpfault.Status)+srv.Faults.Hits(httpfault.RateLimit)+srv.Faults.Hits(httpfault.Drop) != 3 {
		t.Error("not every fault was injected")
	}
}

func TestResolveIsNotRetriedAfterADroppedAnswer(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{})
	srv.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 503, Method: http.MethodPost, Times: 1})
	if err := c.Resolve(t.Context(), id); bugsink.StatusCode(err) != 503 {
		t.Fatalf("err = %v, want the 503", err)
	}
	if is, _ := srv.Issue(id); is.IsResolved {
		t.Error("resolved although the only attempt failed")
	}
}

func TestContextIsHonoured(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	srv.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Projects(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}

func TestCommentPostsToIssueComments(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{})
	if err := c.Comment(t.Context(), id, "Gitea issue #3"); err != nil {
		t.Fatal(err)
	}
	cs := srv.Comments()
	if len(cs) != 1 || cs[0].Issue != id || cs[0].Comment != "Gitea issue #3" {
		t.Errorf("comments = %+v", cs)
	}
}

func TestResolveSupportReadsPEP440Versions(t *testing.T) {
	cases := map[string]bugsink.Support{
		"1.0.0": bugsink.Unsupported, "2.0.0": bugsink.Unsupported, "2.2.0": bugsink.Unsupported,
		"2.2.1": bugsink.Supported, "2.4.0": bugsink.Supported, "2.5.0": bugsink.Supported, "3.0.0": bugsink.Supported,
		"v2.10.1": bugsink.Supported, "2.10": bugsink.Supported, "2.2.1.post1": bugsink.Supported,
		// setuptools_scm builds of a commit, and pre-releases
		"2.5.1.dev49+g5b09ae57": bugsink.Supported, "2.6.0rc1": bugsink.Supported, "2.6.0b2": bugsink.Supported,
		"2.3.0.dev3+gabc.d20260101": bugsink.Supported, "2.2.0.post3.dev1": bugsink.Unsupported,
		"2.1.9rc1": bugsink.Unsupported,
		// cannot tell
		"0.0.0+unknown": bugsink.UnknownSupport, "": bugsink.UnknownSupport, "dev": bugsink.UnknownSupport,
		"2.2.1rc1": bugsink.UnknownSupport, "2.2.1.dev7+g1234567": bugsink.UnknownSupport,
	}
	for v, want := range cases {
		if got := bugsink.ResolveSupport(v); got != want {
			t.Errorf("ResolveSupport(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestPEP440Order(t *testing.T) {
	// Ascending, as PEP 440's examples order them.
	order := []string{"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
		"1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0.post456.dev34",
		"1.0.post456", "1.0.15", "1.1.dev1"}
	for i := 1; i < len(order); i++ {
		a, err1 := bugsink.ParseVersion(order[i-1])
		b, err2 := bugsink.ParseVersion(order[i])
		if err1 != nil || err2 != nil {
			t.Fatalf("parse: %v %v", err1, err2)
		}
		want := -1
		if order[i] == "1.0+abc.5" {
			want = 0 // the local part does not order
		}
		if got := a.Compare(b); got != want {
			t.Errorf("%s vs %s: %d, want %d", order[i-1], order[i], got, want)
		}
	}
}

func TestServerVersion(t *testing.T) {
	srv, c := newPair(t)
	srv.SetVersion("2.5.0")
	if v, err := c.ServerVersion(t.Context()); err != nil || v != "2.5.0" {
		t.Errorf("version %q, %v", v, err)
	}
}

func TestIssuePagesMarksIDsThatAreNotUUIDs(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("backend", "Backend")
	good := srv.AddIssue("backend", bugsinktest.IssueSpec{})
	srv.AddIssue("backend", bugsinktest.IssueSpec{ID: "NOT-A-UUID"})
	srv.AddIssue("backend", bugsinktest.IssueSpec{ID: strings.ToUpper(good[:35]) + "f"})
	var bad []string
	for page, err := range c.IssuePages(t.Context(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range page {
			if (is.IDErr != nil) != (is.ID != good) {
				t.Errorf("%s: IDErr %v", is.ID, is.IDErr)
			}
			if is.IDErr != nil {
				bad = append(bad, is.ID)
			}
		}
	}
	if len(bad) != 2 {
		t.Errorf("marked %v, want the two malformed ids", bad)
	}
}
