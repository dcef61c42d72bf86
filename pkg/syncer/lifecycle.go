package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// The lifecycle carries one Bugsink issue through the stages: decide
// (decide.go) says what it needs, prepare reads and renders, claim reserves
// the create and the bug, write makes the Gitea side, record writes the
// mapping, resolve resolves it in Bugsink. A mapped issue's return is
// revisit.go. Every step can be repeated after a crash without writing
// twice (docs/exactly-once.md).

// lifecycle carries out what happens to one Bugsink issue, stage by
// stage: it holds the stages and what they share about bugs, and nothing
// of one issue (each issue's state travels with its call).
type lifecycle struct {
	*Engine
	prep  *preparer
	claim *claimer
	write *writer
	rec   *recorder
	res   *resolver
	bugs  *bugBook
	fixes *fixJudge
	// recovered holds what a read-only reindex found (dry runs on a state
	// that is new or was lost), so the preview does not list them as new.
	recovered map[string]bool
}

// handle carries out what one wanted issue needs, one stage after the
// other.
func (lc *lifecycle) handle(ctx context.Context, p bugsink.Project, is bugsink.Issue, st syncstate.IssueState) outcome {
	f := lc.factsOf(is, st)
	if f.entry != nil {
		return lc.revisit(ctx, p, is, f)
	}
	if lc.judge(&f).action == actSkip {
		return outcome{skipped: true}
	}
	return lc.create(ctx, p, is, f)
}

// staged reports whether an issue goes through the stages one by one (a
// new issue with nothing left of an earlier run: pipeline.work), rather
// than in one call to handle.
func (lc *lifecycle) staged(is bugsink.Issue, st syncstate.IssueState) bool {
	return !st.Entry.Mapped() && st.Pending == nil && !lc.recovered[is.ID]
}

// recover notes the issues a dry run's reindex found in Gitea.
func (lc *lifecycle) recover(found map[string]bool) { lc.recovered = found }

// prepareNew is the prepare stage of a staged issue.
func (lc *lifecycle) prepareNew(ctx context.Context, p bugsink.Project, is bugsink.Issue, st syncstate.IssueState) (prepared, outcome, bool) {
	return lc.prep.prepare(ctx, p, is, lc.factsOf(is, st))
}

// reserveNew reserves a prepared issue's create ahead of its Gitea slot.
func (lc *lifecycle) reserveNew(ctx context.Context, p bugsink.Project, is bugsink.Issue, prep *prepared) (outcome, bool) {
	o, ok := lc.claim.reserve(ctx, p, is, prep.link, nil)
	if ok {
		prep.reservedAt = lc.Now()
	}
	return o, ok
}

// unreserve drops the reservation of a staged issue that never reached
// its Gitea slot.
func (lc *lifecycle) unreserve(ctx context.Context, id string) { lc.claim.clearReservation(ctx, id) }

// factsOf is what the listing and the state say of an issue.
func (lc *lifecycle) factsOf(is bugsink.Issue, st syncstate.IssueState) facts {
	f := facts{issue: is, recovered: lc.recovered[is.ID], pending: st.Pending}
	if st.Entry.Mapped() {
		entry := st.Entry
		f.entry = &entry
	}
	return f
}

// settled reports the outcome of an issue that needs no work at all, as
// decided from the listing and the state alone: one already mapped whose
// state calls for nothing (not seen again, and left unresolved on purpose),
// one under a threshold, or one a dry run's reindex found.
func (lc *lifecycle) settled(is bugsink.Issue, st syncstate.IssueState) (outcome, bool) {
	f := lc.factsOf(is, st)
	switch lc.judge(&f).action {
	case actSkip:
		return outcome{skipped: true}, true
	case actBelow:
		return outcome{below: true}, true
	}
	return outcome{}, false
}

// create carries out the way of an unmapped issue to its Gitea issue:
// read, render, reserve, create (or join its bug's issue), record,
// resolve, back-link, one step after the other (syncPage runs the same
// steps as stages, see pipeline.go).
func (lc *lifecycle) create(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) outcome {
	// Only an issue settled did not turn away reaches here.
	f.admitted = true
	if d := lc.judge(&f); d.action == needLookup {
		if o, done := lc.recoverPending(ctx, p, is, &f); done {
			return o
		}
	}
	prep, o, ok := lc.prep.prepare(ctx, p, is, f)
	if !ok {
		return o
	}
	prep.replaces = f.pending
	o, after := lc.createPrepared(ctx, p, is, prep, func() {})
	if after != nil {
		after(ctx, &o)
	}
	return o
}

