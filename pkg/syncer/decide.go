package syncer

import (
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/redact"
	"bsync/pkg/syncstate"
)

// Stage "decide": what happens to one Bugsink issue is decided by decide,
// a pure function of what is known of it (facts) and the options. The
// other stages only carry the decision out, or learn the fact it asks for
// (the event, the Gitea issue, the bug's claim) and ask again. The rules
// are those of docs/regressions.md and docs/environments.md; the table in
// decide_test.go states each as a sentence.

// action is what one Bugsink issue needs this run.
type action string

// The actions. Those named need… ask a stage for a fact; the others are
// carried out.
const (
	// actSkip: nothing to do; counted as skipped.
	actSkip action = "skip"
	// actBelow: under a threshold; left alone until it crosses it.
	actBelow action = "below threshold"
	// actUnreadable: its mapping cannot be read; left alone, with a warning.
	actUnreadable action = "unreadable mapping"
	// actDryRun: a dry run writes nothing and reads no more of a mapped issue.
	actDryRun action = "dry run"
	// actPreview: a dry run shows the Gitea issue it would create.
	actPreview action = "preview"
	// actCreate: file a new Gitea issue (claiming its bug first, if any).
	actCreate action = "create"
	// actJoin: record it on the Gitea issue of its bug.
	actJoin action = "join"
	// actJoinReturn: record it on its bug's closed Gitea issue, and report
	// the close as a regression (its first arrival there after a close).
	actJoinReturn action = "join, a return after a close"
	// actAdopt: the Gitea issue of an interrupted create exists; record it.
	actAdopt action = "adopt"
	// actDefer: an earlier create may still land; a later run decides.
	actDefer action = "defer"
	// actResolveAgain: bsync's resolve did not take; resolve again.
	actResolveAgain action = "resolve again"
	// actRespectReopen: a person reopened it in Bugsink; recorded once,
	// never resolved by bsync again.
	actRespectReopen action = "respect reopen"
	// actRecur: back while its Gitea issue is open (or its close was
	// reported): no comment, figures kept current.
	actRecur action = "recur quietly"
	// actRegress: back after a close: one comment and the reopen.
	actRegress action = "report regression"
	// actAwaitFix: back after a close from releases that do not contain
	// the fix: quiet, figures kept current, left unresolved in Bugsink.
	actAwaitFix action = "await the fix"
	// actRegressWontFix: back after a close as won't fix: one comment, the
	// issue stays closed.
	actRegressWontFix action = "report regression, stay closed"
	// actFinishRegression: bsync reopened it for a close and stopped
	// before it was recorded: the comment is made sure of.
	actFinishRegression action = "finish regression"
	// actCloseOver: a person reopened the Gitea issue before bsync's
	// comment: that close is over (counted only if its comment exists).
	actCloseOver action = "close over"

	// needEvent: read the newest event.
	needEvent action = "need event"
	// needGitea: read the mapped Gitea issue.
	needGitea action = "need gitea issue"
	// needLookup: look in Gitea for an interrupted create's issue.
	needLookup action = "need lookup"
	// needBug: read the bug's claim in the state.
	needBug action = "need bug"
	// needBugFiled: read whether the bug has its Gitea issue (for an issue
	// below the occurrence threshold, which only joins).
	needBugFiled action = "need bug filed"
	// needFix: find the fix of the Gitea issue's close and judge the
	// releases the issue came back from (fix.go).
	needFix action = "need fix"
	// needClaimant: find the Gitea issue of another issue's claim on the
	// bug (its mapping, else its marker in Gitea).
	needClaimant action = "need claimant"
)

// facts is what is known of one Bugsink issue. A nil part is not known
// yet: decide asks for it (a need… action) when the rules need it.
type facts struct {
	issue bugsink.Issue
	// entry is its mapping; nil when it has none.
	entry *syncstate.Entry
	// recovered: a dry run's reindex found its Gitea issue.
	recovered bool
	// admitted: the listing's thresholds were judged when it was listed
	// (lifecycle.settled), and met; they are not judged again.
	admitted bool
	// pending is a reservation an interrupted create left.
	pending *syncstate.Reservation
	// lookup is what looking in Gitea for pending's issue found.
	lookup *lookupFacts
	event  *eventFacts
	gitea  *giteaFacts
	// link is where a new issue belongs when environments are linked.
	link linkInfo
	bug  *bugFacts
	// bugFiled says whether the bug has its Gitea issue, read for an issue
	// below BSYNC_MIN_OCCURRENCES (which only joins a bug filed already);
	// nil: not read.
	bugFiled *bool
	// fix is what the fix stage found of a return after a close (nil: not
	// judged yet).
	fix *fixFacts
	now time.Time
}

// lookupFacts is what a search of Gitea for an issue's marker found.
type lookupFacts struct{ found bool }

