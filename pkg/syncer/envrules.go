package syncer

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// The rules of one ticket per bug across environments, each a pure
// function of what the state, Gitea and Bugsink say (docs/environments.md).

// unknownComponentSlugs are the slugs BSYNC_COMPONENTS names that Bugsink
// does not know (sorted): a misspelt slug would split every bug of its
// component in two, so it is a configuration error, as an unknown slug in
// BUGSINK_PROJECTS is. Linking off, the setting is not used.
func unknownComponentSlugs(opts Options, known map[string]bugsink.Project) []string {
	if !opts.LinkEnvironments {
		return nil
	}
	var out []string
	for slug := range opts.Components {
		if _, ok := known[slug]; !ok {
			out = append(out, slug)
		}
	}
	sort.Strings(out)
	return out
}

// legacyComponent is the component the label rule of earlier versions
// gave a project: "labels " and its labels but the env:* one (and
// ignore), sorted; "" when that rule left it unlinked (no env:* label or
// several, or no other label). Bug ids hash the component, so a bug filed
// then has its id from this.
func legacyComponent(labels, ignore []string) string {
	envs := 0
	var rest []string
	for _, l := range labels {
		switch {
		case slices.Contains(ignore, l):
		case strings.HasPrefix(l, envlink.EnvPrefix):
			envs++
		case !slices.Contains(rest, l):
			rest = append(rest, l)
		}
	}
	if envs != 1 || len(rest) == 0 {
		return ""
	}
	slices.Sort(rest)
	return "labels " + strings.Join(rest, ",")
}

// legacyJoinable says whether a new issue of slug may join a bug filed
// under the label rule's id, whose recorded issues are of projects (""
// where the record does not say): only when every one is of slug's
// application, since that rule also merged applications that share a
// label (shop-frontend and blog-frontend-test).
func legacyJoinable(slug string, projects []string) (bool, string) {
	app := envlink.ParseSlug(slug)
	if app.Ambiguous || app.App == "" {
		return false, "the slug names no one application"
	}
	if len(projects) == 0 {
		return false, "no issue of the bug is recorded"
	}
	for _, p := range projects {
		if p == "" {
			return false, "a recorded issue of the bug names no project"
		}
		if q := envlink.ParseSlug(p); q.Ambiguous || q.App != app.App {
			return false, "project " + p + " is another application"
		}
	}
	return true, "every recorded issue of the bug is of application " + app.App
}

// closeTime is when the close a key names (closeKey) happened.
func closeTime(key string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.TrimPrefix(key, updatedKey))
	return t, err == nil
}

// arrivedAfterClose says whether the close a shared issue's record
// reports (rec.PendingClose) came before the record itself and before
// Bugsink first saw the error in the record's environment (firstSeen):
// the error reached there after the close (the comment says it reached
// there, not that it came back). An issue forgotten and rejoined after a
// close, or a join deferred past it, was there before: it came back.
func arrivedAfterClose(rec syncstate.Record, firstSeen time.Time) bool {
	t, ok := closeTime(rec.PendingClose)
	return ok && rec.BugID != "" && t.Before(rec.SyncedAt) && t.Before(firstSeen)
}

// joinReturn decides whether an issue joining its bug's Gitea issue (its
// close named key) is a return: the issue is closed and the error was seen in the issue's
// environment after that close (its last_seen is later). Then close names
// the close to report, as for any regression: one comment per close
// (whichever environment's is first) and the reopen unless won't fix. An
// error seen there only before the close (a join deferred by --max-create
// or BSYNC_PENDING_GRACE, of a pair that arrived together) is not news.
func joinReturn(closed bool, key string, lastSeen time.Time) (close string, reason string) {
	if !closed {
		return "", "the issue is open"
	}
	t, ok := closeTime(key)
	if !ok || !lastSeen.After(t) {
		return "", "seen there only before the close"
	}
	return key, "seen there after the close " + key
}

// escapeFacts is what the escape comment is decided from: what Gitea and
// the mappings record of the bug, not the order of work in a run.
type escapeFacts struct {
	// env is the joining issue's environment; firstSeen when Bugsink saw
	// the error there first.
	env       string
	firstSeen time.Time
	// known are the environments the bug was recorded in before: its
	// other members', the env:* labels of the Gitea issue, the
	// environments of its hidden lines (a forgotten issue's stay).
	known []string
	// filed is when the bug's first issue was recorded (its earliest
	// member's synced_at).
	filed time.Time
	// returned: the join is a return after a close (joinReturn), whose
	// comment is the one comment.
	returned bool
}

