package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// Stage "claim": before anything is written in Gitea, the state holds a
// reservation naming the issue (and its bug), so a create cut short is
// looked for, never repeated blindly. One Gitea issue per bug
// (docs/environments.md): a new Bugsink issue that is the same error as
// one filed from another environment of its component is recorded on that
// Gitea issue, which gains the environment's label and a row, instead of
// becoming an issue of its own. Bugsink issues of one bug are worked on one
// at a time (bugBook); across runs and crashes, the bug's claim in the
// state says who creates its issue.

// claimer reserves an issue's create and claims its bug.
type claimer struct {
	*Engine
	find issueFinder
}

// issueFinder finds the Gitea issue of a create whose outcome is unknown,
// by its marker (the writer: find.go).
type issueFinder interface {
	findExisting(ctx context.Context, id string, since time.Time) (*gitea.Issue, error)
}

// reserve writes the reservation that precedes a create (naming the bug
// of an issue linked across environments); the state refuses it where
// the issue is mapped or reserved by another create since it was looked
// up (the last check before a create): then nothing is created. A failure
// to write stops the run: without the reservation, a create could not be
// recovered after a crash.
func (cl *claimer) reserve(ctx context.Context, p bugsink.Project, is bugsink.Issue, link linkInfo, replaces *syncstate.Reservation) (outcome, bool) {
	r := syncstate.Reservation{At: cl.Now(), Run: cl.Opts.RunID}
	if link.bug != "" {
		r.Bug, r.Env = link.bug, link.place.Env
	}
	err := cl.State.Reserve(ctx, is.ID, r, replaces)
	switch {
	case errors.Is(err, syncstate.ErrMapped):
		cl.Log.Info("mapped since it was looked up; not created again", "bugsink_issue", is.ID, "project", p.Slug)
		return outcome{skipped: true}, false
	case errors.Is(err, syncstate.ErrReserved):
		return outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: another create reserved this issue since it was looked up; deferred to a later run", is.ID)}}, false
	case err != nil:
		o := cl.failed(p, is, StageReserve, err)
		o.fatal = fmt.Errorf("the sync state cannot be written, so nothing more is created: %w", err)
		return o, false
	}
	return outcome{}, true
}

// claimBug carries out the decision on a new issue of a bug (decideBug):
// it creates the bug's Gitea issue (create true: the claim is its own) or
// is recorded on the one that exists (number). Otherwise o is its
// outcome: deferred while an earlier claimant's create may still land, or
// failed.
func (cl *claimer) claimBug(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) (number int, create bool, o outcome) {
	// needBug: the bug is claimed outright, which the state refuses when
	// the bug has its Gitea issue or another issue's claim (a claim of its
	// own, left by a run that stopped, is taken up again); then what the
	// state holds decides. One round trip for the first issue of a bug.
	// After the first try, three more, each informed by what the state
	// held.
	replacing := is.ID
	for attempt := 0; attempt < 4; attempt++ {
		won, b, err := cl.State.ClaimBug(ctx, f.link.bug, syncstate.BugClaim{BugsinkIssueID: is.ID, At: cl.Now(), Run: cl.Opts.RunID}, replacing)
		if err != nil {
			return 0, false, cl.stateFailed(p, is, StageClaim, err)
		}
		if won {
			return 0, true, outcome{}
		}
		f.bug, replacing = &bugFacts{number: b.Number}, ""
		if c := b.Claim; c != nil {
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
		// actCreate: the claim found stale is taken over on the next try.
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
	gi, err := cl.find.findExisting(ctx, c.BugsinkIssueID, c.At)
	if err != nil {
		return 0, cl.failed(p, is, StageRecover, fmt.Errorf("looking in Gitea for the issue %s was creating for this error failed: %w", c.BugsinkIssueID, err)), true
	}
	if gi != nil {
		return gi.Number, outcome{}, false
	}
	return 0, outcome{}, false
}

// clearReservation drops the reservation of an issue for which nothing
// was created.
func (cl *claimer) clearReservation(ctx context.Context, id string) {
	if err := cl.State.ClearReservation(ctx, id); err != nil {
		cl.Log.Warn("could not clear a reservation; the next run checks Gitea first", "bugsink_issue", id, "err", err)
	}
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