// eventFacts is what the newest event says (read: false when it is gone).
type eventFacts struct {
	level   string
	release string
}

// giteaFacts is the state of a mapped issue's Gitea issue.
type giteaFacts struct {
	closed bool
	// close names the close (closeKey, or the pending one: reportedKey).
	close   string
	wontFix bool
}

// giteaFactsOf is what a mapped issue's Gitea issue says: its state, the
// close it is in (reportedKey) and whether it is won't fix.
func giteaFactsOf(gi *gitea.Issue, rec syncstate.Record, wontFixLabels []string) *giteaFacts {
	return &giteaFacts{closed: gi.State == "closed", close: reportedKey(gi, rec), wontFix: wontFix(gi.Labels, wontFixLabels)}
}

// bugFacts is what the state and the run know of a new issue's bug.
type bugFacts struct {
	// number is the bug's Gitea issue (0: none recorded yet).
	number int
	// claimant is the Bugsink issue whose claim is on the bug ("": none),
	// claimedAt when it claimed it.
	claimant  string
	claimedAt time.Time
	// claimantLookup is what looking for the claimant's Gitea issue found
	// (nil: not looked for yet).
	claimantLookup *claimantFacts
	// members are the bug's recorded Bugsink issues (id → environment).
	members map[string]string
	// issue is what the bug's Gitea issue says, once read for a join (nil:
	// not read yet).
	issue *bugIssueFacts
}

// bugIssueFacts is what a bug's Gitea issue and the mappings record of
// the bug, read before a join writes anything: the escape comment and a
// return are decided from them, not from the order of work in a run.
type bugIssueFacts struct {
	closed bool
	// close names its close (closeKey).
	close string
	// envs are the environments its env:* labels and hidden lines name
	// (each but the joining issue's own: a forgotten issue's stay).
	envs []string
	// filed is when the bug's first issue was recorded (its earliest
	// member's synced_at, else the Gitea issue's creation).
	filed time.Time
	// wontFix: it carries a won't-fix label.
	wontFix bool
}

// claimantFacts is where the claimant's Gitea issue was found (0: not).
type claimantFacts struct{ number int }

// decision is decide's answer: the action and why, in a sentence.
type decision struct {
	action action
	reason string
	// resolve: resolve the issue in Bugsink after the action.
	resolve bool
	// announce: a join that is news (the bug reached production): one
	// comment says so.
	announce bool
	// number is the Gitea issue a join joins.
	number int
	// close is the close a join is a return after (actJoinReturn).
	close string
	// before are the environments the bug was seen in before, for the
	// escape comment.
	before []string
	// awaitFix: a join after a close from a release without the fix: the
	// mapping records it, and the issue is left unresolved in Bugsink.
	awaitFix bool
}

// decide says what one Bugsink issue needs, from what is known of it.
func decide(f facts, o *Options) decision {
	if f.entry == nil || !f.entry.Mapped() {
		return decideNew(f, o)
	}
	return decideMapped(f, o)
}

// judge is how a stage asks: decide on f, as of now, with the run's
// options. The stages call it again as they learn the facts it asks for.
func (e *Engine) judge(f *facts) decision {
	f.now = e.Now()
	return decide(*f, &e.Opts)
}

// decideMapped is the life of a mapped issue (docs/regressions.md).
func decideMapped(f facts, o *Options) decision {
	rec := f.entry.Record
	switch {
	case rec == nil:
		return decision{action: actUnreadable, reason: "its mapping cannot be read; left alone"}
	case o.DryRun:
		return decision{action: actDryRun, reason: "a dry run reads and writes nothing more for a mapped issue"}
	}
	back := seenAgain(f.issue, *rec)
	if back && o.ResolveMode == ResolveNextRelease && rec.ResolvedRelease != nil && !rec.ResolvedAt.IsZero() && rec.ReopenedAt.IsZero() {
		if f.event == nil {
			return decision{action: needEvent, reason: "resolved in the next release, it came back only if its newest event names another release"}
		}
		back = f.event.release != *rec.ResolvedRelease
	}
	if !back && rec.PendingClose == "" {
		return unresolvedAgain(f, rec, o)
	}
	resolve := !o.NoResolve && rec.ReopenedAt.IsZero()
	g := f.gitea
	switch {
	case g == nil:
		return decision{action: needGitea, reason: "seen again since it was recorded: its Gitea issue decides"}
	case g.closed && rec.ReportedClose != g.close && g.wontFix:
		return decision{action: actRegressWontFix, resolve: resolve, reason: "back after a close as won't fix: one comment, and the issue stays closed"}
	case g.closed && rec.ReportedClose != g.close && rec.PendingClose != g.close:
		return judgeReturn(f.fix, resolve)
	case g.closed && rec.ReportedClose != g.close:
		return decision{action: actRegress, resolve: resolve, reason: "back after a close whose report is under way: a regression, one comment and the reopen"}
	case !g.closed && rec.PendingClose != "" && rec.ReopeningClose == rec.PendingClose:
		return decision{action: actFinishRegression, resolve: resolve, reason: "bsync reopened it for a close and stopped: the comment is made sure of and the regression counted"}
	case !g.closed && rec.PendingClose != "":
		return decision{action: actCloseOver, resolve: resolve, reason: "a person reopened it before bsync's comment: that close is over, counted only if its comment was written"}
	case g.closed:
		return decision{action: actRecur, resolve: resolve, reason: "back while its close was reported already (won't fix): quiet, figures kept current"}
	}
	return decision{action: actRecur, resolve: resolve, reason: "back while its Gitea issue is open: not news, figures kept current"}
}

