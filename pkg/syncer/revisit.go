package syncer

import (
	"context"
	"fmt"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// revisit handles an unresolved issue that already has a Gitea issue. Seen
// again after it was recorded, it is a regression: comment, reopen (unless
// closed as won't fix), record, resolve. Not seen since, an earlier resolve
// did not take: resolve it again, nothing else.
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
	if !regressed(is, rec) {
		if e.Opts.NoResolve {
			return out // synced, and meant to stay unresolved in Bugsink
		}
		if err := e.Bugsink.Resolve(ctx, is.ID); err != nil {
			out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: "resolve", Message: err.Error(), GiteaIssueNumber: rec.GiteaIssueNumber})
			return out
		}
		out.resolved = true
		return out
	}
	return e.regress(ctx, p, is, rec, out)
}

func (e *Engine) regress(ctx context.Context, p bugsink.Project, is bugsink.Issue, rec syncstate.Record, out outcome) outcome {
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
		return fail("regression", err)
	}
	if _, err := e.Gitea.Comment(ctx, gi.Number, regressionComment(is, e.Opts.Render.BugsinkURL)); err != nil {
		return fail("regression_comment", err)
	}
	reg := Regression{BugsinkIssueID: is.ID, Project: p.Slug, GiteaIssueNumber: gi.Number}
	if gi.State == "closed" {
		if wontFix(gi.Labels, e.Opts.WontFixLabels) {
			reg.WontFix = true
		} else if _, err := e.Gitea.SetState(ctx, gi.Number, "open"); err != nil {
			return fail("regression_reopen", err)
		} else {
			reg.Reopened = true
		}
	}
	rec.LastSeen = is.LastSeen
	rec.EventCount = is.DigestedEventCount
	rec.Regressions++
	if err := e.record(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("recorded regression of %s in gitea #%d but could not update its mapping: %w", is.ID, gi.Number, err)
		return out
	}
	out.regression = &reg
	if e.Opts.NoResolve {
		return out
	}
	if err := e.Bugsink.Resolve(ctx, is.ID); err != nil {
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: "resolve", Message: err.Error(), GiteaIssueNumber: gi.Number})
	}
	e.Log.Info("regression", "bugsink_issue", is.ID, "gitea_issue", gi.Number, "reopened", reg.Reopened)
	return out
}

// regressed reports whether a mapped issue was seen after it was recorded
// (or, for a record from the older writer, after it was synced).
func regressed(is bugsink.Issue, rec syncstate.Record) bool {
	ref := rec.LastSeen
	if ref.IsZero() {
		ref = rec.SyncedAt
	}
	return is.LastSeen.After(ref)
}

func wontFix(labels []gitea.Label, names []string) bool {
	for _, l := range labels {
		if contains(names, l.Name) {
			return true
		}
	}
	return false
}

func regressionComment(is bugsink.Issue, base string) string {
	return fmt.Sprintf("**Regression**: this error occurred again after it was resolved.\n\n"+
		"- **Last Seen**: %s\n- **Total Occurrences**: %d\n\n**Bugsink Issue**: %s\n",
		fmtTime(is.LastSeen), is.DigestedEventCount, bugsinkLink(base, is.ID))
}
