package syncer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
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
func (e *Engine) linkFor(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event) linkInfo {
	if !e.Opts.LinkEnvironments || ev == nil || ev.DataErr != nil {
		return linkInfo{}
	}
	place, ok := e.placer().Place(p.Slug)
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

// keyedLocks is a mutex per key, held by one goroutine at a time.
type keyedLocks struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

// lock takes key's mutex and returns its unlock.
func (k *keyedLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyedLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// claimBug decides whether a new issue of a bug creates the bug's Gitea
// issue (create true: the claim is its own) or is recorded on the one that
// exists (number). Otherwise o is its outcome: deferred while an earlier
// claimant's create may still land, or failed.
func (e *Engine) claimBug(ctx context.Context, p bugsink.Project, is bugsink.Issue, link linkInfo) (number int, create bool, o outcome) {
	for attempt := 0; attempt < 3; attempt++ {
		b, _, err := e.State.Bug(ctx, link.bug)
		if err != nil {
			return 0, false, e.stateFailed(p, is, StageClaim, err)
		}
		if b.Number > 0 {
			return b.Number, false, outcome{}
		}
		replacing := ""
		if c := b.Claim; c != nil && c.BugsinkIssueID != is.ID {
			n, o, decided := e.settleClaim(ctx, p, is, *c)
			if decided || n > 0 {
				return n, false, o
			}
			replacing = c.BugsinkIssueID
		} else if c != nil {
			replacing = is.ID // its own, from a run that stopped
		}
		won, _, err := e.State.ClaimBug(ctx, link.bug, syncstate.BugClaim{BugsinkIssueID: is.ID, At: e.Now(), Run: e.Opts.RunID}, replacing)
		if err != nil {
			return 0, false, e.stateFailed(p, is, StageClaim, err)
		}
		if won {
			return 0, true, outcome{}
		}
	}
	return 0, false, e.failed(p, is, StageClaim, errors.New("the claim on this error's gitea issue kept changing; the next run tries again"))
}

// settleClaim looks for the Gitea issue of another Bugsink issue's claim
// (left by a run that stopped, or by a create that failed with an unknown
// outcome): its mapping, else its marker in Gitea. Found, its number is
// returned. Not found, the claim is stale once older than PendingGrace
// (decided false: take it over); before that the issue is deferred.
func (e *Engine) settleClaim(ctx context.Context, p bugsink.Project, is bugsink.Issue, c syncstate.BugClaim) (int, outcome, bool) {
	entry, ok, err := e.State.Get(ctx, c.BugsinkIssueID)
	if err != nil {
		return 0, e.stateFailed(p, is, StageClaim, err), true
	}
	if ok && entry.Record != nil && entry.Record.GiteaIssueNumber > 0 {
		return entry.Record.GiteaIssueNumber, outcome{}, true
	}
	gi, err := e.findExisting(ctx, c.BugsinkIssueID, c.At)
	if err != nil {
		return 0, e.failed(p, is, StageRecover, fmt.Errorf("looking in Gitea for the issue %s was creating for this error failed: %w", c.BugsinkIssueID, err)), true
	}
	if gi != nil {
		return gi.Number, outcome{}, true
	}
	if age := e.Now().Sub(c.At); age < e.Opts.PendingGrace {
		return 0, outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: the gitea issue of the same error in another environment (%s, %s ago) may still be landing; deferred to a later run", is.ID, c.BugsinkIssueID, age.Round(time.Second))}}, true
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
func (e *Engine) clearReservation(ctx context.Context, id string) {
	if err := e.State.ClearReservation(ctx, id); err != nil {
		e.Log.Warn("could not clear a reservation; the next run checks Gitea first", "bugsink_issue", id, "err", err)
	}
}

// linkTo records a new issue on its bug's Gitea issue: the environment's
// label, its row and hidden lines in the body, the one comment when the
// bug reaches production, then the mapping (each step can be repeated
// after a crash without writing twice). The resolve and back-link are
// returned as after.
func (e *Engine) linkTo(ctx context.Context, p bugsink.Project, is bugsink.Issue, prep prepared, number int) (outcome, func(context.Context, *outcome)) {
	fail := func(err error) (outcome, func(context.Context, *outcome)) {
		e.clearReservation(ctx, is.ID)
		return e.failed(p, is, StageLink, err), nil
	}
	gi, err := e.Gitea.Issue(ctx, number)
	if gitea.IsNotFound(err) {
		err = fmt.Errorf("gitea issue #%d, filed for this error in another environment, no longer exists; `bsync forget` of the bugsink issues mapped to it lets the next run file the error anew", number)
	}
	if err != nil {
		return fail(err)
	}
	b, _, err := e.State.Bug(ctx, prep.link.bug)
	if err != nil {
		return fail(err)
	}
	if err := e.addEnvLabel(ctx, gi, prep.link.place); err != nil {
		return fail(err)
	}
	if err := e.writeBug(ctx, gi, prep.link.bug, b.Members, e.newRow(p, is, prep.link)); err != nil {
		return fail(err)
	}
	if err := e.announceEscape(ctx, gi, p, is, prep.link, b.Members); err != nil {
		return fail(err)
	}
	o, rec := e.recordCreated(ctx, p, is, gi, labelNames(gi.Labels, prep.link.place.EnvLabel()), nil, false, prep.link)
	o.warnings = append(prep.warnings, o.warnings...)
	if o.created != nil {
		o.created.Linked = true
	}
	if rec == nil {
		return o, nil
	}
	e.Log.Info("linked", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number, "environment", prep.link.place.Env)
	return o, func(ctx context.Context, o *outcome) { e.afterRecord(ctx, p, is, gi, *rec, o) }
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
func (e *Engine) addEnvLabel(ctx context.Context, gi *gitea.Issue, place envlink.Place) error {
	for _, l := range gi.Labels {
		if l.Name == place.EnvLabel() {
			return nil
		}
	}
	ids, err := e.labelIDsFor(ctx, []string{place.EnvLabel()})
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("label %s for gitea issue #%d: %w", place.EnvLabel(), gi.Number, err)
	}
	if _, err := e.Gitea.AddLabels(ctx, gi.Number, ids); err != nil {
		return err
	}
	return nil
}

// announceEscape writes the one comment that says a bug seen only in other
// environments reached production (news: the defect escaped), unless a
// comment carries its marker already. A bug that reached both before its
// issue was filed (in this run) is not news: the issue says it from the
// start.
func (e *Engine) announceEscape(ctx context.Context, gi *gitea.Issue, p bugsink.Project, is bugsink.Issue, link linkInfo, members map[string]string) error {
	if _, made := e.made.Load(gi.Number); made || link.place.Env != envlink.Production {
		return nil
	}
	var before []string
	for id, env := range members {
		if id == is.ID {
			continue
		}
		if env == envlink.Production {
			return nil
		}
		before = appendOnce(before, env)
	}
	sort.Strings(before)
	mark := render.EscapedMarker(link.bug)
	if found, err := e.commented(ctx, gi.Number, mark); err != nil || found {
		return err
	}
	_, err := e.Gitea.Comment(ctx, gi.Number, render.EscapedComment(link.bug, e.newRow(p, is, link).EnvRow, before, e.Opts.Render.BugsinkURL))
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
func (e *Engine) releaseClaim(ctx context.Context, bug, id string) {
	if bug == "" {
		return
	}
	if err := e.State.ReleaseBugClaim(ctx, bug, id); err != nil {
		e.Log.Warn("could not release a claim; the bug's other issues wait for it", "bugsink_issue", id, "err", err)
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
func (e *Engine) wouldLink(ctx context.Context, would *CreatedIssue, link linkInfo) error {
	if link.bug == "" {
		return nil
	}
	b, _, err := e.State.Bug(ctx, link.bug)
	if err != nil {
		return err
	}
	if b.Number > 0 {
		would.LinkTo = b.Number
		return nil
	}
	e.dryMu.Lock()
	defer e.dryMu.Unlock()
	if first, ok := e.dryBugs[link.bug]; ok {
		would.LinkWith = first
		return nil
	}
	if e.dryBugs == nil {
		e.dryBugs = map[string]string{}
	}
	e.dryBugs[link.bug] = would.BugsinkIssueID
	return nil
}

// rejoinBug puts an adopted issue's row back in its shared issue's
// Environments section (best effort: a failure is a warning, and the row
// comes back with its next recurrence; its marker is in the body).
func (e *Engine) rejoinBug(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, link linkInfo) string {
	b, _, err := e.State.Bug(ctx, link.bug)
	if err == nil {
		err = e.writeBug(ctx, gi, link.bug, b.Members, e.newRow(p, is, link))
	}
	if err != nil {
		return fmt.Sprintf("%s: its row in the environments of gitea issue #%d was not written: %v", is.ID, gi.Number, err)
	}
	return ""
}

// renderNew renders a new issue's Gitea issue and finds its bug; an issue
// of a bug starts its Environments section with its own row.
func (e *Engine) renderNew(p bugsink.Project, is bugsink.Issue, ev *bugsink.Event, code *render.Code) (render.Output, linkInfo) {
	out := render.Issue(render.Input{Issue: is, Event: ev, Project: p.Slug, Options: e.Opts.Render, Code: code})
	link := e.linkFor(p, is, ev)
	if link.bug != "" {
		out.Body, _ = render.ReplaceEnvironments(out.Body, render.EnvironmentsSection(link.bug,
			[]render.EnvRow{e.newRow(p, is, link).EnvRow}, e.Opts.Render.BugsinkURL))
	}
	return out, link
}

// Link is where a new issue belongs when environments are linked.
type Link struct {
	Component   string `json:"component"`
	Environment string `json:"environment"`
	BugID       string `json:"bug_id"`
}
