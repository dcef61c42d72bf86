package syncer

import (
	"context"
	"iter"

	"bsync/pkg/bugsink"
)

// An incremental pass costs each project one page of each of its two
// listings; read one after the other, the projects' pages would add up
// their latencies. So the first pages of the next few incremental
// projects are read ahead, side by side across projects (each read holds one of the
// Bugsink slots, so no more of them are in flight than other calls); the
// projects are still worked on one after the other.

// primed is a listing whose first page is read ahead.
type primed struct {
	// read is closed once the first page was read, or its read gave up
	// because the listing's context ended; page is written before.
	read chan struct{}
	page primedPage
	next func() ([]bugsink.Issue, error, bool)
	stop func()
	used bool
}

type primedPage struct {
	rows []bugsink.Issue
	err  error
	ok   bool
}

// prime starts reading seq's first page once after is closed (nil: now),
// holding one of slots while it does. Every wait ends with ctx, the
// listing's: the page is then ctx's error.
func prime(ctx context.Context, seq iter.Seq2[[]bugsink.Issue, error], slots chan struct{}, after <-chan struct{}) *primed {
	next, stop := iter.Pull2(seq)
	p := &primed{read: make(chan struct{}), next: next, stop: stop}
	go func() {
		defer close(p.read)
		if after != nil {
			select {
			case <-after:
			case <-ctx.Done():
				p.page = primedPage{err: ctx.Err(), ok: true}
				return
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			p.page = primedPage{err: ctx.Err(), ok: true}
			return
		}
		rows, err, ok := next()
		<-slots
		p.page = primedPage{rows, err, ok}
	}()
	return p
}

// seq is the listing, its first page as read ahead. It is called once,
// and its result iterated once.
func (p *primed) seq() iter.Seq2[[]bugsink.Issue, error] {
	p.used = true
	return func(yield func([]bugsink.Issue, error) bool) {
		defer p.stop()
		<-p.read
		r := p.page
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
		<-p.read
		p.stop()
	}
}

// listings are the two listings of an incremental project, and the end
// of their context.
type listings struct {
	lastSeen, digest *primed
	cancel           context.CancelFunc
}

// listingsFor returns a project's listings: read ahead when they were,
// else started now. Listings read ahead are handed out once.
func (pn *planner) listingsFor(ctx context.Context, projectID int) listings {
	if l, ok := pn.primed[projectID]; ok {
		delete(pn.primed, projectID)
		return l
	}
	return pn.startListings(ctx, projectID)
}

// startListings starts a project's two listings. The digest_order page is
// read first and the last_seen page only after it: every issue the digest
// scan's top covers was then digested before the last_seen listing began,
// so it is either in that listing or, last seen below the cutoff, among
// the slipped ones. Read the other way round, an issue digested between
// the two reads with a last_seen above this cutoff but below the next
// run's would be in neither listing again (until the next full pass).
func (pn *planner) startListings(ctx context.Context, projectID int) listings {
	lctx, cancel := context.WithCancel(ctx)
	digest := prime(lctx, pn.Bugsink.IssuePagesBy(lctx, projectID, bugsink.SortDigestOrder, true), pn.slots, nil)
	lastSeen := prime(lctx, pn.Bugsink.IssuePagesBy(lctx, projectID, bugsink.SortLastSeen, true), pn.slots, digest.read)
	return listings{lastSeen: lastSeen, digest: digest, cancel: cancel}
}

// planAll plans every project before the first is worked on.
func (pn *planner) planAll(ctx context.Context, projects []bugsink.Project, rep *Report) error {
	pn.plans = map[int]plan{}
	pn.primed = map[int]listings{}
	for _, p := range projects {
		pl, err := pn.planFor(ctx, p, rep)
		if err != nil {
			return err
		}
		pn.plans[p.ID] = pl
	}
	return nil
}

// primeAhead reads ahead the first pages of the incremental projects among
// the next few from projects[i] on: as many as keep the Bugsink slots
// busy, so that what is held ahead does not grow with the number of
// projects.
func (pn *planner) primeAhead(ctx context.Context, projects []bugsink.Project, i int) {
	window := max(1, cap(pn.slots)/2)
	for _, p := range projects[i:min(i+window, len(projects))] {
		if _, done := pn.primed[p.ID]; done || pn.plans[p.ID].full {
			continue
		}
		pn.primed[p.ID] = pn.startListings(ctx, p.ID)
	}
}

// discardPrimed ends the listings read ahead that no project used.
func (pn *planner) discardPrimed() {
	for _, l := range pn.primed {
		l.cancel()
		l.lastSeen.discard()
		l.digest.discard()
	}
}