// judgeReturn is a return after a close that was not reported yet, by
// the releases it came from (docs/regressions.md, "Releases").
func judgeReturn(fix *fixFacts, resolve bool) decision {
	switch {
	case fix == nil:
		return decision{action: needFix, reason: "back after a close: the fix and the releases it came back from decide"}
	case fix.verdict == fixNotShipped:
		return decision{action: actAwaitFix, reason: "back after a close from " + releaseName(fix.release) + ", which does not contain the fix (" + redact.Text(fix.why) + "): quiet until the fix ships, left unresolved in Bugsink"}
	case fix.verdict == fixShipped:
		return decision{action: actRegress, resolve: resolve, reason: "back after a close from " + releaseName(fix.release) + ", which contains the fix (" + redact.Text(fix.why) + "): a regression, one comment and the reopen"}
	}
	return decision{action: actRegress, resolve: resolve, reason: "back after a close, and whether its release contains the fix cannot be told (" + redact.Text(fix.why) + "): a regression, as any return after a close"}
}

// releaseName names a release in a reason.
func releaseName(r string) string {
	if r == "" {
		return "an event without a release"
	}
	return "release " + redact.Text(r)
}

// fixQuiet is how long an issue awaiting its fix must go without an
// event before bsync resolves it in Bugsink: the old release stopped
// reporting it (it was replaced, or the code path is no longer taken).
const fixQuiet = 24 * time.Hour

// unresolvedAgain is a mapped issue found unresolved with no new event.
func unresolvedAgain(f facts, rec *syncstate.Record, o *Options) decision {
	switch {
	case o.NoResolve:
		return decision{action: actSkip, reason: "not seen again, and left unresolved by the options"}
	case !rec.ReopenedAt.IsZero():
		return decision{action: actSkip, reason: "a person reopened it in Bugsink: left alone"}
	case rec.AwaitingFix() && f.now.Sub(f.issue.LastSeen) < fixQuiet:
		return decision{action: actSkip, reason: "awaiting its fix, and seen on a release without it within the last day: left unresolved in Bugsink"}
	case rec.AwaitingFix():
		return decision{action: actResolveAgain, reason: "awaiting its fix, and not seen for a day: the old release stopped reporting it, so it is resolved"}
	case !rec.ResolvedAt.IsZero():
		return decision{action: actRespectReopen, reason: "unresolved with no new event after bsync's resolve took: a person reopened it, counted once and never resolved again"}
	}
	return decision{action: actResolveAgain, reason: "unresolved with no new event and no resolve recorded: bsync's resolve did not take, so it is resolved again"}
}

// decideNew is the way of a new issue to its Gitea issue
// (docs/environments.md for a bug seen in several environments).
func decideNew(f facts, o *Options) decision {
	is := f.issue
	// The thresholds of the listing are judged on what the listing says,
	// once, before anything is read: an issue admitted then is not turned
	// away later because the clock moved on (an interrupted create would
	// otherwise skip its lookup and be filed twice).
	listed := f.event == nil && f.lookup == nil && !f.admitted
	switch {
	case f.recovered:
		return decision{action: actSkip, reason: "a dry run's reindex found its Gitea issue"}
	case listed && fewer(is, o) && !o.LinkEnvironments:
		return decision{action: actBelow, reason: "seen fewer times than the minimum of occurrences"}
	case listed && o.MaxAge > 0 && !is.LastSeen.IsZero() && f.now.Sub(is.LastSeen) > o.MaxAge:
		return decision{action: actBelow, reason: "last seen longer ago than the maximum age"}
	}
	if f.pending != nil && !o.DryRun {
		switch {
		case f.lookup == nil:
			return decision{action: needLookup, reason: "an earlier run stopped while creating it: Gitea is searched for its issue first"}
		case f.lookup.found:
			return decision{action: actAdopt, resolve: !o.NoResolve, reason: "the interrupted create landed: its issue is taken over"}
		case f.now.Sub(f.pending.At) < pendingGrace(o):
			return decision{action: actDefer, reason: "an interrupted create may still be landing in Gitea"}
		}
	}
	switch {
	case f.event == nil:
		return decision{action: needEvent, reason: "new: its newest event is read and rendered"}
	case o.MinLevel != "" && !levelAtLeast(f.event.level, o.MinLevel):
		return decision{action: actBelow, reason: "its newest event is less severe than the minimum level"}
	case fewer(is, o) && f.link.bug == "":
		return decision{action: actBelow, reason: "seen fewer times than the minimum of occurrences, and of no bug it could join"}
	case fewer(is, o) && f.bugFiled == nil:
		return decision{action: needBugFiled, reason: "seen fewer times than the minimum of occurrences, it only joins its bug's Gitea issue: the bug is read"}
	case fewer(is, o) && !*f.bugFiled:
		return decision{action: actBelow, reason: "seen fewer times than the minimum of occurrences, and its bug has no Gitea issue to join"}
	case o.DryRun:
		return decision{action: actPreview, reason: "a dry run lists the issue it would create"}
	case f.link.bug == "":
		return decision{action: actCreate, resolve: !o.NoResolve, reason: "new, and filed on its own"}
	}
	return decideBug(f, o)
}

