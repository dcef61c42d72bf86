package bugsinktest_test

import (
	"fmt"
	"strings"
	"testing"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/peertest"
)

// listedType names the n-th issue of a listing with letters only
// (ListedAError, ListedBError, …, ListedAaError, …), each its own issue.
func listedType(n int) string {
	s := ""
	for n++; n > 0; n = (n - 1) / 26 {
		s = string(rune('a'+(n-1)%26)) + s
	}
	return "Listed" + strings.ToUpper(s[:1]) + s[1:] + "Error"
}

// TestRealBugsinkContractPages covers the issue listings bsync makes over
// more than one page (Bugsink's fixed 250), in both sorts and both
// directions, with an issue added and an issue seen again between the two
// pages, as happens during a scan: the second page must hold the same
// issues on both sides.
func TestRealBugsinkContractPages(t *testing.T) {
	t.Parallel() // each has its own projects and fake
	p := newBugsinkPair(t)
	proj := p.project(t, "pages")
	const n = bugsinktest.DefaultPageSize + 5
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = exception(listedType(i), "listed")
	}
	p.real.StoreMany(t, proj, events)
	p.mirrorIssues(t, proj, 1)
	order := n
	for _, c := range []struct {
		sort string
		desc bool
	}{{bugsink.SortDigestOrder, false}, {bugsink.SortDigestOrder, true}, {bugsink.SortLastSeen, true}, {bugsink.SortLastSeen, false}} {
		t.Run(fmt.Sprintf("%s desc=%v", c.sort, c.desc), func(t *testing.T) {
			dir := map[bool]string{false: "asc", true: "desc"}[c.desc]
			path := "/issues/?project={pages}&sort=" + c.sort + "&order=" + dir
			same := []peertest.Option{peertest.Values("results[].calculated_type", "results[].digest_order"), peertest.Fits("results[]", bugsink.Issue{})}
			r, f := p.Same(t, peertest.Call{Method: "GET", Path: path}, same...)
			rq, fq := nextQuery(t, r), nextQuery(t, f)
			if rq == "" || fq == "" {
				t.Fatalf("a listing of %d issues has no second page: real next %q, fake next %q", order, rq, fq)
			}
			// Mid-scan: a new issue, and the first issue of the page seen
			// again (it moves in the last_seen orders).
			order++
			p.real.Store(t, proj, exception(listedType(order), "listed"))
			p.mirrorIssues(t, proj, order)
			p.seenAgain(t, proj, firstOf(t, r, "calculated_type"))
			p.Set("next", rq, fq)
			r2, _ := p.Same(t, peertest.Call{Method: "GET", Path: "/issues/?{next}"}, append(same, peertest.Values("next"), p.Diffs.Ignore(t, "no-previous", "previous"))...)
			if nextQuery(t, r2) != "" {
				t.Errorf("the second page has a next link: %s", r2.Body)
			}
		})
	}
}

// mirrorIssues seeds the fake with the real project's issues from the
// from-th on, in digest order, with the same types, values and times;
// {<type>} is each one's id on each side.
func (p *bugsinkPair) mirrorIssues(t *testing.T, proj peertest.Project, from int) {
	t.Helper()
	client := bugsink.New(p.real.URL, p.real.Token, apiclient.Options{Retries: -1})
	for rows, err := range client.IssuePages(t.Context(), proj.ID) {
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range rows {
			if is.DigestOrder < from {
				continue
			}
			fid := p.fake.AddIssue(proj.Slug, bugsinktest.IssueSpec{Type: is.CalculatedType, Value: is.CalculatedValue,
				FirstSeen: is.FirstSeen, LastSeen: is.LastSeen, Count: is.DigestedEventCount, Transaction: is.Transaction})
			p.Set(is.CalculatedType, is.ID, fid)
		}
	}
}

// seenAgain sends one more event of the issue of type typ to the real
// server and has the fake digest it at the same time.
func (p *bugsinkPair) seenAgain(t *testing.T, proj peertest.Project, typ string) {
	t.Helper()
	p.real.Store(t, proj, exception(typ, "listed"))
	is := p.readIssue(t, p.Real.IDs["{"+typ+"}"])
	if is.CalculatedType != typ {
		t.Fatalf("the event of type %s went to issue %s (%s)", typ, is.ID, is.CalculatedType)
	}
	p.fake.Ingest(p.Fake.IDs["{"+typ+"}"], is.LastSeen, "")
}
