package gitea_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
)

// caps are the page caps every listing is tested at: a Gitea set lower
// than its default, and the default.
var caps = []int{30, 50}

func TestEveryListingReadsEveryPageAtTheServersCap(t *testing.T) {
	for _, limit := range caps {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			srv, c := newPair(t, giteatest.WithMaxResponseItems(limit))
			for i := 0; i < 65; i++ {
				srv.AddLabel(fmt.Sprintf("l%02d", i), "#aabbcc")
			}
			ls, err := c.Labels(t.Context())
			if err != nil || len(ls) != 65 {
				t.Fatalf("got %d labels (%v), want all 65", len(ls), err)
			}
			pages := (65 + limit - 1) / limit
			if n := srv.CountRequests(http.MethodGet, "/labels"); n != pages {
				t.Errorf("%d label pages fetched, want %d", n, pages)
			}
			for i := 0; i < 2*limit+1; i++ {
				if _, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			n := 0
			for rows, err := range c.Issues(t.Context(), "", gitea.MaxPages) {
				if err != nil {
					t.Fatal(err)
				}
				n += len(rows)
			}
			if n != 2*limit+1 {
				t.Errorf("listed %d issues, want %d", n, 2*limit+1)
			}
			// The cap is learned once per client, not per listing.
			if n := srv.CountRequests(http.MethodGet, "/settings/api"); n != 1 {
				t.Errorf("%d reads of /settings/api, want 1", n)
			}
		})
	}
}

func TestWithoutTheSettingsEndpointOnlyAnEmptyPageEndsAListing(t *testing.T) {
	for _, limit := range caps {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			srv, c := newPair(t, giteatest.WithMaxResponseItems(limit), giteatest.WithoutSettingsAPI())
			for i := 0; i < 65; i++ {
				srv.AddLabel(fmt.Sprintf("l%02d", i), "#aabbcc")
			}
			ls, err := c.Labels(t.Context())
			if err != nil || len(ls) != 65 {
				t.Fatalf("got %d labels (%v), want all 65", len(ls), err)
			}
			if c.PageSize(t.Context()) != 0 {
				t.Error("a page size was made up")
			}
		})
	}
}

func TestAListingPastItsPageCapFails(t *testing.T) {
	srv, c := newPair(t, giteatest.WithMaxResponseItems(30))
	for i := 0; i < 61; i++ {
		srv.AddLabel(fmt.Sprint(i), "#aabbcc")
		if _, err := c.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var last error
	n := 0
	for rows, err := range c.Issues(t.Context(), "", 2) {
		n += len(rows)
		last = err
	}
	if !errors.Is(last, gitea.ErrPageCap) || n != 60 {
		t.Errorf("read %d issues, ended with %v; want 60 and ErrPageCap", n, last)
	}
}

func TestEnsureLabelsFindsLabelsBeyondTheFirstPage(t *testing.T) {
	for _, limit := range caps {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			srv, c := newPair(t, giteatest.WithMaxResponseItems(limit))
			for i := 0; i < limit; i++ {
				srv.AddLabel(fmt.Sprintf("a%02d", i), "#aabbcc") // sorts before "bug:…"
			}
			want := srv.AddLabel("bug:backend", "#ea580c")
			ids, err := c.EnsureLabels(t.Context(), []gitea.LabelSpec{{Name: "bug:backend", Color: "#ea580c"}}, true)
			if err != nil || ids["bug:backend"] != want {
				t.Errorf("bug:backend → %v (%v), want the existing id %d", ids, err, want)
			}
			if n := len(srv.Labels()); n != limit+1 {
				t.Errorf("%d labels, want %d: a duplicate was created", n, limit+1)
			}
		})
	}
}
