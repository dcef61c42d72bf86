package syncer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// One Gitea issue per bug (docs/environments.md): a new Bugsink issue that
// is the same error as one filed from another environment of its
// component is recorded on that Gitea issue, which gains the environment's
// label and a row, instead of becoming an issue of its own. Bugsink issues
// of one bug are worked on one at a time (bugLocks); across runs and
// crashes, the bug's claim in the state says who creates its issue.

// linkInfo is where a new issue belongs when environments are linked.
type linkInfo struct {
	// bug is the bug's id (envlink.BugID); "" when the issue is filed on
	// its own.
	bug   string
	place envlink.Place
}

// linkFor returns a new issue's bug, from its project's place and the key
// Bugsink groups by. An issue whose event was not read whole (or is gone)
// is filed on its own: its fingerprint is not known.
func (pp *preparer) linkFor(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event) linkInfo {
	if !pp.Opts.LinkEnvironments || ev == nil || ev.DataErr != nil {
		return linkInfo{}
	}
	place, ok := pp.placer().Place(p.Slug)
	if !ok {
		return linkInfo{}
	}
	key, ok := envlink.Key(envlink.Error{Mechanism: p.GroupingMechanism, Type: is.CalculatedType, Value: is.CalculatedValue,
		Transaction: is.Transaction, Event: true, EventTransaction: ev.Data.Transaction, Fingerprint: ev.Data.Fingerprint})
	if !ok {
		return linkInfo{}
	}
	return linkInfo{bug: envlink.BugID(place.Component, key), place: place}
}

// placer places projects by their labels and the configured components.
func (e *Engine) placer() envlink.Placer {
	return envlink.Placer{Labels: e.labelsFor, Ignore: []string{SourceLabel}, Components: e.Opts.Components}
}

// claimBug carries out the decision on a new issue of a bug (decideBug):
// it creates the bug's Gitea issue (create true: the claim is its own) or
// is recorded on the one that exists (number). Otherwise o is its
// outcome: deferred while an earlier claimant's create may still land, or
// failed.
func (cl *claimer) claimBug(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) (number int, create bool, o outcome) {
	for attempt := 0; attempt < 3; attempt++ {
		b, _, err := cl.State.Bug(ctx, f.link.bug)
		if err != nil {
			return 0, false, cl.stateFailed(p, is, StageClaim, err)
		}
		f.bug = &bugFacts{number: b.Number}
		replacing := ""
		if c := b.Claim; c != nil {
			// Another issue's, or its own from a run that stopped.
			f.bug.claimant, f.bug.claimedAt, replacing = c.BugsinkIssueID, c.At, c.BugsinkIssueID
		}
		d := cl.judge(&f)
		if d.action == needClaimant {
			n, o, failed := cl.findClaimant(ctx, p, is, *b.Claim)
			if failed {
				return 0, false, o
			}
			f.bug.claimantLookup = &claimantFacts{number: n}
			d = cl.judge(&f)
		}
		switch d.action {
		case actJoin:
			return d.number, false, outcome{}
		case actDefer:
			return 0, false, outcome{deferred: true, warnings: []string{fmt.Sprintf(
				"%s: the gitea issue of the same error in another environment (%s, %s ago) may still be landing; deferred to a later run",
				is.ID, f.bug.claimant, cl.Now().Sub(f.bug.claimedAt).Round(time.Second))}}
		}
		won, _, err := cl.State.ClaimBug(ctx, f.link.bug, syncstate.BugClaim{BugsinkIssueID: is.ID, At: cl.Now(), Run: cl.Opts.RunID}, replacing)
		if err != nil {
			return 0, false, cl.stateFailed(p, is, StageClaim, err)
		}
		if won {
			return 0, true, outcome{}
		}
	}
	return 0, false, cl.failed(p, is, StageClaim, errors.New("the claim on this error's gitea issue kept changing; the next run tries again"))
}