// recoverPending handles a reservation left by an interrupted run: the
// Gitea issue may exist already, so it is looked for (by its marker)
// first. done is false when the create should go ahead.
func (lc *lifecycle) recoverPending(ctx context.Context, p bugsink.Project, is bugsink.Issue, f *facts) (outcome, bool) {
	pending := f.pending
	gi, err := lc.write.findExisting(ctx, is.ID, pending.At)
	if err != nil {
		return lc.failed(p, is, StageRecover, fmt.Errorf("an earlier run stopped while creating this issue, and looking for it in Gitea failed: %w", err)), true
	}
	f.lookup = &lookupFacts{found: gi != nil}
	switch lc.judge(f).action {
	case actAdopt:
		return lc.finish(ctx, p, is, gi, lc.labelsFor(p.Slug), nil, true, pendingLink(pending)), true
	case actDefer:
		return outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: an earlier create (%s ago) may still be landing in Gitea; deferred to a later run", is.ID, lc.Now().Sub(pending.At).Round(time.Second))}}, true
	}
	return outcome{}, false
}

// createPrepared reserves, creates (or joins) and records the Gitea
// issue. giteaDone is called once the issue needs Gitea no more: as soon
// as Gitea answered the create, after a join's record, or when nothing is
// written (the pipeline frees its Gitea slot then). The steps that follow
// the record (resolve, back-link) are returned as after, to be run now or
// by a later stage; after is nil when there is nothing more.
func (lc *lifecycle) createPrepared(ctx context.Context, p bugsink.Project, is bugsink.Issue, prep prepared, giteaDone func()) (outcome, func(context.Context, *outcome)) {
	reservedAt := prep.reservedAt
	if reservedAt.IsZero() {
		if o, ok := lc.claim.reserve(ctx, p, is, prep.link, prep.replaces); !ok {
			return o, nil
		}
		reservedAt = lc.Now()
	}
	if prep.link.bug != "" {
		unlock := lc.bugs.lock(prep.link.bug)
		defer unlock()
		number, create, o := lc.claim.claimBug(ctx, p, is, prep.facts)
		if number > 0 {
			defer giteaDone()
			return lc.linkTo(ctx, p, is, prep, number)
		}
		if !create {
			giteaDone()
			lc.claim.clearReservation(ctx, is.ID)
			return o, nil
		}
	}
	gi, err := lc.write.createIssue(ctx, is, &prep)
	giteaDone()
	var mismatch *gitea.LabelMismatchError
	if err != nil && !errors.As(err, &mismatch) {
		if definite(err) {
			lc.claim.clearReservation(ctx, is.ID)
			lc.claim.releaseClaim(ctx, prep.link.bug, is.ID)
			return lc.failed(p, is, StageCreate, err), nil
		}
		// The create may have reached Gitea: establish its outcome before
		// anything else (never repeat it blindly).
		found, ferr := lc.write.findExisting(ctx, is.ID, reservedAt)
		if ferr == nil && found != nil {
			o := lc.finish(ctx, p, is, found, prep.names, nil, true, prep.link)
			o.warnings = append(o.warnings, fmt.Sprintf("%s: the create answered %v, but the issue exists as #%d and was taken over", is.ID, err, found.Number))
			return o, nil
		}
		return lc.failed(p, is, StageCreate, fmt.Errorf("%w (the outcome is unknown; the next run looks for the issue in Gitea before creating it)", err)), nil
	}
	o, rec := lc.rec.recordCreated(ctx, p, is, gi, prep.names, mismatch, false, prep.link)
	o.warnings = append(prep.warnings, o.warnings...)
	if o.created != nil {
		for _, u := range gi.Assignees {
			o.created.Assignees = append(o.created.Assignees, u.Login)
		}
	}
	if rec == nil {
		return o, nil
	}
	return o, func(ctx context.Context, o *outcome) { lc.res.afterRecord(ctx, p, is, gi, *rec, o) }
}

