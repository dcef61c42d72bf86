package giteatest

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// What closed an issue and which refs carry a fix, as Gitea 1.25.4 shows
// it: the issue's timeline (routers/api/v1/repo/issue_comment.go
// ListIssueCommentsAndTimeline, services/convert/issue_comment.go
// ToTimelineComment), a pull request's merge commit
// (routers/api/v1/repo/pull.go GetPullRequest) and a compare of two refs
// (routers/api/v1/repo/compare.go CompareDiff), checked on the real
// server.

// PersonLogin is the user the fake names on the timeline for a change a
// person made in the UI (SetIssueState, CloseIssueAt); a change made
// through the API names the token's user, the repository's owner.
const PersonLogin = "maintainer"

// timelineEntry is one row of an issue's timeline: a comment, a state
// change or a reference. Its id comes from the comments' sequence, as
// Gitea keeps them all in one table.
type timelineEntry struct {
	id        int64
	typ       string // "comment", "close", "reopen", "commit_ref", "pull_ref"
	at        time.Time
	login     string
	body      string
	refAction string // "none" unless a pull request closes the issue
	refCommit string
	refPull   int // the pull request a pull_ref names
}

// pullState is a pull request: merged or not, and its merge commit.
type pullState struct {
	mergeSHA string
	mergedAt *time.Time
}

// fixState is the fake's memory of references and containment.
type fixState struct {
	timeline map[int][]timelineEntry
	pulls    map[int]*pullState
	contains map[string]map[string]bool // ref → commits it contains
}

func (s *Server) fixes() *fixState {
	if s.fix == nil {
		s.fix = &fixState{timeline: map[int][]timelineEntry{}, pulls: map[int]*pullState{}, contains: map[string]map[string]bool{}}
	}
	return s.fix
}

// addEntry appends a timeline entry to issue n at time at. Called with
// s.mu held.
func (s *Server) addEntry(n int, e timelineEntry) {
	if e.id == 0 {
		e.id = s.nextComment
		s.nextComment++
	}
	if e.refAction == "" {
		e.refAction = "none"
	}
	e.at = e.at.UTC().Truncate(time.Second)
	f := s.fixes()
	f.timeline[n] = append(f.timeline[n], e)
}

// setState moves issue is to state at time at, writing the close or
// reopen entry Gitea writes (models/issues/issue.go changeIssueStatus) by
// login, and reports whether it moved; the caller sets updated_at. Called
// with s.mu held.
func (s *Server) setState(is *Issue, state string, at time.Time, login string) bool {
	if is.State == state {
		return false
	}
	at = at.UTC()
	is.State = state
	typ := "reopen"
	if state == "closed" {
		is.ClosedAt, typ = &at, "close"
	} else {
		is.ClosedAt = nil
	}
	s.addEntry(is.Number, timelineEntry{typ: typ, at: at, login: login})
	s.notify()
	return true
}

// CloseByCommit closes an issue as a push of a commit whose message says
// "fixes #number" does (services/issue/commit.go UpdateIssuesCommit): a
// commit_ref entry naming the commit, whose body is a link to it with the
// message's first line, then a close entry that names no commit, in the
// same second, both by the pusher (the owner here).
func (s *Server) CloseByCommit(number int, sha, subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issue(number)
	if is == nil {
		return
	}
	now := s.now()
	body := fmt.Sprintf(`<a href="/%s/%s/commit/%s">%s</a>`, s.owner, s.repo, sha, subject)
	s.addEntry(number, timelineEntry{typ: "commit_ref", at: now, login: s.owner, body: body, refCommit: sha})
	s.setState(is, "closed", now, s.owner)
}

// CloseByPullRequest closes an issue as merging a pull request whose text
// says "fixes #number" does (services/pull/merge.go): the pull request
// takes the next number, the issue's timeline gets a pull_ref entry
// (ref_action "closes") when it is opened, and a close entry (naming no
// commit) when it is merged into mergeSHA. GET /pulls/{n} then answers it
// merged. It returns the pull request's number.
func (s *Server) CloseByPullRequest(number int, mergeSHA string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issue(number)
	if is == nil {
		return 0
	}
	now := s.now()
	pr := &Issue{ID: s.nextIssueID, Number: len(s.issues) + 1, Title: fmt.Sprintf("Fix #%d", number),
		Body: fmt.Sprintf("Fixes #%d", number), State: "closed", CreatedAt: now, UpdatedAt: now, ClosedAt: &now, Pull: true}
	s.nextIssueID++
	s.issues = append(s.issues, pr)
	s.fixes().pulls[pr.Number] = &pullState{mergeSHA: mergeSHA, mergedAt: &now}
	s.addEntry(number, timelineEntry{typ: "pull_ref", at: now, login: s.owner, refAction: "closes", refPull: pr.Number})
	s.setState(is, "closed", now, s.owner)
	return pr.Number
}

// ContainCommits declares that ref (a tag, a branch or a commit id)
// contains each of shas, for GET /compare. A ref contains itself; any
// other containment must be declared. Refs and commits declared here are
// known to the compare route besides the repository's own (code.go).
func (s *Server) ContainCommits(ref string, shas ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fixes()
	if f.contains[ref] == nil {
		f.contains[ref] = map[string]bool{}
	}
	for _, sha := range shas {
		f.contains[ref][sha] = true
	}
}

var (
	reTimeline = regexp.MustCompile(`^/issues/([^/]+)/timeline$`)
	rePull     = regexp.MustCompile(`^/pulls/([^/]+)$`)
)

