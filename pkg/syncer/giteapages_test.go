package syncer

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// withGiteaCap replaces the env's Gitea with one whose page cap is limit.
func withGiteaCap(t *testing.T, e *env, limit int, opts ...giteatest.Option) {
	t.Helper()
	e.gt.Close()
	e.gt = giteatest.New("acme", "app", append(opts, giteatest.WithMaxResponseItems(limit))...)
	t.Cleanup(e.gt.Close)
	e.gc = gitea.New(e.gt.URL, giteatest.Token, "acme", "app", apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond, Timeout: 2 * time.Second})
}

// markedIssues puts n issues carrying bsync's marker into Gitea, as an
// earlier run would have, and returns their Bugsink ids.
func markedIssues(t *testing.T, e *env, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		body := "text\n\n**Project**: shop-backend\n" + render.Marker(id) + "\n"
		if _, err := e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: id, Body: body}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestReindexReadsEveryPageAtTheServersCap(t *testing.T) {
	for _, limit := range []int{30, 50} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			e := newEnv(t)
			withGiteaCap(t, e, limit)
			ids := markedIssues(t, e, 2*limit+1)
			rep, found, err := e.engine(Options{}).Reindex(t.Context(), true)
			if err != nil || rep.Scanned != len(ids) || rep.Written != len(ids) || len(found) != len(ids) {
				t.Fatalf("reindex scanned %d wrote %d (%v), want all %d", rep.Scanned, rep.Written, err, len(ids))
			}
		})
	}
}

func TestAReindexStoppedAtItsPageCapFailsAndCreatesNothing(t *testing.T) {
	e := newEnv(t)
	withGiteaCap(t, e, 30)
	markedIssues(t, e, 61)
	seedProject(e, 2)
	eng := e.engine(Options{})
	eng.scanPages = 2
	_, err := eng.Run(t.Context())
	var fe *FatalError
	if !errors.As(err, &fe) || !errors.Is(err, gitea.ErrPageCap) {
		t.Fatalf("run returned %v, want a fatal page-cap error", err)
	}
	if ok, _ := e.store.StateComplete(t.Context()); ok {
		t.Error("a partial scan marked the state complete")
	}
	if n := len(e.gt.Issues()); n != 61 {
		t.Errorf("%d gitea issues, want the 61 there were: nothing may be created on a partial state", n)
	}
}

// A create whose answer was lost is found by the walk through the newest
// issues when the search index lags, also when more issues than one page
// of the server's cap were created after it.
func TestALostCreateIsFoundBeyondTheFirstPageOfTheServersCap(t *testing.T) {
	for _, limit := range []int{30, 50} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			e := newEnv(t)
			withGiteaCap(t, e, limit, giteatest.WithIndexDelay(time.Hour))
			ids := seedProject(e, 1)
			if err := e.store.MarkStateComplete(t.Context(), "test"); err != nil {
				t.Fatal(err)
			}
			// An earlier run created the issue, lost the answer and died;
			// other issues were filed after it.
			if err := e.store.Reserve(t.Context(), ids[0], syncstate.Reservation{At: time.Now(), Run: "dead"}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "lost", Body: render.Marker(ids[0])}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < limit+5; i++ {
				e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: fmt.Sprint("other ", i)})
			}
			e.now = time.Now()
			rep := e.run(t, Options{})
			if rep.Adopted != 1 || len(e.gt.Issues()) != limit+6 {
				t.Errorf("adopted %d, %d gitea issues; want the lost one adopted, no duplicate", rep.Adopted, len(e.gt.Issues()))
			}
		})
	}
}
