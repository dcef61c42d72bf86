package syncer

import (
	"errors"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// The life of one Bugsink issue, rule by rule. Each row is a sentence of
// docs/regressions.md or docs/environments.md (the "doc" column says
// which) and the facts that sentence is about; decide must answer the
// action the sentence names.

var (
	t0       = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	closedAt = t0.Add(-time.Hour)
	closeA   = closedAt.UTC().Format(time.RFC3339)
	closeB   = t0.Add(-10 * time.Minute).UTC().Format(time.RFC3339)
)

// row builders ---------------------------------------------------------

// listed is a Bugsink issue last seen at lastSeen, seen count times.
func listed(lastSeen time.Time, count int) bugsink.Issue {
	return bugsink.Issue{ID: "11111111-1111-4111-8111-111111111111", LastSeen: lastSeen, FirstSeen: t0.Add(-48 * time.Hour), DigestedEventCount: count}
}

// mapped is a mapping recorded when the issue was last seen at t0-2h and
// whose resolve took (change adjusts it).
func mapped(change func(*syncstate.Record)) *syncstate.Entry {
	rec := syncstate.Record{GiteaIssueNumber: 7, LastSeen: t0.Add(-2 * time.Hour), SyncedAt: t0.Add(-3 * time.Hour), ResolvedAt: t0.Add(-2 * time.Hour)}
	if change != nil {
		change(&rec)
	}
	return &syncstate.Entry{Record: &rec}
}

var (
	backNow  = listed(t0.Add(-time.Minute), 5)          // seen since it was recorded
	notSince = listed(t0.Add(-2*time.Hour), 5)          // not seen since
	open     = &giteaFacts{}                            // its Gitea issue is open
	closed   = &giteaFacts{closed: true, close: closeA} // closed, not reported
)

// The fix of a close, as the fix stage judges a return's releases.
var (
	shipped    = &fixFacts{verdict: fixShipped, commit: "6d732a7e1e", release: "1.0.1", why: "v1.0.1 contains the fix 6d732a7e1e"}
	notShipped = &fixFacts{verdict: fixNotShipped, commit: "6d732a7e1e", release: "1.0.0", why: "v1.0.0 does not contain the fix 6d732a7e1e", without: []string{"1.0.0"}}
	cannotTell = &fixFacts{verdict: fixUnknown, why: "the event names no release"}
)

// awaiting is a mapping whose issue came back after closeA from 1.0.0,
// without the fix, and was left unresolved.
func awaiting(r *syncstate.Record) {
	r.FixClose, r.FixCommit, r.ReleasesWithout, r.ResolvedAt = closeA, "6d732a7e1e", []string{"1.0.0"}, time.Time{}
}

func reported(r *syncstate.Record)         { r.ReportedClose = closeA }
func neverResolved(r *syncstate.Record)    { r.ResolvedAt = time.Time{} }
func reopenedByPerson(r *syncstate.Record) { r.ReopenedAt = t0.Add(-time.Hour) }

// linked is a new issue of bug "b1" in environment env, its event read.
func linked(env string, bug *bugFacts) facts {
	return facts{issue: listed(t0, 3), event: &eventFacts{level: "error"},
		link: linkInfo{bug: "b1", place: envlink.Place{Component: "backend", Env: env}}, bug: bug}
}

// withFix is f with the fix stage's verdict.
func withFix(f facts, fix *fixFacts) facts { f.fix = fix; return f }

type decideRow struct {
	doc    string // the document whose rule the row states
	rule   string // the rule, as a sentence
	f      facts
	opts   Options
	want   action
	check  func(decision) bool // more of the decision the rule names
	expect string              // what check expects, for the failure message
}

// filedOpen is a bug's open Gitea issue, filed before the issue was first
// seen; filedClosed the same, closed at closedAt.
func filedOpen() *bugIssueFacts { return &bugIssueFacts{filed: t0.Add(-72 * time.Hour)} }
func filedClosed() *bugIssueFacts {
	return &bugIssueFacts{filed: t0.Add(-72 * time.Hour), closed: true, close: closeA}
}

func resolves(d decision) bool      { return d.resolve }
func staysResolved(d decision) bool { return !d.resolve }
func announces(d decision) bool     { return d.announce }
func quiet(d decision) bool         { return !d.announce }

func decideRows() []decideRow {
	const reg, env = "regressions.md", "environments.md"
	wontFix := &giteaFacts{closed: true, close: closeA, wontFix: true}
	release := "1.2.0"
	nextRelease := func(r *syncstate.Record) { r.ResolvedRelease = &release }
	return []decideRow{
		// regressions.md: a return, by the Gitea issue's state
		{doc: reg, rule: "An error back while its Gitea issue is open is not news: no comment, its figures kept current, resolved in Bugsink again (recurring)",
			f: facts{issue: backNow, entry: mapped(nil), gitea: open}, want: actRecur, check: resolves, expect: "resolved again"},
		{doc: reg, rule: "An error back after its Gitea issue was closed is judged by its releases first: the fix and the releases decide",
			f: facts{issue: backNow, entry: mapped(nil), gitea: closed}, want: needFix},
		{doc: reg, rule: "An error back after its Gitea issue was closed, from a release that contains the fix, is a regression: one comment and the reopen (regressed)",
			f: facts{issue: backNow, entry: mapped(nil), gitea: closed, fix: shipped}, want: actRegress, check: resolves, expect: "resolved again"},
		{doc: reg, rule: "An error back after its Gitea issue was closed, only from releases without the fix, is quiet: no comment, no reopen, figures kept, left unresolved in Bugsink (awaiting_fix)",
			f: facts{issue: backNow, entry: mapped(nil), gitea: closed, fix: notShipped}, want: actAwaitFix, check: staysResolved, expect: "left unresolved"},
		{doc: reg, rule: "When it cannot be told whether a return's release contains the fix, the return is a regression, as before releases were judged",
			f: facts{issue: backNow, entry: mapped(nil), gitea: closed, fix: cannotTell}, want: actRegress, check: resolves, expect: "resolved again"},
		{doc: reg, rule: "An issue awaiting its fix that comes back again is judged again (a release with the fix may have arrived)",
			f: facts{issue: backNow, entry: mapped(awaiting), gitea: closed}, want: needFix},
		{doc: reg, rule: "An issue awaiting its fix, not seen again, is left unresolved while its last event is less than a day old",
			f: facts{issue: listed(t0.Add(-2*time.Hour), 5), entry: mapped(func(r *syncstate.Record) { awaiting(r); r.LastSeen = t0.Add(-2 * time.Hour) })}, want: actSkip},
		{doc: reg, rule: "An issue awaiting its fix, not seen for a day, is resolved: the old release stopped reporting it",
			f: facts{issue: listed(t0.Add(-25*time.Hour), 5), entry: mapped(func(r *syncstate.Record) { awaiting(r); r.LastSeen = t0.Add(-25 * time.Hour) })}, want: actResolveAgain},
		{doc: reg, rule: "An issue awaiting its fix whose Gitea issue a person reopened is an open issue again: its return is recurring and resolved",
			f: facts{issue: backNow, entry: mapped(awaiting), gitea: open}, want: actRecur, check: resolves, expect: "resolved again"},
		{doc: reg, rule: "An issue awaiting the fix of one close whose Gitea issue was reopened and closed again is judged against the new close",
			f: facts{issue: backNow, entry: mapped(awaiting), gitea: &giteaFacts{closed: true, close: closeB}}, want: needFix},
		{doc: reg, rule: "A won't-fix close has no fix to await: its return is the one comment, whatever the release",
			f: facts{issue: backNow, entry: mapped(nil), gitea: wontFix, fix: notShipped}, want: actRegressWontFix},
		{doc: reg, rule: "A closed issue with a won't-fix label gets the one comment and stays closed",
			f: facts{issue: backNow, entry: mapped(nil), gitea: wontFix}, want: actRegressWontFix},
		{doc: reg, rule: "Each close is reported once: further returns while a won't-fix issue stays closed are recurring",
			f: facts{issue: backNow, entry: mapped(reported), gitea: wontFix}, want: actRecur},
		{doc: reg, rule: "Each close is reported once: further returns while the reopened issue stays open are recurring",
			f: facts{issue: backNow, entry: mapped(reported), gitea: open}, want: actRecur},
		{doc: reg, rule: "Closing it again and seeing the error again is news again",
			f: facts{issue: backNow, entry: mapped(reported), gitea: &giteaFacts{closed: true, close: closeB}, fix: shipped}, want: actRegress},
		{doc: reg, rule: "A mapped issue's Gitea issue is read before anything is decided about its return",
			f: facts{issue: backNow, entry: mapped(nil)}, want: needGitea},
		// regressions.md: unresolved without a newer last_seen
		{doc: reg, rule: "Unresolved with no newer last_seen after bsync's resolve took: a person pressed Reopen, counted once (reopened_in_bugsink)",
			f: facts{issue: notSince, entry: mapped(nil)}, want: actRespectReopen},
		{doc: reg, rule: "An issue a person reopened in Bugsink is never resolved by bsync again",
			f: facts{issue: notSince, entry: mapped(reopenedByPerson)}, want: actSkip},
		{doc: reg, rule: "An issue a person reopened in Bugsink still has its regressions reported, and is not resolved after them",
			f: facts{issue: backNow, entry: mapped(reopenedByPerson), gitea: closed, fix: shipped}, want: actRegress, check: staysResolved, expect: "left unresolved"},
		{doc: reg, rule: "An issue a person reopened in Bugsink still has its figures kept current, and is not resolved after them",
			f: facts{issue: backNow, entry: mapped(reopenedByPerson), gitea: open}, want: actRecur, check: staysResolved, expect: "left unresolved"},
		{doc: reg, rule: "Unresolved with no newer last_seen and no resolve recorded: the resolve did not take and is retried",
			f: facts{issue: notSince, entry: mapped(neverResolved)}, want: actResolveAgain},
		{doc: reg, rule: "A mapping written before bsync recorded its resolves (no last_seen either) is resolved again the first time",
			f: facts{issue: notSince, entry: mapped(func(r *syncstate.Record) { neverResolved(r); r.LastSeen = time.Time{}; r.SyncedAt = notSince.LastSeen })}, want: actResolveAgain},
		{doc: reg, rule: "In next-release mode, an issue back since it was resolved is judged by its newest event's release",
			f: facts{issue: backNow, entry: mapped(nextRelease)}, opts: Options{ResolveMode: ResolveNextRelease}, want: needEvent},
		{doc: reg, rule: "In next-release mode, unresolved with an event of the release recorded at the resolve: a person reopened it",
			f: facts{issue: backNow, entry: mapped(nextRelease), event: &eventFacts{release: release}}, opts: Options{ResolveMode: ResolveNextRelease}, want: actRespectReopen},
		{doc: reg, rule: "In next-release mode, unresolved with an event of another release: the issue came back",
			f: facts{issue: backNow, entry: mapped(nextRelease), event: &eventFacts{release: "1.3.0"}}, opts: Options{ResolveMode: ResolveNextRelease}, want: needGitea},
		{doc: reg, rule: "In next-release mode, a mapping without the resolve's release is judged by last_seen alone",
			f: facts{issue: backNow, entry: mapped(nil), gitea: open}, opts: Options{ResolveMode: ResolveNextRelease}, want: actRecur},
		// regressions.md: interrupted regressions
		{doc: reg, rule: "A person reopens the closed Gitea issue before bsync's comment: that close is over, counted only if its comment was written",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.PendingClose = closeA }), gitea: open}, want: actCloseOver},
		{doc: reg, rule: "A reopen is bsync's only when the mapping recorded, before it, that bsync was reopening that close: its comment is made sure of",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.PendingClose, r.ReopeningClose = closeA, closeA }), gitea: open}, want: actFinishRegression},
		{doc: reg, rule: "A regression whose comment was under way when a run stopped, its issue still closed, is reported (the comment is not repeated)",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.PendingClose = closeA }), gitea: closed}, want: actRegress},
		{doc: reg, rule: "Closed without a close time, a close already reported stays the same close after bsync's own comment moved updated_at",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.ReportedClose = updatedKey + closeA }),
				gitea: giteaFactsOf(&gitea.Issue{State: "closed", UpdatedAt: closedAt}, syncstate.Record{ReportedClose: updatedKey + closeA}, nil)}, want: actRecur},
		{doc: reg, rule: "Closed without a close time, a new close (a newer updated_at) is news again",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.ReportedClose = updatedKey + closeA }),
				gitea: giteaFactsOf(&gitea.Issue{State: "closed", UpdatedAt: t0.Add(-10 * time.Minute)}, syncstate.Record{ReportedClose: updatedKey + closeA}, nil), fix: shipped}, want: actRegress},
		{doc: reg, rule: "A won't-fix label is any of BSYNC_WONTFIX_LABELS on the Gitea issue",
			f: facts{issue: backNow, entry: mapped(nil),
				gitea: giteaFactsOf(&gitea.Issue{State: "closed", ClosedAt: &closedAt, Labels: []gitea.Label{{Name: "wontfix"}}}, syncstate.Record{}, []string{"wontfix"})}, want: actRegressWontFix},
		// README settings that bear on a mapped issue
		{doc: reg, rule: "With resolving off (BSYNC_RESOLVE=false), an issue not seen again is left alone",
			f: facts{issue: notSince, entry: mapped(neverResolved)}, opts: Options{NoResolve: true}, want: actSkip},
		{doc: reg, rule: "With resolving off, a return is still reported, and the issue is not resolved",
			f: facts{issue: backNow, entry: mapped(neverResolved), gitea: closed, fix: shipped}, opts: Options{NoResolve: true}, want: actRegress, check: staysResolved, expect: "left unresolved"},
		{doc: reg, rule: "A dry run reads and writes nothing more for a mapped issue",
			f: facts{issue: backNow, entry: mapped(nil)}, opts: Options{DryRun: true}, want: actDryRun},
		{doc: reg, rule: "A mapping that cannot be read is left alone, with a warning",
			f: facts{issue: backNow, entry: &syncstate.Entry{Err: errors.New("invalid JSON")}}, want: actUnreadable},

		// A new issue
		{doc: env, rule: "A new error's newest event is read (to render it, and for its fingerprint) before it is filed",
			f: facts{issue: listed(t0, 3)}, want: needEvent},
		{doc: env, rule: "With linking off, or an event gone or not read whole, a new issue is filed on its own",
			f: facts{issue: listed(t0, 3), event: &eventFacts{level: "error"}}, want: actCreate, check: resolves, expect: "resolved"},
		{doc: env, rule: "A new issue seen fewer times than BSYNC_MIN_OCCURRENCES is left alone",
			f: facts{issue: listed(t0, 1)}, opts: Options{MinOccurrences: 2}, want: actBelow},
		{doc: env, rule: "A new issue last seen longer ago than BSYNC_MAX_AGE is left alone",
			f: facts{issue: listed(t0.Add(-48*time.Hour), 3)}, opts: Options{MaxAge: 24 * time.Hour}, want: actBelow},
		{doc: env, rule: "A new issue whose newest event is less severe than BSYNC_MIN_LEVEL is left alone",
			f: facts{issue: listed(t0, 3), event: &eventFacts{level: "warning"}}, opts: Options{MinLevel: "error"}, want: actBelow},
		{doc: env, rule: "A dry run lists the issue it would create",
			f: facts{issue: listed(t0, 3), event: &eventFacts{level: "error"}}, opts: Options{DryRun: true}, want: actPreview},
		{doc: env, rule: "A dry run on a lost state does not list as new an issue its reindex found in Gitea",
			f: facts{issue: listed(t0, 3), recovered: true}, opts: Options{DryRun: true}, want: actSkip},
		{doc: env, rule: "An earlier run stopped while creating it: Gitea is searched for its issue first",
			f: facts{issue: listed(t0, 3), pending: &syncstate.Reservation{At: t0.Add(-time.Hour)}}, want: needLookup},
		{doc: env, rule: "An interrupted create admitted at its listing is looked for in Gitea even when it aged past BSYNC_MAX_AGE since",
			f: facts{issue: listed(t0.Add(-48*time.Hour), 3), admitted: true, pending: &syncstate.Reservation{At: t0.Add(-time.Hour)}}, opts: Options{MaxAge: 24 * time.Hour}, want: needLookup},
		{doc: env, rule: "The interrupted create landed: its issue is taken over (adopted), not created again",
			f: facts{issue: listed(t0, 3), pending: &syncstate.Reservation{At: t0.Add(-time.Hour)}, lookup: &lookupFacts{found: true}}, want: actAdopt},
		{doc: env, rule: "Not found within BSYNC_PENDING_GRACE of the interrupted create, it may still be landing: deferred",
			f: facts{issue: listed(t0, 3), pending: &syncstate.Reservation{At: t0.Add(-time.Minute)}, lookup: &lookupFacts{}}, want: actDefer},
		{doc: env, rule: "Not found after BSYNC_PENDING_GRACE, the create is made again",
			f: facts{issue: listed(t0, 3), pending: &syncstate.Reservation{At: t0.Add(-time.Hour)}, lookup: &lookupFacts{}, event: &eventFacts{level: "error"}}, want: actCreate},

		// environments.md: one Gitea issue per bug
		{doc: env, rule: "A new issue of a bug asks the bug's claim who files it",
			f: linked(envlink.Production, nil), want: needBug},
		{doc: env, rule: "The first environment's issue creates the Gitea issue (it claims the bug)",
			f: linked("test", &bugFacts{}), want: actCreate},
		{doc: env, rule: "Another environment's issue of a bug is recorded on the bug's Gitea issue: no issue is created, and it is resolved as usual",
			f: linked("staging", &bugFacts{number: 9, members: map[string]string{"a": "test"}}), want: actJoin, check: func(d decision) bool { return d.number == 9 && d.resolve && !d.announce }, expect: "joins #9 quietly, resolved"},
		{doc: env, rule: "The first time a bug seen only in other environments reaches production, one comment says so",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: filedOpen()}), want: actJoin, check: announces, expect: "the escape comment"},
		{doc: env, rule: "Whether production is news is known only once the bug's Gitea issue was read: the claim's answer is a quiet join",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}}), want: actJoin, check: quiet, expect: "no comment yet"},
		{doc: env, rule: "A pair seen together is filed together: production seen before the bug was filed is not news, even when its join waited for a later run (--max-create, BSYNC_PENDING_GRACE)",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: &bugIssueFacts{filed: t0.Add(-24 * time.Hour)}}), want: actJoin, check: quiet, expect: "no comment"},
		{doc: env, rule: "The bug's filing time has whole seconds (synced_at): production first seen within that second is not known to be later, so not news",
			f: func() facts {
				f := linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: &bugIssueFacts{filed: t0.Add(-48 * time.Hour)}})
				f.issue.FirstSeen = t0.Add(-48*time.Hour + 400*time.Millisecond)
				return f
			}(), want: actJoin, check: quiet, expect: "no comment"},
		{doc: env, rule: "Test joining a production bug is not news",
			f: linked("test", &bugFacts{number: 9, members: map[string]string{"a": envlink.Production}, issue: filedOpen()}), want: actJoin, check: quiet, expect: "no comment"},
		{doc: env, rule: "Staging is not production: a bug reaching staging from test is not news",
			f: linked("staging", &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: filedOpen()}), want: actJoin, check: quiet, expect: "no comment"},
		{doc: env, rule: "A bug in production already is not news when another production issue of it joins",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test", "b": envlink.Production}, issue: filedOpen()}), want: actJoin, check: quiet, expect: "no comment"},
		{doc: env, rule: "After bsync forget of production's issue, its label and hidden lines still say production was there: its return is not news",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: &bugIssueFacts{filed: t0.Add(-72 * time.Hour), envs: []string{"test", envlink.Production}}}), want: actJoin, check: quiet, expect: "no comment"},
		{doc: env, rule: "A bug's first arrival in another environment after its issue was closed is judged by its release: the fix decides",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: filedClosed()}), want: needFix},
		{doc: env, rule: "A bug's first arrival in production after its issue was closed, from a release without the fix, joins quietly and is left unresolved in Bugsink",
			f: withFix(linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: filedClosed()}), notShipped), want: actJoin,
			check: func(d decision) bool { return d.awaitFix && !d.resolve && d.close == "" && !d.announce }, expect: "a quiet join awaiting the fix, not resolved"},
		{doc: env, rule: "A bug's first arrival after a won't-fix close has no fix to await: it is the one comment",
			f: linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: &bugIssueFacts{filed: t0.Add(-72 * time.Hour), closed: true, close: closeA, wontFix: true}}), want: actJoinReturn},
		{doc: env, rule: "A bug's first arrival in production after its issue (filed from test) was closed, from a release with the fix, is a return: one comment and the reopen, no escape comment",
			f: withFix(linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: filedClosed()}), shipped), want: actJoinReturn, check: func(d decision) bool { return d.close == closeA && !d.announce && d.resolve }, expect: "the close reported, no escape comment"},
		{doc: env, rule: "A bug's first arrival in test after its issue (filed from production) was closed is a return too",
			f: withFix(linked("test", &bugFacts{number: 9, members: map[string]string{"a": envlink.Production}, issue: filedClosed()}), cannotTell), want: actJoinReturn, check: func(d decision) bool { return d.close == closeA }, expect: "the close reported"},
		{doc: env, rule: "A join to a closed issue of an error seen there only before the close (both at once, the join deferred) is not a return",
			f: func() facts {
				f := linked(envlink.Production, &bugFacts{number: 9, members: map[string]string{"a": "test"}, issue: &bugIssueFacts{filed: t0.Add(-24 * time.Hour), closed: true, close: closeA}})
				f.issue.LastSeen = closedAt.Add(-time.Minute)
				return f
			}(), want: actJoin, check: func(d decision) bool { return d.close == "" && !d.announce }, expect: "a quiet join"},
		{doc: env, rule: "A mapping that names a close still to report (a join's return, stopped) is finished by the next run even when the error was not seen again",
			f: facts{issue: notSince, entry: mapped(func(r *syncstate.Record) { r.BugID, r.Environment, r.PendingClose = "b1", "test", closeA }), gitea: closed}, want: actRegress},
		{doc: env, rule: "Seen fewer times than BSYNC_MIN_OCCURRENCES, a new issue of a bug is read all the same: it may join the bug's Gitea issue",
			f: facts{issue: listed(t0, 1)}, opts: Options{MinOccurrences: 3, LinkEnvironments: true}, want: needEvent},
		{doc: env, rule: "Below BSYNC_MIN_OCCURRENCES, whether its bug has a Gitea issue is read",
			f: linked(envlink.Production, nil), opts: Options{MinOccurrences: 5, LinkEnvironments: true}, want: needBugFiled},
		{doc: env, rule: "Below BSYNC_MIN_OCCURRENCES, an issue whose bug is filed joins it (the bug met the threshold)",
			f: func() facts {
				f := linked(envlink.Production, &bugFacts{number: 9})
				filed := true
				f.bugFiled = &filed
				return f
			}(), opts: Options{MinOccurrences: 5, LinkEnvironments: true}, want: actJoin},
		{doc: env, rule: "Below BSYNC_MIN_OCCURRENCES, an issue whose bug is not filed stays below the threshold",
			f: func() facts { f := linked(envlink.Production, nil); filed := false; f.bugFiled = &filed; return f }(), opts: Options{MinOccurrences: 5, LinkEnvironments: true}, want: actBelow},
		{doc: env, rule: "Below BSYNC_MIN_OCCURRENCES, an issue of no bug stays below the threshold",
			f: facts{issue: listed(t0, 1), event: &eventFacts{level: "error"}}, opts: Options{MinOccurrences: 3, LinkEnvironments: true}, want: actBelow},
		{doc: env, rule: "A claim without a Gitea issue: the claimant's issue is looked for (its mapping, else its marker in Gitea)",
			f: linked("test", &bugFacts{claimant: "other", claimedAt: t0.Add(-time.Hour)}), want: needClaimant},
		{doc: env, rule: "The claimant's issue found, the new issue joins it",
			f: linked("test", &bugFacts{claimant: "other", claimedAt: t0.Add(-time.Hour), claimantLookup: &claimantFacts{number: 12}}), want: actJoin, check: func(d decision) bool { return d.number == 12 }, expect: "joins #12"},
		{doc: env, rule: "The claimant's issue not found within BSYNC_PENDING_GRACE of its claim: the create may still land, so it waits",
			f: linked("test", &bugFacts{claimant: "other", claimedAt: t0.Add(-time.Minute), claimantLookup: &claimantFacts{}}), want: actDefer},
		{doc: env, rule: "The claimant's issue not found after BSYNC_PENDING_GRACE: the claim is taken over and the bug filed",
			f: linked("test", &bugFacts{claimant: "other", claimedAt: t0.Add(-time.Hour), claimantLookup: &claimantFacts{}}), want: actCreate},
		{doc: env, rule: "Its own claim, left by a run that stopped, is taken up again: a join or create stopped midway is finished by the next run",
			f: linked("test", &bugFacts{claimant: listed(t0, 3).ID, claimedAt: t0.Add(-time.Minute)}), want: actCreate},
		{doc: env, rule: "On a shared issue, a return after a close is one regression for that close, whichever environment came back first",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.BugID, r.Environment = "b1", "test" }), gitea: closed, fix: shipped}, want: actRegress},
		{doc: env, rule: "On a shared issue, each environment's return is judged against the fix: one still on a release without it is quiet",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.BugID, r.Environment = "b1", envlink.Production }), gitea: closed, fix: notShipped}, want: actAwaitFix},
		{doc: env, rule: "On a shared issue reopened for a close, the other environment's return is quiet",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.BugID, r.Environment = "b1", envlink.Production }), gitea: open}, want: actRecur},
		{doc: env, rule: "After bsync forget of one environment's issue, it rejoins the shared issue on the next sync",
			f: linked("test", &bugFacts{number: 9, members: map[string]string{"a": envlink.Production}}), want: actJoin, check: func(d decision) bool { return d.number == 9 }, expect: "joins #9"},
		{doc: env, rule: "After bsync forget of every issue of the bug, it is filed anew",
			f: linked("test", &bugFacts{}), want: actCreate},
		{doc: env, rule: "On a shared issue, a return after a close as won't fix is the one comment, and the issue stays closed",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.BugID, r.Environment = "b1", "test" }), gitea: wontFix}, want: actRegressWontFix},
		{doc: env, rule: "Issues synced before linking existed stay on their own: a mapped issue is never joined to its bug's issue",
			f:    facts{issue: backNow, entry: mapped(nil), gitea: open, link: linkInfo{bug: "b1", place: envlink.Place{Component: "backend", Env: "test"}}, bug: &bugFacts{number: 9}},
			want: actRecur},
		{doc: env, rule: "sync --dry-run lists a new issue of a bug (link_to or link_with) and claims nothing",
			f: linked(envlink.Production, nil), opts: Options{DryRun: true}, want: actPreview},
		{doc: env, rule: "A person's Reopen in Bugsink is left alone for that Bugsink issue only: the bug's other issue is still resolved after its return",
			f: facts{issue: backNow, entry: mapped(func(r *syncstate.Record) { r.BugID, r.Environment = "b1", envlink.Production }), gitea: open}, want: actRecur, check: resolves, expect: "resolved again"},
		{doc: env, rule: "A person's Reopen in Bugsink is left alone for that Bugsink issue only",
			f: facts{issue: notSince, entry: mapped(func(r *syncstate.Record) { reopenedByPerson(r); r.BugID = "b1" })}, want: actSkip},
	}
}

func TestDecide(t *testing.T) {
	seen := map[action]bool{}
	for _, r := range decideRows() {
		t.Run(r.rule, func(t *testing.T) {
			r.f.now = t0
			d := decide(r.f, &r.opts)
			seen[d.action] = true
			if d.action != r.want {
				t.Fatalf("%s: %q\n got %q (%s)", r.doc, r.rule, d.action, d.reason)
			}
			if d.reason == "" {
				t.Errorf("%q has no reason", d.action)
			}
			if r.check != nil && !r.check(d) {
				t.Errorf("%s: %q\n wants %s, got %+v", r.doc, r.rule, r.expect, d)
			}
		})
	}
	// Every action is some rule's answer.
	for _, a := range []action{actSkip, actBelow, actUnreadable, actDryRun, actPreview, actCreate, actJoin, actJoinReturn, actAdopt, actDefer,
		actResolveAgain, actRespectReopen, actRecur, actRegress, actRegressWontFix, actFinishRegression, actCloseOver,
		actAwaitFix, needEvent, needGitea, needLookup, needBug, needBugFiled, needClaimant, needFix} {
		if !seen[a] {
			t.Errorf("no row decides %q", a)
		}
	}
}
