package syncer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// Stage "fix": a return after a close is news only when the release it
// came from contains the fix (docs/regressions.md, "Releases"). This
// stage finds the fix (the commit that closed the Gitea issue, from its
// timeline) and judges the releases of the events that came back since
// bsync last looked; decide turns the verdict into an action.

// fixVerdict is what the returning events say of the fix.
type fixVerdict int

const (
	// fixUnknown: it cannot be told (no release, no such release, an
	// answer that could not be read): a return is a regression, as
	// before releases were judged.
	fixUnknown fixVerdict = iota
	// fixShipped: an event came from a release that contains the fix.
	fixShipped
	// fixNotShipped: every event came from a release without the fix.
	fixNotShipped
)

// fixFacts is what the fix stage found for one return.
type fixFacts struct {
	verdict fixVerdict
	// commit is the commit that closed the Gitea issue ("" when closed by
	// hand, or not found).
	commit string
	// release is the release that decided: the one with the fix
	// (fixShipped) or the one without it (fixNotShipped); why says how it
	// was told, or why it could not be (fixUnknown).
	release, why string
	// without are the releases judged not to contain the fix.
	without []string
	// ref is the release's tag or commit that contains the fix, byDate
	// set when Bugsink first saw the release after the close (fixShipped).
	ref    string
	byDate bool
}

// comment is what a regression's comment says of the release and the fix.
func (f *fixFacts) comment() *render.RegressionFix {
	if f == nil {
		return nil
	}
	c := &render.RegressionFix{Release: f.release, Commit: f.commit}
	switch f.verdict {
	case fixShipped:
		c.Ref, c.ByDate = f.ref, f.byDate
	case fixUnknown:
		c.Unknown = f.why
	}
	return c
}

// maxJudgedEvents bounds the events of one return whose release is read:
// the newest of those digested since bsync last looked.
const maxJudgedEvents = 5

// fixJudge finds fixes and judges releases, remembering for the run what
// it read: the fix of each close and the releases of each project.
type fixJudge struct {
	*Engine
	mu       sync.Mutex
	commits  map[string]string            // "number close" → commit
	releases map[int]map[string]time.Time // project → version → first seen
	verdicts map[string]releaseVerdict    // "project release commit close" → verdict
}

type releaseVerdict struct {
	verdict fixVerdict
	why     string
	// ref is the ref compared with the commit ("": judged by date, byDate).
	ref    string
	byDate bool
	// err: the answer could not be had now (a server error, a timeout):
	// the return is judged again by the next run.
	err error
}

func newFixJudge(e *Engine) *fixJudge {
	return &fixJudge{Engine: e, commits: map[string]string{}, releases: map[int]map[string]time.Time{},
		verdicts: map[string]releaseVerdict{}}
}

// returned judges a mapped issue's return after gi's close (key): the
// releases of the events digested since rec was written, against the fix.
func (fj *fixJudge) returned(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, key string, rec syncstate.Record) (*fixFacts, error) {
	commit, err := fj.commitOf(ctx, gi, key, rec)
	if err != nil {
		return nil, err
	}
	releases, err := fj.returnReleases(ctx, is, rec)
	if err != nil {
		return nil, err
	}
	var without []string
	if rec.FixClose == key {
		without = rec.ReleasesWithout
	}
	return fj.judgeReleases(ctx, p, key, commit, releases, without)
}

// joined judges a joining issue's release against its bug's close.
func (fj *fixJudge) joined(ctx context.Context, p bugsink.Project, gi *gitea.Issue, key, release string) (*fixFacts, error) {
	commit, err := fj.commitOf(ctx, gi, key, syncstate.Record{})
	if err != nil {
		return nil, err
	}
	return fj.judgeReleases(ctx, p, key, commit, []string{release}, nil)
}

