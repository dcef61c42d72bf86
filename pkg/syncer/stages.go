package syncer

import (
	"context"
	"sync"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// The work on a page's new issues runs in stages, so that Gitea, the slow
// server, never waits on Bugsink: event reads run ahead of the creates
// (up to readAhead issues), creates run Concurrency at a time against
// Gitea, and the resolve and back-link of each created issue run behind
// them, as Bugsink calls like the reads (bounded by BugsinkConcurrency).
// Each issue still goes through its steps in order: recorded before it is
// resolved.

// stages holds the slots of the run's pipeline, shared by its pages.
type stages struct {
	// ahead is held from an issue's event read until its create starts.
	ahead chan struct{}
	// gitea is held while an issue is created and recorded (or, for a
	// mapped issue, while it is revisited).
	gitea chan struct{}
}

func (e *Engine) newStages() *stages {
	return &stages{
		ahead: make(chan struct{}, 2*e.Opts.Concurrency+e.Opts.BugsinkConcurrency),
		gitea: make(chan struct{}, e.Opts.Concurrency),
	}
}

// work takes one issue, whose ahead slot the caller holds, through the
// stages. started is false when the run ended before anything was written
// for it: the issue is untouched, and left to a later run. Once its first
// write began, an issue is finished even when the run is interrupted, for
// FinishGrace at most (inHand): it ends untouched or fully recorded, or,
// when a server held a request past that, as a crash would leave it.
func (e *Engine) work(ctx context.Context, p bugsink.Project, is bugsink.Issue, st syncstate.IssueState) (o outcome, started bool) {
	sg := e.stages
	held := true
	releaseAhead := func() {
		if held {
			<-sg.ahead
			held = false
		}
	}
	defer releaseAhead()
	simple := st.Entry.Mapped() || st.Pending != nil || e.recovered[is.ID]
	var prep prepared
	if !simple {
		var ok bool
		if prep, o, ok = e.prepare(ctx, p, is); !ok {
			return o, ctx.Err() == nil
		}
		// Reserved while it waits for Gitea, so that the create's slot
		// holds the create alone.
		if ctx.Err() != nil {
			return outcome{}, false
		}
		if o, ok := e.reserve(context.WithoutCancel(ctx), p, is, nil); !ok {
			return o, true
		}
		prep.reservedAt = e.Now()
	}
	if !acquire(ctx, sg.gitea) {
		if !simple {
			// Nothing was created: the issue is left untouched.
			if err := e.State.ClearReservation(context.WithoutCancel(ctx), is.ID); err != nil {
				e.Log.Warn("could not clear a reservation; the next run checks Gitea first", "bugsink_issue", is.ID, "err", err)
			}
		}
		return outcome{}, false
	}
	releaseAhead()
	ictx, cancel := e.inHand()
	defer cancel()
	if simple {
		defer func() { <-sg.gitea }()
		return e.handle(ictx, p, is, st), true
	}
	var once sync.Once
	release := func() { once.Do(func() { <-sg.gitea }) }
	defer release()
	o, after := e.createPrepared(ictx, p, is, prep, release)
	release()
	if after != nil {
		after(ictx, &o)
	}
	return o, true
}

// acquire takes one of slots, or reports false when ctx ends first (or
// ended while the slot was taken: then nothing new starts).
func acquire(ctx context.Context, slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		if ctx.Err() != nil {
			<-slots
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

// startHands makes the context of the work on issues in hand (inHand): it
// goes on after ctx, the run's, ends, and ends FinishGrace later. The
// returned function ends it.
func (e *Engine) startHands(ctx context.Context) func() {
	hands, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(e.Opts.FinishGrace, cancel) })
	e.hands = hands
	return func() {
		stop()
		cancel()
	}
}

// inHand is the context of the work on one issue once its first write
// began: IssueTimeout at most, and FinishGrace at most after the run ends.
// A step cut short by it ends as after a crash: a create whose outcome is
// unknown keeps its reservation (the next run looks for the issue in
// Gitea first), a resolve or a comment not made is made by a later run.
func (e *Engine) inHand() (context.Context, context.CancelFunc) {
	return context.WithTimeout(e.hands, e.Opts.IssueTimeout)
}
