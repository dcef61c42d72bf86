package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/redact"
	"bsync/pkg/syncstate"
)

// revisit carries out the decision on an unresolved issue that already
// has a Gitea issue (DESIGN.md, "The life of a mapped issue";
// decideMapped). Seen again since it was recorded, it came back: news only
// when its Gitea issue is closed (a regression); while the issue is open,
// its figures are kept current without a word. Not seen since, either
// bsync's resolve did not take (resolve again) or a person reopened it in
// Bugsink (left alone).
func (lc *lifecycle) revisit(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) outcome {
	out := outcome{skipped: true}
	d := lc.judge(&f)
	if d.action == needEvent {
		// Resolved "in the next release", Bugsink keeps digesting events of
		// the releases it knows (last_seen grows) without reopening the
		// issue: the newest event's release tells a return from a reopen.
		ev, err := lc.Bugsink.LatestEvent(ctx, is.ID)
		if err != nil {
			out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageReadEvent, Message: err.Error(), GiteaIssueNumber: f.entry.Record.GiteaIssueNumber})
			return out
		}
		f.event = &eventFacts{level: eventLevel(ev), release: ev.Data.Release}
		d = lc.judge(&f)
	}
	switch d.action {
	case actUnreadable:
		out.warnings = append(out.warnings, fmt.Sprintf("%s: mapping record is unreadable (%v); left alone", is.ID, f.entry.Err))
		return out
	case actRespectReopen, actResolveAgain:
		return lc.unresolvedAgain(ctx, p, is, *f.entry.Record, out, d)
	case actSkip:
		rec := f.entry.Record
		out.watch = rec.AwaitingFix() && rec.ReopenedAt.IsZero() && !lc.Opts.NoResolve
	case needGitea:
		if bug := f.entry.Record.BugID; bug != "" {
			// One environment at a time on a shared issue: one comment per close.
			defer lc.bugs.lock(bug)()
		}
		return lc.recur(ctx, p, is, f, out)
	}
	return out // actSkip, actDryRun
}

// unresolvedAgain carries out the decision on a mapped issue unresolved
// with no new event: a person's reopen is recorded (counted once, never
// resolved again); a resolve that did not take is repeated.
func (lc *lifecycle) unresolvedAgain(ctx context.Context, p bugsink.Project, is bugsink.Issue, rec syncstate.Record, out outcome, d decision) outcome {
	if d.action == actRespectReopen {
		rec.ReopenedAt = lc.Now()
		// The events digested while it was resolved in the next release
		// are not a return.
		rec.LastSeen = is.LastSeen
		if err := lc.rec.record(ctx, is.ID, rec); err != nil {
			out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageRecord, Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
			return out
		}
		out.reopenedInBugsink = true
		lc.Log.Info("reopened in bugsink by a person; left alone", "bugsink_issue", is.ID, "gitea_issue", rec.GiteaIssueNumber)
		return out
	}
	if err := lc.res.resolve(ctx, is.ID); err != nil {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
		return out
	}
	out.resolved = true
	if w := lc.res.markResolved(ctx, is.ID, rec); w != "" {
		out.warnings = append(out.warnings, w)
	}
	return out
}