// judgeReleases gives the verdict on releases: shipped when one contains
// the fix, else unknown when one cannot be judged, else not shipped.
// without are releases judged before, for the same close. An answer that
// could not be had now is an error: the next run judges it again.
func (fj *fixJudge) judgeReleases(ctx context.Context, p bugsink.Project, key, commit string, releases, without []string) (*fixFacts, error) {
	f := &fixFacts{verdict: fixNotShipped, commit: commit, without: slices.Clone(without)}
	for _, r := range releases {
		if slices.Contains(f.without, r) {
			if f.release == "" {
				f.release, f.why = r, "judged before"
			}
			continue
		}
		v := fj.releaseHasFix(ctx, p, r, commit, key)
		switch {
		case v.err != nil:
			return nil, v.err
		case v.verdict == fixShipped:
			f.verdict, f.release, f.why, f.ref, f.byDate = fixShipped, r, v.why, v.ref, v.byDate
			return f, nil
		case v.verdict == fixUnknown && f.verdict != fixUnknown:
			f.verdict, f.release, f.why = fixUnknown, r, v.why
		case v.verdict == fixNotShipped:
			f.without = append(f.without, r)
			if f.verdict == fixNotShipped && f.why == "" {
				f.release, f.why = r, v.why
			}
		}
	}
	if len(releases) == 0 {
		f.verdict, f.why = fixUnknown, "none of its events since bsync last looked could be read"
	}
	return f, nil
}

// releaseHasFix judges one release: by the commit when the release names
// a tag or commit of the repository that Gitea can compare with it, else
// by when Bugsink first saw the release (after the close: it may carry
// the fix; before it: it cannot).
func (fj *fixJudge) releaseHasFix(ctx context.Context, p bugsink.Project, release, commit, key string) releaseVerdict {
	// A verdict by date is the project's: its releases were first seen at
	// their own times (one close key can be several issues', closed at
	// once).
	cacheKey := fmt.Sprintf("%d\x00%s\x00%s\x00%s", p.ID, release, commit, key)
	fj.mu.Lock()
	v, ok := fj.verdicts[cacheKey]
	fj.mu.Unlock()
	if ok {
		return v
	}
	v = fj.judgeRelease(ctx, p, release, commit, key)
	if ctx.Err() == nil && v.err == nil {
		fj.mu.Lock()
		fj.verdicts[cacheKey] = v
		fj.mu.Unlock()
	}
	return v
}

func (fj *fixJudge) judgeRelease(ctx context.Context, p bugsink.Project, release, commit, key string) releaseVerdict {
	if release == "" {
		return releaseVerdict{verdict: fixUnknown, why: "the event names no release"}
	}
	if v, ok := fj.byCommit(ctx, release, commit); ok {
		return v
	}
	closed, ok := closeTime(key)
	if !ok {
		return releaseVerdict{verdict: fixUnknown, why: "the close has no time"}
	}
	first, found, err := fj.firstSeen(ctx, p, release)
	switch {
	case err != nil && !refusedStatus(bugsink.StatusCode(err)):
		return releaseVerdict{err: fmt.Errorf("read the releases of %s: %w", p.Slug, err)}
	case err != nil:
		return releaseVerdict{verdict: fixUnknown, why: fmt.Sprintf("could not read the releases of %s: %v", p.Slug, err)}
	case !found:
		return releaseVerdict{verdict: fixUnknown, why: fmt.Sprintf("Bugsink lists no release %q in %s", release, p.Slug)}
	case !first.Before(closed.Add(time.Second)):
		// Gitea's close time has whole seconds: a release first seen in
		// the close's own second was there at the close.
		return releaseVerdict{verdict: fixShipped, why: "Bugsink first saw it after the close, so it may carry the fix", byDate: true}
	}
	return releaseVerdict{verdict: fixNotShipped, why: "Bugsink knew it before the close, so it cannot carry the fix", byDate: true}
}

// refusedStatus reports whether an answer's status refuses the question for good
// (a 4xx other than 429, such as a token without read:repository): the
// release cannot be judged. A server error, 429 or no answer at all may
// pass; the return waits for the next run rather than be reported on it.
func refusedStatus(code int) bool {
	return code >= 400 && code < 500 && code != http.StatusTooManyRequests
}

