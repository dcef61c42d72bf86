package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// Stage "prepare": a new issue's newest event is read, its Gitea issue
// rendered (code links and owners: code.go), its labels resolved and its
// bug found. Nothing is written.

// preparer reads a new issue's event and renders its Gitea issue.
type preparer struct {
	*Engine
	labels *labelBook
	bugs   *bugBook
}

// prepared is a new issue read from Bugsink and rendered, ready for Gitea.
type prepared struct {
	r        render.Output
	names    []string
	ids      []int64
	warnings []string
	// assignees are the code owners the issue is created with.
	assignees []string
	// reservedAt is when the create was reserved, if it was already.
	reservedAt time.Time
	// replaces is the reservation an interrupted run left, which this
	// create takes over (nil: none).
	replaces *syncstate.Reservation
	// link is the bug the issue is one environment of (linkFor).
	link linkInfo
	// facts is what is known of the issue once it is prepared.
	facts facts
}

// prepare reads an issue's newest event and renders its Gitea issue; it
// writes nothing. ok is false when o is the issue's whole outcome (below
// the level threshold, a failed read, a dry run's preview).
func (pp *preparer) prepare(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) (prep prepared, o outcome, ok bool) {
	ev, err := pp.Bugsink.LatestEvent(ctx, is.ID)
	if errors.Is(err, bugsink.ErrNoEvents) {
		ev, err = nil, nil
	}
	if err != nil {
		return prep, pp.failed(p, is, StageReadEvent, err), false
	}
	f.event = &eventFacts{level: eventLevel(ev)}
	if ev != nil {
		f.event.release = ev.Data.Release
	}
	prep.link = pp.linkFor(p, is, ev)
	if err := pp.keepLegacyBug(ctx, p, &prep.link); err != nil {
		// A state bsync cannot read stops the run, as at the claim.
		return prep, pp.stateFailed(p, is, StageClaim, err), false
	}
	f.link = prep.link
	d := pp.judge(&f)
	if d.action == needBugFiled {
		b, _, err := pp.State.Bug(ctx, prep.link.bug)
		if err != nil {
			return prep, pp.stateFailed(p, is, StageClaim, err), false
		}
		filed := b.Number > 0
		f.bugFiled = &filed
		d = pp.judge(&f)
	}
	if d.action == actBelow {
		return prep, outcome{below: true}, false
	}
	if ev != nil && ev.DataErr != nil {
		prep.warnings = append(prep.warnings, fmt.Sprintf("%s: part of the event payload could not be read: %v", is.ID, ev.DataErr))
	}
	code, owners := pp.locate(ctx, p.Slug, ev)
	prep.r = pp.renderLinked(p, is, ev, code, prep.link)
	prep.facts = f
	prep.assignees = owners
	prep.warnings = append(prep.warnings, prep.r.Warnings...)
	prep.names = pp.labelsFor(p.Slug)
	ids, err := pp.labels.idsFor(ctx, prep.names)
	if err != nil {
		return prep, pp.failed(p, is, StageLabels, err), false
	}
	prep.ids = ids
	if d.action == actPreview {
		would := &CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: render.IssueLink(pp.Opts.Render.BugsinkURL, is.ID),
			Project: p.Slug, Title: prep.r.Title, Labels: prep.names, Assignees: prep.assignees}
		if err := pp.wouldLink(ctx, would, prep.link); err != nil {
			return prep, pp.failed(p, is, StageClaim, err), false
		}
		return prep, outcome{would: would, warnings: prep.warnings}, false
	}
	return prep, outcome{}, true
}

// linkInfo is where a new issue belongs when environments are linked.
type linkInfo struct {
	// bug is the bug's id (envlink.BugID); "" when the issue is filed on
	// its own.
	bug   string
	place envlink.Place
	// legacy is the id the label rule of earlier versions gave the bug
	// (legacyComponent), "" when it gave none or the same.
	legacy string
	// pendingClose is the close of the bug's Gitea issue that a joining
	// issue is a return after (actJoinReturn), recorded with its mapping.
	pendingClose string
	// fix is, for a join after a close from a release without the fix
	// (decision.awaitFix), the fix the mapping records (its Fix* fields).
	fix *syncstate.Record
}

// renderNew renders a new issue's Gitea issue and finds its bug; an issue
// of a bug starts its Environments section with its own row.
func (pp *preparer) renderNew(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event, code *render.Code) (render.Output, linkInfo) {
	link := pp.linkFor(p, is, ev)
	return pp.renderLinked(p, is, ev, code, link), link
}

// renderLinked renders a new issue's Gitea issue for its bug.
func (pp *preparer) renderLinked(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event, code *render.Code, link linkInfo) render.Output {
	opts := pp.Opts.Render
	if link.bug != "" {
		opts.MaxBodyBytes = bodyCapWithSection(opts.MaxBodyBytes)
	}
	out := render.Issue(render.Input{Issue: is, Event: ev, Project: p.Slug, Options: opts, Code: code})
	if link.bug != "" {
		out.Body = render.UpdateEnvironments(out.Body, link.bug, []render.EnvRow{pp.newRow(p, is, link).EnvRow}, pp.Opts.Render.BugsinkURL)
		out.Body = render.EnvironmentRowToSection(out.Body)
	}
	return out
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
	link := linkInfo{bug: envlink.BugID(place.Component, key), place: place}
	if _, configured := pp.Opts.Components[p.Slug]; !configured {
		if c := legacyComponent(pp.labelsFor(p.Slug), []string{SourceLabel}); c != "" {
			link.legacy = envlink.BugID(c, key)
		}
	}
	return link
}

// placer places projects by their slugs, labels and the configured
// components; two projects of the run in one place are linked with none.
func (e *Engine) placer() envlink.Placer {
	var slugs []string
	if e.selected != nil {
		for _, p := range *e.selected {
			slugs = append(slugs, p.Slug)
		}
	}
	return envlink.Placer{Labels: e.labelsFor, Ignore: []string{SourceLabel}, Components: e.Opts.Components, Projects: slugs}
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

// Link is where a new issue belongs when environments are linked.
type Link struct {
	Component   string `json:"component"`
	Environment string `json:"environment"`
	BugID       string `json:"bug_id"`
}