// escapeNews decides whether a join is the news that the bug reached
// production: production is new for the bug (no member, label or hidden
// line says it was there) and Bugsink saw it there after the bug was filed
// (a pair seen together is filed together, even when its join waited for
// a later run). before are the environments it was seen in, for the text.
func escapeNews(f escapeFacts) (news bool, before []string, reason string) {
	switch {
	case f.env != envlink.Production:
		return false, nil, "not production"
	case f.returned:
		return false, nil, "a return after a close: its comment says where"
	case slices.Contains(f.known, envlink.Production):
		return false, nil, "production was recorded for the bug before"
	case f.filed.IsZero() || f.firstSeen.Before(f.filed.Add(time.Second)):
		// filed is in whole seconds (synced_at, Gitea's created_at): the
		// bug was filed somewhen in that second, so a first sight within
		// it is not known to be later.
		return false, nil, "seen in production before the bug was filed"
	}
	for _, e := range f.known {
		if !slices.Contains(before, e) {
			before = append(before, e)
		}
	}
	sort.Strings(before)
	return true, before, "production is new for the bug"
}

// bsyncIssueFor says whether a Gitea issue is bsync's issue of an error:
// its body carries the bug's marker (bug "" for an error filed on its own)
// or the marker, or the Environments row marker, of one of the Bugsink
// issues ids. Joins and regressions write only to such an issue: a
// number recorded for another repository (GITEA_REPO changed with the
// state kept) names a person's issue here.
func bsyncIssueFor(body, bug string, ids []string) bool {
	if bug != "" && strings.Contains(body, render.BugMarker(bug)) {
		return true
	}
	for _, id := range ids {
		// A row's marker names its Bugsink issue as surely as the hidden
		// line does: a person who deleted the hidden lines and the footer
		// left bsync's issue bsync's (the next write puts them back).
		if strings.Contains(body, render.Marker(id)) || strings.Contains(body, render.RowMarker(id)+" ") {
			return true
		}
	}
	return false
}

// notBsyncsIssue is the error of a join or regression refused by
// bsyncIssueFor: it names the issue and the fix.
func notBsyncsIssue(number int, forget []string) error {
	sort.Strings(forget)
	return fmt.Errorf("gitea issue #%d in the configured repository does not carry bsync's marker for this error "+
		"(a person's issue, or GITEA_REPO changed since it was recorded); nothing was written to it. "+
		"`bsync forget %s` lets the next run file the error anew", number, strings.Join(forget, " "))
}

// preferredIssue is the Gitea issue reindex maps a Bugsink issue to when
// several carry its marker (after a forget and a refile, the stale one is
// closed): an open one before a closed one, then the most recent (the
// highest number). The others are reported as duplicates.
func preferredIssue(issues []gitea.Issue) gitea.Issue {
	best := issues[0]
	for _, gi := range issues[1:] {
		if (gi.State == "open") != (best.State == "open") {
			if gi.State == "open" {
				best = gi
			}
			continue
		}
		if gi.Number > best.Number {
			best = gi
		}
	}
	return best
}

// bugMovedOn says whether reindex leaves a Bugsink issue unmapped because
// the Gitea issue carrying its marker (gi, preferredIssue of its carriers)
// is a stale issue of its bug: another issue carrying the bug's marker
// (bugIssues, every one that does) is preferred, so the bug lives there
// now (after a forget of all its issues and a refile). Before the state
// was lost that Bugsink issue was forgotten; mapped to gi, its return
// would reopen the stale issue beside the live one. Unmapped, it joins
// the live issue when it comes back. live is that issue's number.
func bugMovedOn(gi gitea.Issue, bugIssues []gitea.Issue) (live int, moved bool) {
	if len(bugIssues) == 0 {
		return 0, false
	}
	best := preferredIssue(bugIssues)
	return best.Number, best.Number != gi.Number
}

// countOnce says whether key is counted for the first time in seen (the
// report counts a bug once however many of its issues did the same).
func countOnce(seen *map[string]bool, key string) bool {
	if *seen == nil {
		*seen = map[string]bool{}
	}
	if (*seen)[key] {
		return false
	}
	(*seen)[key] = true
	return true
}

// envReserve is the room a new shared issue's body keeps under
// BSYNC_MAX_BODY_BYTES for its Environments section: the table and about
// four environments' rows and hidden lines (some 400 bytes each).
const envReserve = 2 << 10

// bodyCapWithSection is the cap the rest of a shared issue's body is
// rendered to (limit 0: render's default), so that its section fits under
// limit; never below half of it (the stack trace is shortened first).
func bodyCapWithSection(limit int) int {
	if limit <= 0 {
		limit = render.DefaultMaxBodyBytes
	}
	return max(limit-envReserve, limit/2)
}

// fitsBodyCap says whether a shared issue's body may grow to size: under
// the cap (limit 0: render's default), or no larger than it was (a body a
// person made longer is not refused a rewrite of its rows).
func fitsBodyCap(size, was, limit int) bool {
	if limit <= 0 {
		limit = render.DefaultMaxBodyBytes
	}
	return size <= limit || size <= was
}
