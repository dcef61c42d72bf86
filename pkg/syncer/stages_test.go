package syncer

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
)

// gatedGitea holds each create until ready says so (or fails it after a
// while), to see what the run does meanwhile.
type gatedGitea struct {
	GiteaAPI
	ready func() bool
}

func (g gatedGitea) CreateIssue(ctx context.Context, opt gitea.CreateIssueOption) (*gitea.Issue, error) {
	for deadline := time.Now().Add(5 * time.Second); !g.ready(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return nil, errors.New("the events of the next issues were not read while this create waited")
		}
	}
	return g.GiteaAPI.CreateIssue(ctx, opt)
}

// Event reads run ahead of the creates: while Gitea works on one create,
// the next issues' events are read, so the next create need not wait on
// Bugsink.
func TestEventReadsRunAheadOfCreates(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 6)
	eng := e.engine(Options{Concurrency: 1, BugsinkConcurrency: 2})
	creates := 0
	eng.Gitea = gatedGitea{GiteaAPI: e.gc, ready: func() bool {
		// Each read is the event list and the event: the issue being
		// created and at least two behind it.
		return e.bs.CountRequests(http.MethodGet, "/events/") >= 2*min(creates+3, len(ids))
	}}
	eng.Gitea = countCreates{eng.Gitea, &creates}
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Synced != len(ids) {
		t.Fatalf("synced %d, %v; errors %v", rep.Synced, err, rep.Errors)
	}
	e.assertExactlyOnce(t, ids)
}

type countCreates struct {
	GiteaAPI
	n *int
}

func (c countCreates) CreateIssue(ctx context.Context, opt gitea.CreateIssueOption) (*gitea.Issue, error) {
	gi, err := c.GiteaAPI.CreateIssue(ctx, opt)
	*c.n++ // Concurrency 1: one create at a time
	return gi, err
}

// inFlight records the most Bugsink calls in flight at once.
type inFlight struct {
	BugsinkAPI
	mu       sync.Mutex
	now, max int
}

func (f *inFlight) track() func() {
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	f.mu.Unlock()
	return func() { f.mu.Lock(); f.now--; f.mu.Unlock() }
}

func (f *inFlight) LatestEvent(ctx context.Context, id string) (*bugsink.Event, error) {
	defer f.track()()
	return f.BugsinkAPI.LatestEvent(ctx, id)
}

func (f *inFlight) Resolve(ctx context.Context, ref string) error {
	defer f.track()()
	return f.BugsinkAPI.Resolve(ctx, ref)
}

func (f *inFlight) Comment(ctx context.Context, ref, text string) error {
	defer f.track()()
	return f.BugsinkAPI.Comment(ctx, ref, text)
}

func TestBugsinkCallsInFlightAreBounded(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 20)
	e.bs.Faults.SetLatency(2 * time.Millisecond)
	eng := e.engine(Options{Concurrency: 8, BugsinkConcurrency: 2, BackLink: true})
	f := &inFlight{BugsinkAPI: e.bc}
	eng.Bugsink = f
	if rep, err := eng.Run(t.Context()); err != nil || rep.Synced != len(ids) {
		t.Fatalf("synced %d, %v", rep.Synced, err)
	}
	if f.max > 2 {
		t.Errorf("%d bugsink calls in flight, want at most 2", f.max)
	}
}

// cancelOnCreate ends the run during its first create, once other issues
// were read ahead and reserved and wait for Gitea.
type cancelOnCreate struct {
	GiteaAPI
	cancel  context.CancelFunc
	waiting func() bool
}

func (c cancelOnCreate) CreateIssue(ctx context.Context, opt gitea.CreateIssueOption) (*gitea.Issue, error) {
	for deadline := time.Now().Add(2 * time.Second); !c.waiting() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	c.cancel()
	return c.GiteaAPI.CreateIssue(ctx, opt)
}

// Issues read ahead and reserved while they waited for Gitea are left
// untouched when the run ends first: no reservation stays behind to delay
// them, and only the create in hand is finished.
func TestIssuesWaitingForGiteaAreLeftUntouchedByAnInterruption(t *testing.T) {
	e := newEnv(t)
	seedProject(e, 6)
	if err := e.store.MarkStateComplete(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	eng := e.engine(Options{Concurrency: 1, BugsinkConcurrency: 4})
	eng.Gitea = cancelOnCreate{GiteaAPI: e.gc, cancel: cancel, waiting: func() bool { return len(e.pendingKeys(t)) >= 3 }}
	rep, err := eng.Run(ctx)
	if !errors.Is(err, ErrInterrupted) || rep.Synced != 1 || len(e.gt.Issues()) != 1 {
		t.Fatalf("run returned %v; synced %d, %d gitea issues", err, rep.Synced, len(e.gt.Issues()))
	}
	if keys := e.pendingKeys(t); len(keys) != 0 {
		t.Errorf("reservations left behind: %v", keys)
	}
}
