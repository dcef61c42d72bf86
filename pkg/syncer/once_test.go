package syncer

import (
	"bytes"
	"context"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/syncstate"
)

// runBounded runs eng under a context that ends after limit, and fails the
// test as hung when Run has not returned well after that.
func runBounded(t *testing.T, eng *Engine, limit time.Duration) (*Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := eng.Run(ctx)
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		return r.rep, r.err
	case <-time.After(limit + 20*time.Second):
		t.Fatalf("the run did not return 20 s after its context ended: hung")
		return nil, nil
	}
}

// A slug named twice is one project: listed, worked on and reported once,
// in a full pass under --max-create (where every new issue used to get two
// Gitea issues) and in an incremental one (where the second round used to
// wait for ever on a read-ahead listing already used).
func TestARepeatedSlugIsOneProject(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 3)
	twice := []string{"shop-backend", "shop-backend"}
	rep, err := runBounded(t, e.engine(Options{Projects: twice, MaxCreate: 10}), time.Minute)
	if err != nil {
		t.Fatalf("full pass: %v", err)
	}
	if rep.Synced != 3 || len(rep.Projects) != 1 {
		t.Fatalf("full pass: synced %d, %d projects reported, %v", rep.Synced, len(rep.Projects), err)
	}
	e.assertExactlyOnce(t, ids)
	ids = append(ids, e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "new", LastSeen: e.now.Add(time.Minute)}))
	rep, err = runBounded(t, e.engine(Options{Projects: twice}), time.Minute)
	if err != nil {
		t.Fatalf("incremental pass: %v", err)
	}
	if rep.Pass != PassIncremental || rep.Synced != 1 || len(rep.Projects) != 1 {
		t.Fatalf("incremental pass: pass %s, synced %d, %d projects reported, %v", rep.Pass, rep.Synced, len(rep.Projects), err)
	}
	e.assertExactlyOnce(t, ids)
}

// eventBetween digests one more event of an issue right before the first
// page of the last_seen listing is read: after the digest_order page, which
// showed the issue as slipped (digested late, last seen below the cutoff),
// so that both listings hold it.
type eventBetween struct {
	BugsinkAPI
	once   sync.Once
	digest func()
}

func (b *eventBetween) IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]bugsink.Issue, error] {
	inner := b.BugsinkAPI.IssuePagesBy(ctx, projectID, sort, desc)
	if sort != bugsink.SortLastSeen {
		return inner
	}
	return func(yield func([]bugsink.Issue, error) bool) {
		b.once.Do(b.digest)
		inner(yield)
	}
}

// debugLog is a logger that keeps every line, debug ones too.
func debugLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// An issue digested late (kept by the digest_order scan as slipped) that
// gets one more event before the last_seen page is read is in both
// listings. It is worked on once: its stale second copy is not taken for
// an issue a person reopened in Bugsink, and under --max-create it is
// queued once.
func TestAnIssueInBothIncrementalListingsIsWorkedOnOnce(t *testing.T) {
	for _, capped := range []int{0, 5} {
		e := newEnv(t)
		seedHistory(e, "shop-backend", 10)
		e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
		e.run(t, Options{})
		late := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Late", LastSeen: e.now.Add(-time.Hour)})
		eng := e.engine(Options{MaxCreate: capped})
		eng.Bugsink = &eventBetween{BugsinkAPI: e.bc, digest: func() { e.bs.Ingest(late, e.now.Add(time.Minute), "") }}
		var logs *bytes.Buffer
		eng.Log, logs = debugLog()
		rep, err := runBounded(t, eng, time.Minute)
		if err != nil || rep.Pass != PassIncremental {
			t.Fatalf("max-create %d: pass %s, %v", capped, rep.Pass, err)
		}
		if rep.Synced != 1 || rep.ReopenedInBugsink != 0 || rep.Resolved != 0 || rep.Projects[0].Unresolved != 1 {
			t.Errorf("max-create %d: synced %d, reopened in bugsink %d, resolved again %d, unresolved %d",
				capped, rep.Synced, rep.ReopenedInBugsink, rep.Resolved, rep.Projects[0].Unresolved)
		}
		e.assertExactlyOnce(t, []string{late})
		if entry, _, _ := e.store.Get(t.Context(), late); entry.Record == nil || !entry.Record.ReopenedAt.IsZero() {
			t.Errorf("max-create %d: the mapping says a person reopened it: %+v", capped, entry.Record)
		}
		if !strings.Contains(logs.String(), "taken up already this run") {
			t.Errorf("max-create %d: no debug line for the second copy:\n%s", capped, logs)
		}
	}
}

