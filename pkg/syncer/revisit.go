package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// revisit handles an unresolved issue that already has a Gitea issue
// (DESIGN.md, "The life of a mapped issue"). Seen again since it was
// recorded, it came back: news only when its Gitea issue is closed (a
// regression); while the issue is open, its figures are kept current
// without a word. Not seen since, either bsync's resolve did not take
// (resolve again) or a person reopened it in Bugsink (left alone).
func (e *Engine) revisit(ctx context.Context, p bugsink.Project, is bugsink.Issue, entry syncstate.Entry) outcome {
	out := outcome{skipped: true}
	if entry.Record == nil {
		out.warnings = append(out.warnings, fmt.Sprintf("%s: mapping record is unreadable (%v); left alone", is.ID, entry.Err))
		return out
	}
	rec := *entry.Record
	if e.Opts.DryRun {
		return out
	}
	if !seenAgain(is, rec) {
		return e.unresolvedAgain(ctx, p, is, rec, out)
	}
	return e.recur(ctx, p, is, rec, out)
}

// unresolvedAgain handles a mapped issue unresolved with no new event. The
// mapping says whether bsync's last resolve took: if it did, a person
// reopened the issue in Bugsink, which is their decision: it is counted
// once and never resolved again. Otherwise (or for a mapping written
// before bsync recorded its resolves) the resolve is repeated.
func (e *Engine) unresolvedAgain(ctx context.Context, p bugsink.Project, is bugsink.Issue, rec syncstate.Record, out outcome) outcome {
	if e.Opts.NoResolve || !rec.ReopenedAt.IsZero() {
		return out
	}
	if !rec.ResolvedAt.IsZero() {
		rec.ReopenedAt = e.Now()
		if err := e.record(ctx, is.ID, rec); err != nil {
			out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageRecord, Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
			return out
		}
		out.reopenedInBugsink = true
		e.Log.Info("reopened in bugsink by a person; left alone", "bugsink_issue", is.ID, "gitea_issue", rec.GiteaIssueNumber)
		return out
	}
	if err := e.resolve(ctx, is.ID); err != nil {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
		return out
	}
	out.resolved = true
	if w := e.markResolved(ctx, is.ID, rec); w != "" {
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
func (e *Engine) recur(ctx context.Context, p bugsink.Project, is bugsink.Issue, rec syncstate.Record, out outcome) outcome {
	fail := func(stage Stage, err error) outcome {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: stage, Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
		return out
	}
	// Gitea answers 500, not 404, for a comment on a missing issue: read first.
	gi, err := e.Gitea.Issue(ctx, rec.GiteaIssueNumber)
	if err != nil {
		if gitea.IsNotFound(err) {
			err = fmt.Errorf("mapped gitea issue #%d no longer exists; `bsync forget %s` lets the next run create a new one", rec.GiteaIssueNumber, is.ID)
		}
		return fail(StageReadGiteaIssue, err)
	}
	reg, stage, err := e.reportRegression(ctx, p, is, gi, &rec)
	if err != nil {
		return fail(stage, err)
	}
	if reg != nil {
		rec.ReportedClose, rec.PendingClose = rec.PendingClose, ""
		rec.Regressions++
	}
	rec.Recurrences++
	rec.LastRecurred = e.Now()
	rec.LastSeen = is.LastSeen
	rec.EventCount = is.DigestedEventCount
	rec.ResolvedAt = time.Time{}
	if _, err := e.refreshFigures(ctx, gi, figuresSection(is, rec.LastRecurred, rec.Recurrences)); err != nil {
		if reg == nil {
			// Nothing written yet: the next run tries again.
			return fail(StageFigures, err)
		}
		out.warnings = append(out.warnings, fmt.Sprintf("%s: the occurrence figures of gitea issue #%d were not updated: %v", is.ID, gi.Number, err))
	}
	if err := e.record(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("updated gitea #%d for the return of %s but could not update its mapping: %w", gi.Number, is.ID, err)
		return out
	}
	if reg != nil {
		out.regression = reg
		e.Log.Info("regression", "bugsink_issue", is.ID, "gitea_issue", gi.Number, "reopened", reg.Reopened)
	} else {
		out.recurring = true
	}
	if e.Opts.NoResolve || !rec.ReopenedAt.IsZero() {
		return out
	}
	if err := e.resolve(ctx, is.ID); err != nil {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: gi.Number})
		return out
	}
	if w := e.markResolved(ctx, is.ID, rec); w != "" {
		out.warnings = append(out.warnings, w)
	}
	return out
}