// findClaimant looks for the Gitea issue of another Bugsink issue's claim
// (left by a run that stopped, or by a create that failed with an unknown
// outcome): its mapping, else its marker in Gitea; 0 when not found.
// failed is true when o is the issue's outcome (a read failed).
func (cl *claimer) findClaimant(ctx context.Context, p bugsink.Project, is bugsink.Issue, c syncstate.BugClaim) (int, outcome, bool) {
	entry, ok, err := cl.State.Get(ctx, c.BugsinkIssueID)
	if err != nil {
		return 0, cl.stateFailed(p, is, StageClaim, err), true
	}
	if ok && entry.Record != nil && entry.Record.GiteaIssueNumber > 0 {
		return entry.Record.GiteaIssueNumber, outcome{}, false
	}
	gi, err := cl.write.findExisting(ctx, c.BugsinkIssueID, c.At)
	if err != nil {
		return 0, cl.failed(p, is, StageRecover, fmt.Errorf("looking in Gitea for the issue %s was creating for this error failed: %w", c.BugsinkIssueID, err)), true
	}
	if gi != nil {
		return gi.Number, outcome{}, false
	}
	return 0, outcome{}, false
}

// stateFailed is the outcome of an issue the sync state failed for: the
// run stops (continuing could duplicate work).
func (e *Engine) stateFailed(p bugsink.Project, is bugsink.Issue, stage Stage, err error) outcome {
	o := e.failed(p, is, stage, err)
	o.fatal = fmt.Errorf("the sync state cannot be read or written, so nothing more is created: %w", err)
	return o
}

// clearReservation drops the reservation of an issue for which nothing
// was created.
func (cl *claimer) clearReservation(ctx context.Context, id string) {
	if err := cl.State.ClearReservation(ctx, id); err != nil {
		cl.Log.Warn("could not clear a reservation; the next run checks Gitea first", "bugsink_issue", id, "err", err)
	}
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
	gi, err := lc.Gitea.Issue(ctx, number)
	if gitea.IsNotFound(err) {
		err = fmt.Errorf("gitea issue #%d, filed for this error in another environment, no longer exists; `bsync forget` of the bugsink issues mapped to it lets the next run file the error anew", number)
	}
	if err != nil {
		return fail(err)
	}
	b, _, err := lc.State.Bug(ctx, prep.link.bug)
	if err != nil {
		return fail(err)
	}
	if err := lc.write.addEnvLabel(ctx, gi, prep.link.place); err != nil {
		return fail(err)
	}
	if err := lc.write.writeBug(ctx, gi, prep.link.bug, b.Members, lc.newRow(p, is, prep.link)); err != nil {
		return fail(err)
	}
	f := prep.facts
	f.bug = &bugFacts{number: number, members: b.Members, madeThisRun: lc.bugs.madeNow(gi.Number)}
	if d := lc.judge(&f); d.announce {
		if err := lc.write.announceEscape(ctx, gi, p, is, prep.link, b.Members); err != nil {
			return fail(err)
		}
	}
	o, rec := lc.rec.recordCreated(ctx, p, is, gi, labelNames(gi.Labels, prep.link.place.EnvLabel()), nil, false, prep.link)
	o.warnings = append(prep.warnings, o.warnings...)
	if o.created != nil {
		o.created.Linked = true
	}
	if rec == nil {
		return o, nil
	}
	lc.Log.Info("linked", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number, "environment", prep.link.place.Env)
	return o, func(ctx context.Context, o *outcome) { lc.res.afterRecord(ctx, p, is, gi, *rec, o) }
}

// labelNames lists an issue's label names plus extra.
func labelNames(labels []gitea.Label, extra string) []string {
	out := make([]string, 0, len(labels)+1)
	for _, l := range labels {
		if l.Name != extra {
			out = append(out, l.Name)
		}
	}
	return append(out, extra)
}

// addEnvLabel gives a shared issue the environment's label unless it has
// it (Gitea's POST .../labels adds to the issue's labels, keeping those it
// has: routers/api/v1/repo/issue_label.go AddIssueLabels).
func (w *writer) addEnvLabel(ctx context.Context, gi *gitea.Issue, place envlink.Place) error {
	for _, l := range gi.Labels {
		if l.Name == place.EnvLabel() {
			return nil
		}
	}
	ids, err := w.labels.idsFor(ctx, []string{place.EnvLabel()})
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("label %s for gitea issue #%d: %w", place.EnvLabel(), gi.Number, err)
	}
	if _, err := w.Gitea.AddLabels(ctx, gi.Number, ids); err != nil {
		return err
	}
	return nil
}

