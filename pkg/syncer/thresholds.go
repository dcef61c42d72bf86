package syncer

import (
	"context"
	"strings"
	"sync"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// Levels are Sentry's event levels, most severe first.
var Levels = []string{"fatal", "error", "warning", "info", "debug"}

// levelRank returns 0 for fatal … 4 for debug, and -1 for an unknown level.
func levelRank(l string) int {
	l = strings.ToLower(strings.TrimSpace(l))
	if l == "warn" {
		l = "warning"
	}
	if l == "critical" {
		l = "fatal"
	}
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// ValidLevel reports whether l names a level.
func ValidLevel(l string) bool { return levelRank(l) >= 0 }

// levelAtLeast reports whether level is as severe as min or more. An
// unknown level counts as error, Sentry's default.
func levelAtLeast(level, min string) bool {
	r := levelRank(level)
	if r < 0 {
		r = levelRank("error")
	}
	return r <= levelRank(min)
}

// eventLevel is the newest event's level; without one, Sentry's default.
func eventLevel(ev *bugsink.Event) string {
	if ev == nil || ev.Data.Level == "" {
		return "error"
	}
	return ev.Data.Level
}

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