// reportRegression reports gi's close as a regression when it is news:
// the mapping names the close first, then one marked comment, then the
// reopen unless the issue is won't fix. A regression found reopened already
// (its run stopped) gets its comment made sure of. It returns nil when
// there is nothing to report, and on failure the stage that failed.
func (e *Engine) reportRegression(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, rec *syncstate.Record) (*Regression, Stage, error) {
	switch {
	case gi.State == "closed" && rec.ReportedClose != closeKey(gi):
		reg := &Regression{BugsinkIssueID: is.ID, Project: p.Slug, GiteaIssueNumber: gi.Number}
		if rec.PendingClose != closeKey(gi) {
			rec.PendingClose = closeKey(gi)
			if err := e.record(ctx, is.ID, *rec); err != nil {
				return nil, StageRecord, err
			}
		}
		if err := e.commentOnce(ctx, gi.Number, is, *rec, gi.ClosedAt); err != nil {
			return nil, StageRegressionComment, err
		}
		if wontFix(gi.Labels, e.Opts.WontFixLabels) {
			reg.WontFix = true
		} else if _, err := e.Gitea.SetState(ctx, gi.Number, "open"); err != nil {
			return nil, StageRegressionReopen, err
		} else {
			reg.Reopened = true
		}
		return reg, "", nil
	case gi.State == "open" && rec.PendingClose != "":
		reg := &Regression{BugsinkIssueID: is.ID, Project: p.Slug, GiteaIssueNumber: gi.Number, Reopened: true}
		if err := e.commentOnce(ctx, gi.Number, is, *rec, nil); err != nil {
			return nil, StageRegressionComment, err
		}
		return reg, "", nil
	}
	return nil, "", nil
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
func closeKey(gi *gitea.Issue) string {
	if gi.ClosedAt == nil {
		return "closed"
	}
	return gi.ClosedAt.UTC().Format(time.RFC3339)
}

// regressionMarker is the hidden line that names one regression comment:
// the Bugsink issue and the close it answers.
func regressionMarker(id, close string) string {
	return "<!-- bsync-regression: " + id + " after close " + close + " -->"
}

// commentOnce writes the regression comment for the close rec.PendingClose
// names, unless one of the issue's comments carries its marker already (a
// retried step never repeats a comment).
func (e *Engine) commentOnce(ctx context.Context, number int, is bugsink.Issue, rec syncstate.Record, closedAt *time.Time) error {
	mark := regressionMarker(is.ID, rec.PendingClose)
	cs, err := e.Gitea.Comments(ctx, number)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if strings.Contains(c.Body, mark) {
			return nil
		}
	}
	_, err = e.Gitea.Comment(ctx, number, regressionComment(is, rec, closedAt, e.Opts.Render.BugsinkURL, mark))
	return err
}

// regressionComment says a closed issue's error came back. Every value in
// it is a number, a time or a link built from configuration.
func regressionComment(is bugsink.Issue, rec syncstate.Record, closedAt *time.Time, base, mark string) string {
	var b strings.Builder
	b.WriteString("**Regression**: this error occurred again after the issue was closed.\n\n")
	if closedAt != nil {
		fmt.Fprintf(&b, "- **Closed**: %s\n", fmtTime(*closedAt))
	}
	if n := is.DigestedEventCount - rec.EventCount; n > 0 && rec.EventCount > 0 {
		fmt.Fprintf(&b, "- **New Occurrences**: %d since %s\n", n, fmtTime(rec.LastSeen))
	}
	fmt.Fprintf(&b, "- **Last Seen**: %s\n- **Total Occurrences**: %d\n\n**Bugsink Issue**: %s\n\n%s\n",
		fmtTime(is.LastSeen), is.DigestedEventCount, bugsinkLink(base, is.ID), mark)
	return b.String()
}