// decideBug is where a new issue of a bug goes: the bug's Gitea issue, or
// a new one under its claim.
func decideBug(f facts, o *Options) decision {
	b := f.bug
	resolve := !o.NoResolve
	if b == nil {
		return decision{action: needBug, reason: "a new issue of a bug: the bug's claim decides who files it"}
	}
	number := b.number
	if number == 0 && b.claimant != "" && b.claimant != f.issue.ID {
		switch c := b.claimantLookup; {
		case c == nil:
			return decision{action: needClaimant, reason: "another environment's issue claimed the bug: its Gitea issue is looked for"}
		case c.number > 0:
			number = c.number
		case f.now.Sub(b.claimedAt) < pendingGrace(o):
			return decision{action: actDefer, reason: "the Gitea issue of the same error in another environment may still be landing"}
		default:
			return decision{action: actCreate, resolve: resolve, reason: "a stale claim on the bug, with no issue found: taken over, and the bug filed"}
		}
	}
	if number == 0 {
		return decision{action: actCreate, resolve: resolve, reason: "the first issue of its bug: it claims the bug and files it"}
	}
	d := decision{action: actJoin, number: number, resolve: resolve, reason: "the bug has its Gitea issue: joined with a row and its environment's label, quietly"}
	if b.issue == nil {
		return d
	}
	if key, why := joinReturn(b.issue.closed, b.issue.close, f.issue.LastSeen); key != "" {
		switch {
		case !b.issue.wontFix && f.fix == nil:
			return decision{action: needFix, number: number, reason: "its bug's Gitea issue is closed and the error was " + why + ": the fix and its release decide"}
		case !b.issue.wontFix && f.fix.verdict == fixNotShipped:
			d.awaitFix, d.resolve = true, false
			d.reason = "its bug's Gitea issue is closed and the error was " + why + ", from " + releaseName(f.fix.release) + " without the fix (" + redact.Text(f.fix.why) + "): joined quietly, left unresolved in Bugsink until the fix ships"
			return d
		}
		d.action, d.close = actJoinReturn, key
		d.reason = "its bug's Gitea issue is closed and the error was " + why + ": a return, one comment and the reopen as for any regression"
		if f.fix != nil && f.fix.verdict == fixShipped {
			d.reason = "its bug's Gitea issue is closed and the error was " + why + ", from " + releaseName(f.fix.release) + " with the fix (" + redact.Text(f.fix.why) + "): a return, one comment and the reopen"
		}
		return d
	}
	ef := escapeFacts{env: f.link.place.Env, firstSeen: f.issue.FirstSeen, filed: b.issue.filed, known: append([]string(nil), b.issue.envs...)}
	for id, env := range b.members {
		if id != f.issue.ID {
			ef.known = append(ef.known, env)
		}
	}
	if news, before, why := escapeNews(ef); news {
		d.announce, d.before = true, before
		d.reason = "joined; " + why + ": one comment says the bug reached production"
	}
	return d
}

// fewer reports whether is was seen fewer times than the minimum of
// occurrences. With linking on, such an issue still joins its bug's Gitea
// issue when the bug is filed (the bug met the threshold; its arrival in
// another environment is news there with one occurrence).
func fewer(is bugsink.Issue, o *Options) bool {
	return o.MinOccurrences > 0 && is.DigestedEventCount < o.MinOccurrences
}

// pendingGrace is Options.PendingGrace or its default.
func pendingGrace(o *Options) time.Duration {
	if o.PendingGrace <= 0 {
		return DefaultPendingGrace
	}
	return o.PendingGrace
}
