package syncer

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
)

// A deadline that lands while the last project is being listed must never
// pass for a finished run. The listing error used to be dropped about half
// the time (the prefetcher chose between delivering it and giving up), so
// the check is repeated.
func TestADeadlineDuringTheListingIsNeverSuccess(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 3)
	if err := e.store.MarkStateComplete(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/api/canonical/0/issues/", Delay: 5 * time.Second})
	for i := 0; i < 20; i++ {
		// The run's end comes 30 ms after the listing starts, not after
		// the run starts: on a loaded machine the project list alone can
		// take longer, and the run would end before the listing.
		ctx, cancel := context.WithCancel(t.Context())
		eng := e.engine(Options{})
		eng.Bugsink = &endAfterListingStarts{BugsinkAPI: e.bc, end: cancel, after: 30 * time.Millisecond}
		rep, err := eng.Run(ctx)
		cancel()
		var ie *InterruptedError
		if !errors.Is(err, ErrInterrupted) || !errors.As(err, &ie) {
			t.Fatalf("attempt %d: run returned %v, want it interrupted", i+1, err)
		}
		if !slices.Equal(ie.Unfinished, []string{"shop-backend"}) || !slices.Equal(rep.Unfinished, ie.Unfinished) {
			t.Fatalf("attempt %d: unfinished %v (report %v), want the project being listed", i+1, ie.Unfinished, rep.Unfinished)
		}
	}
	if n := len(e.gt.Issues()); n != 0 {
		t.Errorf("%d gitea issues from runs that never finished a listing", n)
	}
}

// endAfterListingStarts ends the run a while after the first issue
// listing starts.
type endAfterListingStarts struct {
	BugsinkAPI
	end   context.CancelFunc
	after time.Duration
	once  sync.Once
}

func (s *endAfterListingStarts) IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]bugsink.Issue, error] {
	s.once.Do(func() { time.AfterFunc(s.after, s.end) })
	return s.BugsinkAPI.IssuePagesBy(ctx, projectID, sort, desc)
}

// Under --max-create the new issues are created after every project was
// listed; a deadline before they are names their projects.
func TestADeadlineBeforeCappedCreatesNamesTheirProjects(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("a-backend", "A")
	e.bs.AddProject("b-backend", "B")
	e.bs.AddIssue("a-backend", bugsinktest.IssueSpec{Type: "E"})
	if err := e.store.MarkStateComplete(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	eng := e.engine(Options{MaxCreate: 5})
	eng.Bugsink = &stallAfter{BugsinkAPI: e.bc, n: 1} // b-backend's listing stalls
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	rep, err := eng.Run(ctx)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !slices.Equal(ie.Unfinished, []string{"a-backend", "b-backend"}) {
		t.Fatalf("run returned %v, want a-backend (its issue waits for a create) and b-backend unfinished", err)
	}
	if rep.Synced != 0 || len(e.gt.Issues()) != 0 {
		t.Errorf("synced %d", rep.Synced)
	}
}

// stallAfter lists the first n projects normally; later listings hang until
// the context ends.
type stallAfter struct {
	BugsinkAPI
	n    int
	seen []int
}

func (s *stallAfter) IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]bugsink.Issue, error] {
	if !slices.Contains(s.seen, projectID) {
		s.seen = append(s.seen, projectID)
	}
	if slices.Index(s.seen, projectID) < s.n {
		return s.BugsinkAPI.IssuePagesBy(ctx, projectID, sort, desc)
	}
	return func(yield func([]bugsink.Issue, error) bool) {
		<-ctx.Done()
		yield(nil, ctx.Err())
	}
}

// A deadline during the first run's scan of Gitea leaves every project
// unfinished and the state incomplete.
func TestADeadlineDuringTheReindexScanNamesEveryProject(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 2)
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Slow, Method: http.MethodGet, PathContains: "/issues", Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	rep, err := e.engine(Options{}).Run(ctx)
	if !errors.Is(err, ErrInterrupted) || !slices.Equal(rep.Unfinished, []string{"shop-backend"}) {
		t.Fatalf("run returned %v, unfinished %v", err, rep.Unfinished)
	}
	if ok, _ := e.store.StateComplete(t.Context()); ok {
		t.Error("an interrupted scan marked the state complete")
	}
}
