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
// (up to the ahead slots), creates run Concurrency at a time against
// Gitea, and the resolve and back-link of each created issue run behind
// them, as Bugsink calls like the reads (bounded by BugsinkConcurrency).
// Each issue still goes through its steps in order: recorded before it is
// resolved.

// pipeline holds the slots of the run's stages, shared by its pages, and
// the context of the work on issues in hand.
type pipeline struct {
	// ahead is held from an issue's event read until its create starts.
	ahead chan struct{}
	// gitea is held while an issue is created and recorded (or, for a
	// mapped issue, while it is revisited).
	gitea chan struct{}
	// hands is the context of the work on issues in hand (startHands).
	hands        context.Context
	issueTimeout time.Duration
	finishGrace  time.Duration
}

func newPipeline(o Options) *pipeline {
	return &pipeline{
		ahead:        make(chan struct{}, 2*o.Concurrency+o.BugsinkConcurrency),
		gitea:        make(chan struct{}, o.Concurrency),
		issueTimeout: o.IssueTimeout,
		finishGrace:  o.FinishGrace,
	}
}

// work takes one issue, whose ahead slot the caller holds, through the
// stages. started is false when the run ended before anything was written
// for it: the issue is untouched, and left to a later run. Once its first
// write began, an issue is finished even when the run is interrupted, for
// FinishGrace at most (inHand): it ends untouched or fully recorded, or,
// when a server held a request past that, as a crash would leave it.
func (pipe *pipeline) work(ctx context.Context, lc *lifecycle, p bugsink.Project, is bugsink.Issue, st syncstate.IssueState) (o outcome, started bool) {
	held := true
	releaseAhead := func() {
		if held {
			pipe.releaseAhead()
			held = false
		}
	}
	defer releaseAhead()
	staged := lc.staged(is, st)
	var prep prepared
	if staged {
		var ok bool
		if prep, o, ok = lc.prepareNew(ctx, p, is, st); !ok {
			return o, ctx.Err() == nil
		}
		// Reserved while it waits for Gitea, so that the create's slot
		// holds the create alone.
		if ctx.Err() != nil {
			return outcome{}, false
		}
		if o, ok := lc.reserveNew(context.WithoutCancel(ctx), p, is, &prep); !ok {
			return o, true
		}
	}
	if !acquire(ctx, pipe.gitea) {
		if staged {
			// Nothing was created: the issue is left untouched.
			lc.unreserve(context.WithoutCancel(ctx), is.ID)
		}
		return outcome{}, false
	}
	releaseAhead()
	ictx, cancel := pipe.inHand()
	defer cancel()
	if !staged {
		defer func() { <-pipe.gitea }()
		return lc.handle(ictx, p, is, st), true
	}
	var once sync.Once
	release := func() { once.Do(func() { <-pipe.gitea }) }
	defer release()
	o, after := lc.createPrepared(ictx, p, is, prep, release)
	release()
	if after != nil {
		after(ictx, &o)
	}
	return o, true
}

// takeAhead takes a read-ahead slot, unless ctx ends first.
func (pipe *pipeline) takeAhead(ctx context.Context) bool { return acquire(ctx, pipe.ahead) }

// releaseAhead gives a read-ahead slot back.
func (pipe *pipeline) releaseAhead() { <-pipe.ahead }

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
func (pipe *pipeline) startHands(ctx context.Context) func() {
	hands, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(pipe.finishGrace, cancel) })
	pipe.hands = hands
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
func (pipe *pipeline) inHand() (context.Context, context.CancelFunc) {
	return context.WithTimeout(pipe.hands, pipe.issueTimeout)
}
