package syncer

import (
	"context"

	"bsync/pkg/bugsink"
)

// keepLegacyBug files a new issue under the id the label rule of earlier
// versions gave its bug, when the state knows nothing under the new id
// and the old one's recorded issues are all of this project's application
// (legacyJoinable): a deployment's bugs filed before components were
// applications stay joinable. It only reads (stage prepare), so the
// reservation, the claim and the join all name the chosen id.
func (pp *preparer) keepLegacyBug(ctx context.Context, p bugsink.Project, link *linkInfo) error {
	if link.bug == "" || link.legacy == "" {
		return nil
	}
	bugs, found, err := pp.State.Bugs(ctx, link.bug, link.legacy) // one round trip for both
	if err != nil || found[0] || !found[1] {
		return err
	}
	old := bugs[1]
	ids := make([]string, 0, len(old.Members))
	for id := range old.Members {
		ids = append(ids, id)
	}
	states, err := pp.State.LookupState(ctx, ids)
	if err != nil {
		return err
	}
	projects := make([]string, 0, len(ids))
	for _, id := range ids {
		project := ""
		if rec := states[id].Entry.Record; rec != nil {
			project = rec.Project
		}
		projects = append(projects, project)
	}
	if ok, why := legacyJoinable(p.Slug, projects); ok {
		pp.Log.Info("filed under the bug id of earlier versions", "project", p.Slug, "bug", link.legacy, "why", why)
		link.bug = link.legacy
	}
	return nil
}
