package syncer

import (
	"fmt"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
)

// What happened to one issue (outcome), as every stage reports it, and how
// it is merged into the run's report.

// outcome is what happened to one issue; it is merged into the report in
// listing order so the report does not depend on concurrency.
type outcome struct {
	created    *CreatedIssue
	would      *CreatedIssue
	regression *Regression
	resolved   bool
	skipped    bool
	deferred   bool
	below      bool
	failed     bool
	errs       []IssueError
	warnings   []string
	fatal      error

	// recurring: came back while its Gitea issue was open (no comment).
	recurring bool
	// awaitingFix: came back after a close from releases without the fix.
	awaitingFix bool
	// watch: it awaits its fix, left unresolved in Bugsink; it stays in
	// the leftover set, so that every run looks at it (its first event
	// with the fix, or a day without events, is not missed between full
	// listings).
	watch bool
	// reopenedInBugsink: first found reopened by a person in Bugsink.
	reopenedInBugsink bool
	// linkedBug is the bug a linked issue joined.
	linkedBug string
}

// failed is the outcome of an issue that failed at stage. An error that
// every other issue would meet too (a refused token) stops the run.
func (e *Engine) failed(p bugsink.Project, is bugsink.Issue, stage Stage, err error) outcome {
	e.Log.Warn("issue failed", "bugsink_issue", is.ID, "project", p.Slug, "stage", stage, "err", err)
	o := outcome{failed: true, errs: []IssueError{{BugsinkIssueID: is.ID, Project: p.Slug, Stage: stage, Message: err.Error()}}}
	if refused(err) {
		o.fatal = err
	}
	return o
}

// stateFailed is the outcome of an issue the sync state failed for: the
// run stops (continuing could duplicate work).
func (e *Engine) stateFailed(p bugsink.Project, is bugsink.Issue, stage Stage, err error) outcome {
	o := e.failed(p, is, stage, err)
	o.fatal = fmt.Errorf("the sync state cannot be read or written, so nothing more is created: %w", err)
	return o
}

// refused reports whether an API refused the run as a whole: the token
// (revoked, mistyped or without the needed scope), or the Gitea repository
// (missing or invisible to the token). Every other issue would fail the
// same way.
func refused(err error) bool {
	return gitea.IsUnauthorized(err) || bugsink.IsUnauthorized(err) || gitea.IsRepoNotFound(err)
}

// merged reports whether an outcome belongs in the report. One stopped
// by a refusal that concerns the whole run (token, repository) before it
// did anything does not: the run's error names the cause once, rather
// than once per issue in flight.
func merged(o outcome) bool {
	return o.fatal == nil || !refused(o.fatal) || o.created != nil || o.regression != nil || o.resolved ||
		o.recurring || o.awaitingFix || o.reopenedInBugsink
}

// merge adds one issue's outcome to the report and its project's.
func merge(rep *Report, pr *ProjectReport, o outcome) {
	switch {
	case o.created != nil:
		rep.Synced++
		pr.Synced++
		rep.Created = append(rep.Created, *o.created)
		if o.created.Adopted {
			rep.Adopted++
		}
		if o.created.Linked {
			if countOnce(&rep.linkedBugs, o.linkedBug) {
				rep.Linked++
			}
			pr.Linked++
		} else {
			rep.NewIssues++
			pr.NewIssues++
		}
	case o.would != nil:
		rep.Synced, rep.NewIssues = rep.Synced+1, rep.NewIssues+1
		pr.Synced, pr.NewIssues = pr.Synced+1, pr.NewIssues+1
		rep.WouldCreate = append(rep.WouldCreate, *o.would)
	case o.failed:
		rep.Failed++
		pr.Failed++
	case o.skipped:
		rep.Skipped++
		pr.Skipped++
	case o.deferred:
		rep.Deferred++
		pr.Deferred++
	case o.below:
		rep.BelowThreshold++
		pr.Below++
	}
	if o.regression != nil {
		rep.Regressed++
		pr.Regressed++
		rep.Regressions = append(rep.Regressions, *o.regression)
	}
	if o.resolved {
		rep.Resolved++
		pr.Resolved++
	}
	if o.recurring {
		rep.Recurring++
		pr.Recurring++
	}
	if o.awaitingFix {
		rep.AwaitingFix++
		pr.Awaiting++
	}
	if o.reopenedInBugsink {
		rep.ReopenedInBugsink++
		pr.Reopened++
	}
	rep.Errors = append(rep.Errors, o.errs...)
	rep.Warnings = append(rep.Warnings, o.warnings...)
}