// byCommit judges a release by the fix's commit when the release names a
// tag or commit of the repository; ok is false when it names none (a
// branch is no fixed point: the old deployment of "main" does not contain
// what main contains now), or Gitea refuses the compare (a token without
// read:repository): then the release is judged by date.
func (fj *fixJudge) byCommit(ctx context.Context, release, commit string) (v releaseVerdict, ok bool) {
	if commit == "" {
		return v, false
	}
	for _, ref := range codeindex.ReleaseRefs(release) {
		has, err := fj.Gitea.Contains(ctx, ref, commit)
		if err == nil {
			err = fj.notBranch(ctx, ref)
		}
		switch {
		case errors.Is(err, gitea.ErrRefNotFound):
			continue
		case err != nil && refusedStatus(gitea.StatusCode(err)):
			return v, false
		case err != nil:
			return releaseVerdict{err: fmt.Errorf("compare %s with the fix %s: %w", ref, short(commit), err)}, true
		case has:
			return releaseVerdict{verdict: fixShipped, why: fmt.Sprintf("%s contains the fix %s", ref, short(commit)), ref: ref}, true
		}
		return releaseVerdict{verdict: fixNotShipped, why: fmt.Sprintf("%s does not contain the fix %s", ref, short(commit)), ref: ref}, true
	}
	return v, false
}

// notBranch is ErrRefNotFound when ref names a branch: Gitea's compare
// resolves a branch before a tag or commit of that name
// (services/repository/compare in Gitea 1.25.4), at its commit now.
func (fj *fixJudge) notBranch(ctx context.Context, ref string) error {
	_, err := fj.Gitea.BranchSHA(ctx, ref)
	switch {
	case err == nil:
		return fmt.Errorf("%s is a branch: %w", ref, gitea.ErrRefNotFound)
	case errors.Is(err, gitea.ErrRefNotFound):
		return nil
	}
	return err
}

// maxReleasePages bounds the releases read per project and run (250 a
// page).
const maxReleasePages = 20

// firstSeen is when Bugsink first saw a release of project p (its
// date_released), read once per project and run. Bugsink lists the
// release an event names under its sanitized name.
func (fj *fixJudge) firstSeen(ctx context.Context, p bugsink.Project, release string) (time.Time, bool, error) {
	fj.mu.Lock()
	known, ok := fj.releases[p.ID]
	fj.mu.Unlock()
	if !ok {
		list, err := fj.Bugsink.Releases(ctx, p.ID, maxReleasePages)
		if err != nil {
			return time.Time{}, false, err
		}
		known = make(map[string]time.Time, len(list))
		for _, r := range list {
			known[r.Version] = r.DateReleased
		}
		fj.mu.Lock()
		fj.releases[p.ID] = known
		fj.mu.Unlock()
	}
	t, found := known[bugsink.ReleaseVersion(release)]
	return t, found, nil
}

// returnReleases are the releases of the newest events digested since
// rec was written (at most maxJudgedEvents; the newest event alone for a
// record without an event count).
func (fj *fixJudge) returnReleases(ctx context.Context, is bugsink.Issue, rec syncstate.Record) ([]string, error) {
	refs, err := fj.Bugsink.IssueEvents(ctx, is.ID, 2*maxJudgedEvents)
	if err != nil {
		return nil, fmt.Errorf("list the events of %s: %w", is.ID, err)
	}
	var out []string
	for read, r := range refs {
		if read == maxJudgedEvents || (read > 0 && r.DigestOrder <= rec.EventCount) {
			break
		}
		ev, err := fj.Bugsink.Event(ctx, r.ID)
		if errors.Is(err, bugsink.ErrNoEvents) || bugsink.IsNotFound(err) {
			continue // gone since (retention): judged by the others
		}
		if err != nil {
			return nil, fmt.Errorf("read event %s of %s: %w", r.ID, is.ID, err)
		}
		if !slices.Contains(out, ev.Data.Release) {
			out = append(out, ev.Data.Release)
		}
	}
	return out, nil
}

