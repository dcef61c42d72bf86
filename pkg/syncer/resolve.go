package syncer

import (
	"context"
	"fmt"

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

// resolve resolves an issue in Bugsink the configured way.
func (e *Engine) resolve(ctx context.Context, id string) error {
	if e.Opts.ResolveMode == ResolveNextRelease {
		return e.Bugsink.ResolveNext(ctx, id)
	}
	return e.Bugsink.Resolve(ctx, id)
}

// markResolved records that bsync's resolve of the recorded state took, so
// that the issue found unresolved later without a new event is known to
// have been reopened by a person. It returns a warning when the write
// failed (then a later run resolves it again, as for a failed resolve).
func (e *Engine) markResolved(ctx context.Context, id string, rec syncstate.Record) string {
	rec.ResolvedAt = e.Now()
	if err := e.record(ctx, id, rec); err != nil {
		return fmt.Sprintf("%s: resolved in Bugsink, but recording that failed: %v", id, err)
	}
	return ""
}