// announceEscape writes the one comment that says a bug seen only in other
// environments reached production (news: the defect escaped; decideBug
// says when), unless a comment carries its marker already.
func (w *writer) announceEscape(ctx context.Context, gi *gitea.Issue, p bugsink.Project, is bugsink.Issue, link linkInfo, members map[string]string) error {
	var before []string
	for id, env := range members {
		if id != is.ID {
			before = appendOnce(before, env)
		}
	}
	sort.Strings(before)
	mark := render.EscapedMarker(link.bug)
	if found, err := w.commented(ctx, gi.Number, mark); err != nil || found {
		return err
	}
	_, err := w.Gitea.Comment(ctx, gi.Number, render.EscapedComment(link.bug, w.newRow(p, is, link).EnvRow, before, w.Opts.Render.BugsinkURL))
	return err
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// releaseClaim drops id's claim on bug after a create that certainly
// failed, so the bug's other issues need not wait for it.
func (cl *claimer) releaseClaim(ctx context.Context, bug, id string) {
	if bug == "" {
		return
	}
	if err := cl.State.ReleaseBugClaim(ctx, bug, id); err != nil {
		cl.Log.Warn("could not release a claim; the bug's other issues wait for it", "bugsink_issue", id, "err", err)
	}
}

// pendingLink is the bug a reservation names (an interrupted create or
// link of an issue linked across environments).
func pendingLink(r *syncstate.Reservation) linkInfo {
	if r == nil || r.Bug == "" {
		return linkInfo{}
	}
	return linkInfo{bug: r.Bug, place: envlink.Place{Env: r.Env}}
}

// wouldLink says, in a dry run, where a new issue of a bug would go: the
// Gitea issue the state records for the bug, or the issue of this run
// that would create it.
func (pp *preparer) wouldLink(ctx context.Context, would *CreatedIssue, link linkInfo) error {
	if link.bug == "" {
		return nil
	}
	b, _, err := pp.State.Bug(ctx, link.bug)
	if err != nil {
		return err
	}
	if b.Number > 0 {
		would.LinkTo = b.Number
		return nil
	}
	if first, ok := pp.bugs.wouldFile(link.bug, would.BugsinkIssueID); ok {
		would.LinkWith = first
	}
	return nil
}

// rejoinBug puts an adopted issue's row back in its shared issue's
// Environments section (best effort: a failure is a warning, and the row
// comes back with its next recurrence; its marker is in the body).
func (w *writer) rejoinBug(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, link linkInfo) string {
	b, _, err := w.State.Bug(ctx, link.bug)
	if err == nil {
		err = w.writeBug(ctx, gi, link.bug, b.Members, w.newRow(p, is, link))
	}
	if err != nil {
		return fmt.Sprintf("%s: its row in the environments of gitea issue #%d was not written: %v", is.ID, gi.Number, err)
	}
	return ""
}

// renderNew renders a new issue's Gitea issue and finds its bug; an issue
// of a bug starts its Environments section with its own row.
func (pp *preparer) renderNew(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event, code *render.Code) (render.Output, linkInfo) {
	out := render.Issue(render.Input{Issue: is, Event: ev, Project: p.Slug, Options: pp.Opts.Render, Code: code})
	link := pp.linkFor(p, is, ev)
	if link.bug != "" {
		out.Body, _ = render.ReplaceEnvironments(out.Body, render.EnvironmentsSection(link.bug,
			[]render.EnvRow{pp.newRow(p, is, link).EnvRow}, pp.Opts.Render.BugsinkURL))
	}
	return out, link
}

// Link is where a new issue belongs when environments are linked.
type Link struct {
	Component   string `json:"component"`
	Environment string `json:"environment"`
	BugID       string `json:"bug_id"`
}

// RenderNew renders the Gitea issue a sync with opts would create for a
// new Bugsink issue, and the bug it would be filed under (nil when it is
// filed on its own).
func RenderNew(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event, opts Options) (render.Output, *Link) {
	pp := &preparer{Engine: &Engine{Opts: opts}}
	out, link := pp.renderNew(p, is, ev, nil) // no repository read: no code links
	if link.bug == "" {
		return out, nil
	}
	return out, &Link{Component: link.place.Component, Environment: link.place.Env, BugID: link.bug}
}