// listTimeline serves GET /issues/{n}/timeline: oldest first, entries
// updated at or after since (whole seconds), paged; an empty page is the
// JSON null, X-Total-Count is the page's length, and a missing issue is a
// 500 with an empty message (all as Gitea 1.25.4 answers them).
func (s *Server) listTimeline(w http.ResponseWriter, r *http.Request, n int) {
	is := s.issue(n)
	if is == nil {
		// As the comments: GetIssueByIndex's error goes to
		// APIErrorInternal (checked on 1.25.4).
		s.missingIssue500(w)
		return
	}
	var since time.Time
	if raw := r.URL.Query().Get("since"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			// services/context/api.go GetQueryBeforeSince parses it with
			// time.Parse too, and answers its error.
			s.apiError(w, 422, err.Error())
			return
		}
		since = t
	}
	var rows []timelineEntry
	for _, e := range s.fixes().timeline[n] {
		if !e.at.Before(since.Truncate(time.Second)) {
			rows = append(rows, e)
		}
	}
	page, limit := s.paging(r)
	var out []map[string]any // nil: "null" for an empty page
	for i := (page - 1) * limit; i < len(rows) && i < page*limit; i++ {
		out = append(out, s.entryJSON(is, rows[i]))
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(len(out)))
	writeJSON(w, 200, out)
}

func (s *Server) entryJSON(is *Issue, e timelineEntry) map[string]any {
	out := map[string]any{"id": e.id, "type": e.typ, "body": e.body,
		"created_at": e.at.Format(time.RFC3339), "updated_at": e.at.Format(time.RFC3339),
		"ref_action": e.refAction, "ref_commit_sha": e.refCommit, "ref_issue": nil,
		"user":      map[string]any{"login": e.login},
		"issue_url": fmt.Sprintf("%s/%s/%s/issues/%d", s.URL, s.owner, s.repo, is.Number)}
	if u := s.code().users[strings.ToLower(e.login)]; u != nil {
		out["user"] = map[string]any{"id": u.id, "login": u.login}
	}
	if e.refPull != 0 {
		if pr := s.issue(e.refPull); pr != nil {
			out["ref_issue"] = s.issueJSON(pr)
		}
	}
	return out
}

// pullJSON is an issue's "pull_request" field: null for an issue.
func (s *Server) pullJSON(is *Issue) any {
	if !is.Pull {
		return nil
	}
	p := s.fixes().pulls[is.Number]
	if p == nil || p.mergedAt == nil {
		return map[string]any{"merged": false, "merged_at": nil, "draft": false}
	}
	return map[string]any{"merged": true, "merged_at": p.mergedAt.UTC().Format(time.RFC3339), "draft": false}
}

// getPull serves GET /pulls/{n}: a 404 for a number that is an issue or
// nothing; merge_commit_sha is null until the merge.
func (s *Server) getPull(w http.ResponseWriter, n int) {
	is := s.issue(n)
	p := s.fixes().pulls[n]
	if is == nil || !is.Pull || p == nil {
		s.notFound(w)
		return
	}
	out := map[string]any{"id": is.ID, "number": is.Number, "title": is.Title, "body": is.Body, "state": is.State,
		"merged": p.mergedAt != nil, "merged_at": nil, "merge_commit_sha": nil,
		"base": map[string]any{"ref": DefaultBranch}}
	if p.mergedAt != nil {
		out["merged_at"], out["merge_commit_sha"] = p.mergedAt.UTC().Format(time.RFC3339), p.mergeSHA
	}
	writeJSON(w, 200, out)
}

// compare serves GET /compare/{base}...{head} (".." alike) as far as a
// containment test reads it: total_commits is 0 when base contains head
// (the same commit, or declared by ContainCommits) and 1 otherwise, with
// the head commit listed; a base or head the fake does not know is
// Gitea's 404 "not found". The path arrives unescaped, so a ref with a
// slash is read whole, as Gitea reads the route's tail.
func (s *Server) compare(w http.ResponseWriter, tail string) {
	base, head, ok := strings.Cut(tail, "...")
	if !ok {
		base, head, ok = strings.Cut(tail, "..")
	}
	baseID, okBase := s.fullID(base)
	headID, okHead := s.fullID(head)
	if !ok || !okBase || !okHead {
		s.notFound(w)
		return
	}
	f := s.fixes()
	if headID == baseID || f.contains[base][headID] || f.contains[baseID][headID] {
		writeJSON(w, 200, map[string]any{"total_commits": 0, "commits": []any{}})
		return
	}
	writeJSON(w, 200, map[string]any{"total_commits": 1, "commits": []any{map[string]any{"sha": headID}}})
}

// fullID resolves a branch, tag or commit id (full or an unambiguous
// prefix) among the repository's own refs and those ContainCommits named.
func (s *Server) fullID(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	if sha, ok := s.code().resolve(ref); ok {
		return sha, true
	}
	f := s.fixes()
	if _, ok := f.contains[ref]; ok && !reHexID.MatchString(ref) {
		return ref, true // a declared tag or branch stands for itself
	}
	found := ""
	for r, shas := range f.contains {
		for id := range shas {
			for _, cand := range []string{r, id} {
				if reHexID.MatchString(cand) && strings.HasPrefix(cand, ref) && len(ref) >= 4 {
					if found != "" && found != cand {
						return "", false
					}
					found = cand
				}
			}
		}
	}
	return found, found != ""
}

var reHexID = regexp.MustCompile(`^[0-9a-f]{4,64}$`)