// recur handles a mapped issue seen again since it was recorded. Its Gitea
// issue decides: closed (someone claimed a fix) and not reported for this
// close yet, it is a regression: one marked comment, reopen unless closed
// as won't fix. Either way the body's figures are brought up to date (an
// edit that notifies no one), the mapping is recorded, and the issue is
// resolved in Bugsink again, unless a person reopened it there.
//
// Each step can be retried after a crash without repeating a write: the
// mapping names the close being reported before anything is written in
// Gitea; the comment is looked for by its marker first; the reopen is
// skipped for an open issue; figures that are current are not written. A
// regression found half done (its issue reopened already) is finished
// and counted by the next run.
func (lc *lifecycle) recur(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts, out outcome) outcome {
	rec := *f.entry.Record
	// Left unresolved while awaiting its fix, it was not resolved since.
	resolved := !rec.AwaitingFix()
	fail := func(stage Stage, err error) outcome {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: stage, Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
		return out
	}
	gi, err := lc.write.mappedIssue(ctx, is.ID, rec)
	if err != nil {
		return fail(StageReadGiteaIssue, err)
	}
	f.gitea = giteaFactsOf(gi, rec, lc.Opts.WontFixLabels)
	// The close decide judged is the one reported and recorded.
	key := f.gitea.close
	d := lc.judge(&f)
	if d.action == needFix {
		if d, err = lc.judgeFix(ctx, p, is, gi, key, &f, &rec, &out); err != nil {
			return fail(StageFix, err)
		}
	}
	reg, stage, err := lc.reportRegression(ctx, p, is, gi, &rec, key, d.action, f.fix)
	if err != nil {
		return fail(stage, err)
	}
	// A regression of a closed issue wrote its comment.
	wrote := reg != nil && gi.State == "closed"
	if reg != nil {
		rec.ReportedClose, rec.PendingClose = rec.PendingClose, ""
		rec.Regressions++
	}
	noteReturn(is, &rec, lc.Now(), resolved)
	warn, err := lc.keepFigures(ctx, gi, is, &rec, key, reg != nil, wrote)
	if err != nil {
		// Nothing written yet: the next run tries again.
		return fail(StageFigures, err)
	}
	if warn != "" {
		out.warnings = append(out.warnings, warn)
	}
	if err := lc.rec.record(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("updated gitea #%d for the return of %s but could not update its mapping: %w", gi.Number, is.ID, err)
		return out
	}
	switch {
	case reg != nil:
		out.regression = reg
		lc.Log.Info("regression", "bugsink_issue", is.ID, "gitea_issue", gi.Number, "reopened", reg.Reopened)
	case d.action == actAwaitFix:
		out.awaitingFix, out.watch = true, true
		lc.Log.Info("back on a release without the fix; quiet", "bugsink_issue", is.ID, "gitea_issue", gi.Number, "release", redact.Text(f.fix.release))
	default:
		out.recurring = true
	}
	if d.resolve {
		lc.resolveReturn(ctx, p, is, gi.Number, rec, &out)
	}
	return out
}

// resolveReturn resolves a return in Bugsink once its mapping is recorded.
func (lc *lifecycle) resolveReturn(ctx context.Context, p bugsink.Project, is bugsink.Issue, number int, rec syncstate.Record, out *outcome) {
	if err := lc.res.resolve(ctx, is.ID); err != nil {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: number})
		return
	}
	if w := lc.res.markResolved(ctx, is.ID, rec); w != "" {
		out.warnings = append(out.warnings, w)
	}
}

// judgeFix learns the fix of gi's close (key) and judges the releases
// the issue came back from (fix.go), noting both in rec, and decides again.
func (lc *lifecycle) judgeFix(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, key string, f *facts, rec *syncstate.Record, out *outcome) (decision, error) {
	fix, err := lc.fixes.returned(ctx, p, is, gi, key, *rec)
	if err != nil {
		return decision{}, err
	}
	f.fix = fix
	rec.FixClose, rec.FixCommit, rec.ReleasesWithout = key, fix.commit, lastReleases(fix.without)
	if fix.verdict == fixUnknown {
		out.warnings = append(out.warnings, fmt.Sprintf("%s: back after gitea #%d was closed, and whether its release contains the fix cannot be told (%s): reported as a regression", is.ID, gi.Number, redact.Text(fix.why)))
	}
	return lc.judge(f), nil
}

// maxReleasesWithout bounds the releases a record keeps as judged
// without the fix (the newest are kept).
const maxReleasesWithout = 20

// lastReleases is rs without its oldest entries beyond maxReleasesWithout.
func lastReleases(rs []string) []string {
	return rs[max(0, len(rs)-maxReleasesWithout):]
}