// linkTo records a new issue on its bug's Gitea issue: the environment's
// label, its row and hidden lines in the body, the one comment when the
// bug reaches production, then the mapping (each step can be repeated
// after a crash without writing twice). The resolve and back-link are
// returned as after.
func (lc *lifecycle) linkTo(ctx context.Context, p bugsink.Project, is bugsink.Issue, prep prepared, number int) (outcome, func(context.Context, *outcome)) {
	fail := func(err error) (outcome, func(context.Context, *outcome)) {
		lc.claim.clearReservation(ctx, is.ID)
		return lc.failed(p, is, StageLink, err), nil
	}
	gi, err := lc.write.bugIssue(ctx, number)
	if err != nil {
		return fail(err)
	}
	b, _, err := lc.State.Bug(ctx, prep.link.bug)
	if err != nil {
		return fail(err)
	}
	if err := checkBugIssue(gi, prep.link.bug, is.ID, b.Members); err != nil {
		return fail(err)
	}
	// The escape comment and a return are decided from what was recorded
	// before this join writes anything; the comment is written first (a
	// join repeated after a crash finds it by its marker).
	f := prep.facts
	f.bug = &bugFacts{number: number, members: b.Members}
	if f.bug.issue, err = lc.write.bugIssueFactsOf(ctx, gi, is.ID, b.Members); err != nil {
		return fail(err)
	}
	d, err := lc.judgeJoin(ctx, p, gi, &f)
	if err != nil {
		lc.claim.clearReservation(ctx, is.ID)
		return lc.failed(p, is, StageFix, err), nil
	}
	link := prep.link
	link.pendingClose = d.close
	if d.awaitFix {
		link.fix = &syncstate.Record{FixClose: f.bug.issue.close, FixCommit: f.fix.commit, ReleasesWithout: lastReleases(f.fix.without)}
	}
	if d.announce {
		if err := lc.write.announceEscape(ctx, gi, p, is, link, d.before); err != nil {
			return fail(err)
		}
	}
	if err := lc.write.addEnvLabel(ctx, gi, link.place); err != nil {
		return fail(err)
	}
	if err := lc.write.writeBug(ctx, gi, link.bug, b.Members, lc.newRow(p, is, link)); err != nil {
		return fail(err)
	}
	o, rec := lc.rec.recordCreated(ctx, p, is, gi, labelNames(gi.Labels, link.place.EnvLabel()), nil, false, link)
	o.warnings = append(prep.warnings, o.warnings...)
	if o.created != nil {
		o.created.Linked, o.linkedBug = true, link.bug
	}
	if rec == nil {
		return o, nil
	}
	if rec.PendingClose != "" {
		lc.reportJoinReturn(ctx, p, is, gi, rec, f.fix, &o)
	}
	lc.Log.Info("linked", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number, "environment", prep.link.place.Env)
	return o, func(ctx context.Context, o *outcome) { lc.res.afterRecord(ctx, p, is, gi, *rec, o) }
}

// checkBugIssue refuses a bug's Gitea issue that bsync did not write for
// the bug (a person's issue, after GITEA_REPO changed with the state kept).
func checkBugIssue(gi *gitea.Issue, bug, self string, members map[string]string) error {
	ids := make([]string, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	if !bsyncIssueFor(gi.Body, bug, append([]string{self}, ids...)) {
		return notBsyncsIssue(gi.Number, ids)
	}
	return nil
}

// judgeJoin decides a join, judging the joining issue's release against
// the fix of its bug's close when the join is a return after it.
func (lc *lifecycle) judgeJoin(ctx context.Context, p bugsink.Project, gi *gitea.Issue, f *facts) (decision, error) {
	d := lc.judge(f)
	if d.action != needFix {
		return d, nil
	}
	release := ""
	if f.event != nil {
		release = f.event.release
	}
	fix, err := lc.fixes.joined(ctx, p, gi, f.bug.issue.close, release)
	if err != nil {
		return decision{}, err
	}
	f.fix = fix
	return lc.judge(f), nil
}

// finish records a Gitea issue (created now, or found and adopted), then
// repairs labels, resolves the Bugsink issue and leaves the back-link.
func (lc *lifecycle) finish(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, names []string, mismatch *gitea.LabelMismatchError, adopted bool, link linkInfo) outcome {
	if adopted && link.bug != "" {
		// A join stopped before its mapping: a return after a close is
		// still one (decideBug's rule, joinReturn; never for the issue that
		// created gi, seen only before it was filed and so before any close).
		link.pendingClose, _ = joinReturn(gi.State == "closed", closeKey(gi), is.LastSeen)
	}
	out, rec := lc.rec.recordCreated(ctx, p, is, gi, names, mismatch, adopted, link)
	if rec == nil {
		return out
	}
	if rec.PendingClose != "" {
		lc.reportJoinReturn(ctx, p, is, gi, rec, nil, &out)
	}
	if adopted && link.bug != "" {
		// Another environment's issue may have been recorded on it since
		// (its row replaced the section this one was created with).
		if w := lc.write.rejoinBug(ctx, p, is, gi, link); w != "" {
			out.warnings = append(out.warnings, w)
		}
	}
	lc.res.afterRecord(ctx, p, is, gi, *rec, &out)
	return out
}
