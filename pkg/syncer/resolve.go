package syncer

import (
	"context"
	"fmt"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// How a synced issue is resolved in Bugsink (Options.ResolveMode).
const (
	// ResolvePlain resolves it outright: its next event, whatever its
	// release, reopens it (and sends Bugsink's regression alert).
	ResolvePlain = "resolve"
	// ResolveNextRelease resolves it "in the next release": events from
	// the releases Bugsink knows leave it resolved; the first event of a
	// newer release reopens it. In a project without releases it is never
	// reopened.
	ResolveNextRelease = "next-release"
)

// ValidResolveMode reports whether m names a resolve mode ("" is the
// default).
func ValidResolveMode(m string) bool {
	return m == "" || m == ResolvePlain || m == ResolveNextRelease
}

// resolver resolves recorded issues in Bugsink.
type resolver struct {
	*Engine
	rec mappingWriter
}

// mappingWriter updates a mapping (the recorder).
type mappingWriter interface {
	record(ctx context.Context, id string, rec syncstate.Record) error
}

// resolve resolves an issue in Bugsink the configured way.
func (rv *resolver) resolve(ctx context.Context, id string) error {
	if rv.Opts.ResolveMode == ResolveNextRelease {
		return rv.Bugsink.ResolveNext(ctx, id)
	}
	return rv.Bugsink.Resolve(ctx, id)
}

// markResolved records that bsync's resolve of the recorded state took, so
// that the issue found unresolved later without a new event is known to
// have been reopened by a person. In next-release mode it records the
// release of the latest event too: Bugsink reopens the issue only for a
// newer one, so a return without one is a person's reopen. It returns a
// warning when a write or read failed (then a later run resolves it again,
// as for a failed resolve, or cannot tell a person's reopen by release).
func (rv *resolver) markResolved(ctx context.Context, id string, rec syncstate.Record) string {
	rec.ResolvedAt = rv.Now()
	rec.ResolvedRelease = nil
	var warn string
	if rv.Opts.ResolveMode == ResolveNextRelease {
		if ev, err := rv.Bugsink.LatestEvent(ctx, id); err != nil {
			warn = fmt.Sprintf("%s: resolved in Bugsink, but its release could not be read: %v", id, err)
		} else {
			release := ev.Data.Release
			rec.ResolvedRelease = &release
		}
	}
	if err := rv.rec.record(ctx, id, rec); err != nil {
		return fmt.Sprintf("%s: resolved in Bugsink, but recording that failed: %v", id, err)
	}
	return warn
}

// afterRecord resolves a recorded issue in Bugsink and leaves the
// back-link comment.
func (rv *resolver) afterRecord(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, rec syncstate.Record, out *outcome) {
	if rv.Opts.NoResolve {
		// left unresolved in Bugsink on purpose
	} else if rec.AwaitingFix() {
		// back after a close from a release without the fix: left
		// unresolved until the fix ships (docs/regressions.md)
		out.awaitingFix, out.watch = true, true
	} else if err := rv.resolve(ctx, is.ID); err != nil {
		rv.Log.Warn("resolve failed; the next run resolves it again", "bugsink_issue", is.ID, "err", err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: gi.Number})
	} else if w := rv.markResolved(ctx, is.ID, rec); w != "" {
		out.warnings = append(out.warnings, w)
	}
	if rv.Opts.BackLink {
		if err := rv.Bugsink.Comment(ctx, is.ID, render.BackLink(gi.Number, gi.HTMLURL)); err != nil {
			// Best effort, and never repeated: the issue is recorded.
			out.warnings = append(out.warnings, fmt.Sprintf("%s: could not leave the back-link comment in Bugsink: %v", is.ID, err))
		}
	}
	rv.Log.Info("synced", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number, "adopted", out.created != nil && out.created.Adopted)
}
