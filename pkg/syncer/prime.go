package syncer

import (
	"context"
	"iter"

	"bsync/pkg/bugsink"
)

// An incremental pass costs each project one page of each of its two
// listings; read one after the other, the projects' pages would add up
// their latencies. So the first pages of the next few incremental
// projects are read ahead, side by side (each read holds one of the
// Bugsink slots, so no more of them are in flight than other calls); the
// projects are still worked on one after the other.

// primed is a listing whose first page is read ahead.
type primed struct {
	first chan primedPage
	next  func() ([]bugsink.Issue, error, bool)
	stop  func()
	used  bool
}

type primedPage struct {
	rows []bugsink.Issue
	err  error
	ok   bool
}

// prime starts reading seq's first page now, holding one of slots while
// it does.
func prime(seq iter.Seq2[[]bugsink.Issue, error], slots chan struct{}) *primed {
	next, stop := iter.Pull2(seq)
	p := &primed{first: make(chan primedPage, 1), next: next, stop: stop}
	go func() {
		slots <- struct{}{}
		rows, err, ok := next()
		<-slots
		p.first <- primedPage{rows, err, ok}
	}()
	return p
}

// seq is the listing, its first page as read ahead. It is called once,
// and its result iterated once.
func (p *primed) seq() iter.Seq2[[]bugsink.Issue, error] {
	p.used = true
	return func(yield func([]bugsink.Issue, error) bool) {
		defer p.stop()
		r := <-p.first
		for r.ok {
			if !yield(r.rows, r.err) || r.err != nil {
				return
			}
			r.rows, r.err, r.ok = p.next()
		}
	}
}

// discard ends a listing that was not used.
func (p *primed) discard() {
	if p != nil && !p.used {
		<-p.first
		p.stop()
	}
}

// listings are the two listings of an incremental project.
type listings struct {
	lastSeen, digest *primed
}

// listingsFor returns a project's listings: read ahead when they were,
// else started now.
func (e *Engine) listingsFor(ctx context.Context, projectID int) listings {
	if l, ok := e.primed[projectID]; ok {
		return l
	}
	return listings{
		lastSeen: prime(e.Bugsink.IssuePagesBy(ctx, projectID, bugsink.SortLastSeen, true), e.slots),
		digest:   prime(e.Bugsink.IssuePagesBy(ctx, projectID, bugsink.SortDigestOrder, true), e.slots),
	}
}

// planAll plans every project before the first is worked on.
func (e *Engine) planAll(ctx context.Context, projects []bugsink.Project, rep *Report) error {
	e.plans = map[int]plan{}
	e.primed = map[int]listings{}
	for _, p := range projects {
		pl, err := e.planFor(ctx, p, rep)
		if err != nil {
			return err
		}
		e.plans[p.ID] = pl
	}
	return nil
}

// primeAhead reads ahead the first pages of the incremental projects among
// the next few from projects[i] on: as many as keep the Bugsink slots
// busy, so that what is held ahead does not grow with the number of
// projects.
func (e *Engine) primeAhead(ctx context.Context, projects []bugsink.Project, i int) {
	window := max(1, cap(e.slots)/2)
	for _, p := range projects[i:min(i+window, len(projects))] {
		if _, done := e.primed[p.ID]; done || e.plans[p.ID].full {
			continue
		}
		e.primed[p.ID] = listings{
			lastSeen: prime(e.Bugsink.IssuePagesBy(ctx, p.ID, bugsink.SortLastSeen, true), e.slots),
			digest:   prime(e.Bugsink.IssuePagesBy(ctx, p.ID, bugsink.SortDigestOrder, true), e.slots),
		}
	}
}

// discardPrimed ends the listings read ahead that no project used.
func (e *Engine) discardPrimed() {
	for _, l := range e.primed {
		l.lastSeen.discard()
		l.digest.discard()
	}
}