// An issue in the leftover set of an earlier run that this run's listing
// took up already is not read and worked on again: here the listing found
// nothing to do (synced, left unresolved on purpose), so it leaves the set
// unread, and it is counted once.
func TestALeftoverTheListingTookUpIsNotReadAgain(t *testing.T) {
	e := newEnv(t)
	id := settledLeftover(t, e, e.now.Add(-5*time.Minute)) // listed again next run
	e.bs.ResetRequests()
	rep := e.run(t, Options{NoResolve: true})
	if rep.Pass != PassIncremental || rep.Skipped != 1 || rep.Projects[0].Unresolved != 1 || rep.Projects[0].Leftovers != 0 {
		t.Errorf("pass %s: skipped %d, unresolved %d, leftovers read %d", rep.Pass, rep.Skipped, rep.Projects[0].Unresolved, rep.Projects[0].Leftovers)
	}
	if n := e.bs.CountRequests(http.MethodGet, "/issues/"+id+"/"); n != 0 {
		t.Errorf("read again %d time(s) on its own", n)
	}
	if left, _ := e.store.Leftovers(t.Context(), 1); len(left) != 0 {
		t.Errorf("leftovers %v", left)
	}
	e.assertExactlyOnce(t, []string{id})
}

// A new issue waiting in the leftover set under --max-create that the
// listing finds again is queued once and created once.
func TestAWaitingLeftoverListedAgainIsCreatedOnce(t *testing.T) {
	e := newEnv(t)
	seedHistory(e, "shop-backend", 5)
	first := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "A", FirstSeen: e.now.Add(-3 * time.Hour), LastSeen: e.now.Add(-5 * time.Minute)})
	second := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "B", FirstSeen: e.now.Add(-2 * time.Hour), LastSeen: e.now.Add(-4 * time.Minute)})
	e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "Newest", Resolved: true, LastSeen: e.now})
	if rep := e.run(t, Options{MaxCreate: 1}); rep.Synced != 1 || rep.Deferred != 1 {
		t.Fatalf("first run: synced %d, deferred %d", rep.Synced, rep.Deferred)
	}
	rep := e.run(t, Options{MaxCreate: 5, Concurrency: 4})
	if rep.Pass != PassIncremental || rep.Synced != 1 || rep.Deferred != 0 {
		t.Errorf("second run: pass %s, synced %d, deferred %d", rep.Pass, rep.Synced, rep.Deferred)
	}
	e.assertExactlyOnce(t, []string{first, second})
}

// staleLookup answers every lookup as if nothing were mapped or reserved,
// as a lookup that another create overtook would.
type staleLookup struct{ StateStore }

func (staleLookup) LookupState(context.Context, []string) (map[string]syncstate.IssueState, error) {
	return map[string]syncstate.IssueState{}, nil
}

// The state is checked again right before each create, in the step that
// writes its reservation: an issue mapped since it was looked up is not
// created again, and one another create reserved meanwhile is left to a
// later run, its reservation untouched.
func TestACreateChecksTheStateRightBefore(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 2)
	e.run(t, Options{})
	for _, id := range ids {
		e.bs.Reopen(id)
	}
	other := e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "other"})
	if err := e.store.Reserve(t.Context(), other, syncstate.Reservation{At: e.now, Run: "another"}, nil); err != nil {
		t.Fatal(err)
	}
	eng := e.engine(Options{Full: true})
	eng.State = staleLookup{e.store}
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Synced != 0 || rep.Skipped != 2 || rep.Deferred != 1 {
		t.Fatalf("synced %d, skipped %d, deferred %d, %v", rep.Synced, rep.Skipped, rep.Deferred, err)
	}
	if n := len(e.gt.Issues()); n != 2 {
		t.Errorf("%d gitea issues, want the 2 made before", n)
	}
	if p := e.pendingKeys(t); len(p) != 1 {
		t.Errorf("reservations %v, want the other create's alone", p)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "another create reserved") }) {
		t.Errorf("warnings %v", rep.Warnings)
	}
}
