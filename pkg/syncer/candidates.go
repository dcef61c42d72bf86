package syncer

import (
	"container/heap"
	"context"
	"sort"
	"sync"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// candidate is a new issue waiting for a slot under MaxCreate.
type candidate struct {
	project bugsink.Project
	report  int // index into Report.Projects
	issue   bugsink.Issue
	pending *syncstate.Reservation
}

// older reports whether a should be created before b: oldest first seen
// first, so that none starves; ties by id.
func older(a, b bugsink.Issue) bool {
	if !a.FirstSeen.Equal(b.FirstSeen) {
		return a.FirstSeen.Before(b.FirstSeen)
	}
	return a.ID < b.ID
}

// candidateHeap keeps the MaxCreate oldest candidates of a run: a max-heap
// on age, so the newest of them is the one pushed out by an older one. It
// never holds more than its cap, whatever the backlog.
type candidateHeap struct {
	cap  int
	list []candidate
}

func (h *candidateHeap) Len() int { return len(h.list) }

func (h *candidateHeap) Less(i, j int) bool { return older(h.list[j].issue, h.list[i].issue) }

func (h *candidateHeap) Swap(i, j int) { h.list[i], h.list[j] = h.list[j], h.list[i] }

func (h *candidateHeap) Push(x any) { h.list = append(h.list, x.(candidate)) }

func (h *candidateHeap) Pop() any {
	last := h.list[len(h.list)-1]
	h.list = h.list[:len(h.list)-1]
	return last
}

// offer adds c if it is among the cap oldest seen so far. It returns the
// candidate left out (c itself, or the newest one it pushed out), if any.
func (h *candidateHeap) offer(c candidate) (out candidate, dropped bool) {
	if h.cap <= 0 {
		return c, true
	}
	if len(h.list) < h.cap {
		heap.Push(h, c)
		return candidate{}, false
	}
	if !older(c.issue, h.list[0].issue) {
		return c, true
	}
	out = h.list[0]
	h.list[0] = c
	heap.Fix(h, 0)
	return out, true
}

// sorted returns the candidates oldest first and empties the heap.
func (h *candidateHeap) sorted() []candidate {
	out := h.list
	h.list = nil
	sort.SliceStable(out, func(i, j int) bool { return older(out[i].issue, out[j].issue) })
	return out
}

// waiting lists the candidates held (in no order).
func (h *candidateHeap) waiting() []candidate { return h.list }

// keep holds cands again (the rest of a run cut short, oldest first).
func (h *candidateHeap) keep(cands []candidate) { h.list = cands }

// createCapped creates the run's new issues under MaxCreate: the oldest
// (by first seen) MaxCreate of them, kept in a bounded heap while the
// projects were listed, a batch of at most Concurrency at a time, until the
// cap is reached. The others were deferred as they were pushed out; they
// are in the leftover set, so a later run takes them up.
func (r *run) createCapped(ctx context.Context, rep *Report) error {
	cands := r.queue.sorted()
	if len(cands) == 0 {
		return nil
	}
	created := 0
	next := 0
	var fatal error
	for next < len(cands) && created < r.Opts.MaxCreate && fatal == nil && ctx.Err() == nil {
		n := min(r.Opts.Concurrency, r.Opts.MaxCreate-created, len(cands)-next)
		batch := cands[next : next+n]
		next += n
		outs := make([]outcome, n)
		var wg sync.WaitGroup
		for i, c := range batch {
			wg.Add(1)
			go func(i int, c candidate) {
				defer wg.Done()
				ictx, cancel := r.pipe.inHand()
				defer cancel()
				outs[i] = r.life.create(ictx, c.project, c.issue, facts{issue: c.issue, pending: c.pending})
			}(i, c)
		}
		wg.Wait()
		for i, o := range outs {
			changes := syncstate.LeftoverChange{}
			r.left.noteLeftover(changes, batch[i].issue.ID, o)
			if err := r.left.saveLeftovers(ctx, batch[i].project.ID, changes); err != nil && fatal == nil {
				fatal = err
			}
			if !merged(o) {
				if fatal == nil {
					fatal = o.fatal
				}
				continue
			}
			merge(rep, &rep.Projects[batch[i].report], o)
			if o.created != nil && !o.created.Adopted || o.would != nil {
				created++
			}
			if o.fatal != nil && fatal == nil {
				fatal = o.fatal
			}
		}
	}
	for _, c := range cands[next:] {
		merge(rep, &rep.Projects[c.report], outcome{deferred: true})
	}
	if fatal != nil {
		return &FatalError{Err: fatal}
	}
	if ctx.Err() != nil && created < r.Opts.MaxCreate && next < len(cands) {
		// Cut short with room left under the cap: the waiting issues'
		// projects are not finished.
		r.queue.keep(cands[next:])
		return r.interrupted(rep, nil)
	}
	return nil
}