// noteReturn records a return in rec: its figures, and the recurrence
// when the error was seen again after bsync resolved it (not seen again,
// only a return's report was left to finish; not resolved, it was left
// unresolved awaiting its fix).
func noteReturn(is bugsink.Issue, rec *syncstate.Record, now time.Time, resolved bool) {
	rec.ReopeningClose = ""
	if seenAgain(is, *rec) && resolved {
		rec.Recurrences++
		rec.LastRecurred = now
	}
	rec.LastSeen = is.LastSeen
	rec.EventCount = is.DigestedEventCount
	rec.ResolvedAt = time.Time{}
}

// keepFigures brings the body's figures up to date when they are due,
// recording when they were written. wrote says whether bsync wrote to the
// issue already this run (a regression's comment): then a failure is only
// a warning, since the mapping must be recorded anyway; otherwise it is
// returned. For a closed issue without closed_at, whose key is its
// updated_at, the reported close is carried over bsync's own writes.
func (lc *lifecycle) keepFigures(ctx context.Context, gi *gitea.Issue, is bugsink.Issue, rec *syncstate.Record, key string, regression, wrote bool) (string, error) {
	var warn string
	if lc.figuresDue(*rec, regression) {
		written, w, err := lc.write.refreshFiguresOf(ctx, gi, is, *rec)
		switch {
		case err != nil && !regression && !wrote:
			return "", err
		case err != nil:
			warn = fmt.Sprintf("%s: the occurrence figures of gitea issue #%d were not updated: %v", is.ID, gi.Number, err)
		case w != "":
			warn = w
		case written:
			rec.FiguresAt = lc.Now()
			wrote = true
		}
	}
	if wrote && gi.State == "closed" && gi.ClosedAt == nil && rec.ReportedClose == key {
		if again, err := lc.write.issueAgain(ctx, gi.Number); err == nil && again.State == "closed" {
			rec.ReportedClose = closeKey(again)
		}
	}
	return warn, nil
}

// reportedKey is the key of gi's close. A close without closed_at whose
// report was under way stays the same close while the issue is closed:
// bsync's own comment may have moved its updated_at since.
func reportedKey(gi *gitea.Issue, rec syncstate.Record) string {
	if gi.State == "closed" && gi.ClosedAt == nil && strings.HasPrefix(rec.PendingClose, updatedKey) {
		return rec.PendingClose
	}
	return closeKey(gi)
}

// reportRegression reports gi's close (named key) as a regression when it
// is news: the mapping names the close first, then one marked comment,
// then (recorded as bsync's before it is made) the reopen unless the issue
// is won't fix. A regression bsync reopened already (its run stopped) gets
// its comment made sure of; an issue a person reopened before bsync could
// ends that close, counted only if its comment was written. It returns nil
// when there is nothing to report, and on failure the stage that failed.
func (lc *lifecycle) reportRegression(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, rec *syncstate.Record, key string, act action, fix *fixFacts) (*Regression, Stage, error) {
	switch act {
	case actRegress, actRegressWontFix:
		reg := &Regression{BugsinkIssueID: is.ID, Project: p.Slug, GiteaIssueNumber: gi.Number}
		if rec.PendingClose != key {
			rec.PendingClose, rec.ReopeningClose = key, ""
			if err := lc.rec.record(ctx, is.ID, *rec); err != nil {
				return nil, StageRecord, err
			}
		}
		mine, err := lc.write.commentOnce(ctx, gi.Number, is, *rec, gi.ClosedAt, fix.comment())
		if err != nil {
			return nil, StageRegressionComment, err
		}
		if !mine {
			// Another environment's issue of the bug reported this close
			// (and reopens it unless won't fix): one regression per close.
			rec.ReportedClose, rec.PendingClose = key, ""
			return nil, "", nil
		}
		if act == actRegressWontFix {
			reg.WontFix = true
			return reg, "", nil
		}
		if stage, err := lc.reopenFor(ctx, is, gi, rec, key); err != nil {
			return nil, stage, err
		}
		reg.Reopened = true
		return reg, "", nil
	case actFinishRegression:
		reg := &Regression{BugsinkIssueID: is.ID, Project: p.Slug, GiteaIssueNumber: gi.Number, Reopened: true}
		if _, err := lc.write.commentOnce(ctx, gi.Number, is, *rec, nil, nil); err != nil {
			return nil, StageRegressionComment, err
		}
		return reg, "", nil
	case actCloseOver:
		own, _, err := lc.write.closeCommented(ctx, gi.Number, is.ID, *rec)
		if err != nil {
			return nil, StageRegressionComment, err
		}
		if own {
			return &Regression{BugsinkIssueID: is.ID, Project: p.Slug, GiteaIssueNumber: gi.Number}, "", nil
		}
		rec.ReportedClose, rec.PendingClose = rec.PendingClose, ""
	}
	return nil, "", nil
}