// commitOf is the commit that closed gi (its close named key), or "" when
// it was closed by hand or none is found: the record's, when it names
// that close, else read from the timeline once per run. A push that
// closes an issue writes a commit_ref entry and the close in the same
// moment by the same user; a merged pull request that closes it has a
// pull_ref entry that "closes" it (services/issue/commit.go,
// services/pull/merge.go in Gitea 1.25.4).
func (fj *fixJudge) commitOf(ctx context.Context, gi *gitea.Issue, key string, rec syncstate.Record) (string, error) {
	if rec.FixClose == key {
		return rec.FixCommit, nil
	}
	cacheKey := fmt.Sprintf("%d %s", gi.Number, key)
	fj.mu.Lock()
	c, ok := fj.commits[cacheKey]
	fj.mu.Unlock()
	if ok {
		return c, nil
	}
	tl, err := fj.timeline(ctx, gi.Number, key)
	if err != nil {
		return "", fmt.Errorf("read the timeline of gitea #%d: %w", gi.Number, err)
	}
	c, err = fj.closingCommit(ctx, tl)
	if err != nil {
		return "", err
	}
	fj.mu.Lock()
	fj.commits[cacheKey] = c
	fj.mu.Unlock()
	return c, nil
}

// timeline is gi's timeline, whole; one longer than the client reads is
// read from just before the close (key) on: a pushed fix's entries are
// there, a pull request's reference may be older and is then not found.
func (fj *fixJudge) timeline(ctx context.Context, number int, key string) ([]gitea.TimelineEvent, error) {
	tl, err := fj.Gitea.Timeline(ctx, number, time.Time{})
	closed, ok := closeTime(key)
	if errors.Is(err, gitea.ErrPageCap) && ok {
		return fj.Gitea.Timeline(ctx, number, closed.Add(-fixWindow))
	}
	return tl, err
}

// fixWindow is how far apart a close and the entry of what closed it may
// be: Gitea writes both in one request (same second), a merge's close
// follows its merge within the same request.
const fixWindow = 5 * time.Second

// closingCommit finds in a timeline the commit of its last close.
func (fj *fixJudge) closingCommit(ctx context.Context, tl []gitea.TimelineEvent) (string, error) {
	last := -1
	for i, ev := range tl {
		if ev.Type == "close" {
			last = i
		}
	}
	if last < 0 {
		return "", nil
	}
	cl := tl[last]
	near := func(t time.Time) bool { d := t.Sub(cl.CreatedAt); return d <= fixWindow && d >= -fixWindow }
	for i := last; i >= 0; i-- {
		ev := tl[i]
		if ev.Type == "commit_ref" && ev.RefCommitSHA != "" && near(ev.CreatedAt) && sameUser(ev.User, cl.User) {
			return ev.RefCommitSHA, nil
		}
	}
	for i := last; i >= 0; i-- {
		ev := tl[i]
		if ev.Type != "pull_ref" || ev.RefAction != "closes" || ev.RefIssue == nil || ev.RefIssue.PullRequest == nil {
			continue
		}
		if pr := ev.RefIssue.PullRequest; pr.Merged && pr.MergedAt != nil && near(*pr.MergedAt) {
			c, err := fj.Gitea.MergeCommit(ctx, ev.RefIssue.Number)
			if err != nil && refusedStatus(gitea.StatusCode(err)) {
				return "", nil // no read:repository: judged as a close by hand
			}
			if err != nil {
				return "", fmt.Errorf("read pull request #%d that closed it: %w", ev.RefIssue.Number, err)
			}
			return c, nil
		}
	}
	return "", nil
}

func sameUser(a, b *gitea.User) bool {
	return a != nil && b != nil && a.Login == b.Login
}

// short is a commit id as people write it.
func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}