// reopenFor reopens gi for the close key names, recorded as bsync's
// before it is made, so that a run stopped after it knows the open issue
// it finds was reopened by bsync, not by a person.
func (lc *lifecycle) reopenFor(ctx context.Context, is bugsink.Issue, gi *gitea.Issue, rec *syncstate.Record, key string) (Stage, error) {
	if rec.ReopeningClose != key {
		rec.ReopeningClose = key
		if err := lc.rec.record(ctx, is.ID, *rec); err != nil {
			return StageRecord, err
		}
	}
	if err := lc.write.reopen(ctx, gi.Number); err != nil {
		if c := gitea.StatusCode(err); c >= 400 && c < 500 {
			// Refused: bsync did not reopen it (best effort; a record
			// left as it is only claims a reopen that may be a person's).
			rec.ReopeningClose = ""
			_ = lc.rec.record(ctx, is.ID, *rec)
		}
		return StageRegressionReopen, err
	}
	return "", nil
}

// reportJoinReturn reports the close a joining issue is a return after
// (its mapping names it: a run that stops here is finished by the next,
// decideMapped): decided as any mapped issue's return, one comment per
// close and the reopen unless won't fix.
func (lc *lifecycle) reportJoinReturn(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, rec *syncstate.Record, fix *fixFacts, o *outcome) {
	key := rec.PendingClose
	f := facts{issue: is, entry: &syncstate.Entry{Record: rec}, gitea: giteaFactsOf(gi, *rec, lc.Opts.WontFixLabels)}
	reg, stage, err := lc.reportRegression(ctx, p, is, gi, rec, key, lc.judge(&f).action, fix)
	if err != nil {
		o.errs = append(o.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: stage, Message: err.Error(), GiteaIssueNumber: gi.Number})
		return
	}
	if reg != nil {
		rec.ReportedClose, rec.PendingClose = key, ""
		rec.Regressions++
		o.regression = reg
	}
	rec.ReopeningClose = ""
	if err := lc.rec.record(ctx, is.ID, *rec); err != nil {
		o.errs = append(o.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageRecord, Message: err.Error(), GiteaIssueNumber: gi.Number})
	}
}

// seenAgain reports whether a mapped issue was seen after it was recorded
// (or, for a record from the older writer, after it was synced).
func seenAgain(is bugsink.Issue, rec syncstate.Record) bool {
	ref := rec.LastSeen
	if ref.IsZero() {
		ref = rec.SyncedAt
	}
	return is.LastSeen.After(ref)
}

func wontFix(labels []gitea.Label, names []string) bool {
	for _, l := range labels {
		if slices.Contains(names, l.Name) {
			return true
		}
	}
	return false
}

// closeKey names the close of a Gitea issue (its closed_at, which Gitea
// answers in whole seconds): each close → recur cycle is reported once.
// Gitea answers closed_at null for a closed issue without a close time
// (one migrated from elsewhere, closed_unix 0; services/convert/issue.go):
// its updated_at stands in, which a new close moves on too.
func closeKey(gi *gitea.Issue) string {
	if gi.ClosedAt == nil {
		return updatedKey + gi.UpdatedAt.UTC().Format(time.RFC3339)
	}
	return gi.ClosedAt.UTC().Format(time.RFC3339)
}

// updatedKey starts the key of a close without closed_at.
const updatedKey = "updated "
