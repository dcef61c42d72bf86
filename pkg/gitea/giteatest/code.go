package giteatest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The repository's code, as the routes bsync reads it through see it:
// recursive trees, tags, commits, raw files, and the users who can be
// assigned. Behaviour follows Gitea 1.25.4, checked against a real server.

// DefaultBranch is the fake repository's default branch.
const DefaultBranch = "main"

// codeState is the fake's git side. Commits are whole snapshots.
type codeState struct {
	commits  map[string]map[string]string // sha → path → content
	order    []string                     // commit shas, oldest first
	branches map[string]string            // name → sha
	tags     []fakeTag                    // oldest first
	users    map[string]*fakeUser         // lower-case login → user
	private  bool
}

type fakeTag struct{ name, sha string }

type fakeUser struct {
	id    int64
	login string
	org   bool
	perm  string // "", "read", "write", "admin", "owner"
}

func (s *Server) code() *codeState {
	if s.git == nil {
		s.git = &codeState{commits: map[string]map[string]string{}, branches: map[string]string{},
			users: map[string]*fakeUser{}}
		s.git.users[strings.ToLower(s.owner)] = &fakeUser{id: 1, login: s.owner, perm: "owner"}
	}
	return s.git
}

// Commit makes a commit on branch (DefaultBranch when "") holding the
// branch's files with files laid over them (an empty content deletes a
// file), and returns its id.
func (s *Server) Commit(branch string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commit(branch, files)
}

// OnTreePage calls f after each page of a tree is served; files it
// returns are committed to the default branch then, as a push while a
// tree is read would.
func (s *Server) OnTreePage(f func(page int) map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onTreePage = f
}

func (s *Server) commit(branch string, files map[string]string) string {
	g := s.code()
	if branch == "" {
		branch = DefaultBranch
	}
	snap := map[string]string{}
	for p, c := range g.commits[g.branches[branch]] {
		snap[p] = c
	}
	for p, c := range files {
		if c == "" {
			delete(snap, p)
		} else {
			snap[p] = c
		}
	}
	h := sha1.New()
	fmt.Fprintf(h, "%d %s", len(g.order), branch)
	for _, p := range sortedKeys(snap) {
		fmt.Fprintf(h, "\x00%s\x00%s", p, snap[p])
	}
	sha := hex.EncodeToString(h.Sum(nil))
	g.commits[sha] = snap
	g.order = append(g.order, sha)
	g.branches[branch] = sha
	return sha
}

// Tag tags a commit (a branch name or a commit id).
func (s *Server) Tag(name, target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.code()
	if sha, ok := g.branches[target]; ok {
		target = sha
	}
	g.tags = append(g.tags, fakeTag{name: name, sha: target})
}

// AddUser makes a user; perm is its access to the repository: "" (none),
// "read", "write" or "admin".
func (s *Server) AddUser(login, perm string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.code()
	g.users[strings.ToLower(login)] = &fakeUser{id: int64(len(g.users) + 1), login: login, perm: perm}
}

// AddOrg makes an organisation.
func (s *Server) AddOrg(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.code()
	g.users[strings.ToLower(login)] = &fakeUser{id: int64(len(g.users) + 1), login: login, org: true}
}

// SetPrivate makes the repository private (or public again): on a public
// repository any user can be assigned, on a private one only users with
// access.
func (s *Server) SetPrivate(private bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.code().private = private
}

// SetAssignees replaces an issue's assignees, as a person in the UI would.
func (s *Server) SetAssignees(number int, logins []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		is.Assignees = append([]string(nil), logins...)
	}
}

// Assignees returns the logins assigned to an issue.
func (s *Server) Assignees(number int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		return append([]string(nil), is.Assignees...)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolve finds the commit a branch, tag, full id or unambiguous id
// prefix names.
func (g *codeState) resolve(ref string) (string, bool) {
	if sha, ok := g.branches[ref]; ok {
		return sha, true
	}
	for i := len(g.tags) - 1; i >= 0; i-- {
		if g.tags[i].name == ref {
			return g.tags[i].sha, true
		}
	}
	if len(ref) < 4 || strings.Trim(ref, "0123456789abcdef") != "" {
		return "", false
	}
	found := ""
	for _, sha := range g.order {
		if strings.HasPrefix(sha, ref) {
			if found != "" {
				return "", false
			}
			found = sha
		}
	}
	return found, found != ""
}

// treeEntries lists a snapshot as a recursive tree does: every directory
// and file, by path.
func treeEntries(snap map[string]string) []map[string]any {
	dirs := map[string]bool{}
	for p := range snap {
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			dirs[p[:i]] = true
		}
	}
	paths := sortedKeys(snap)
	for d := range dirs {
		paths = append(paths, d)
	}
	sort.Strings(paths)
	out := make([]map[string]any, 0, len(paths))
	for _, p := range paths {
		if dirs[p] {
			out = append(out, map[string]any{"path": p, "mode": "040000", "type": "tree", "size": 0})
		} else {
			out = append(out, fileEntry(p, snap[p]))
		}
	}
	return out
}

// Symlink starts a file content that makes the file a symbolic link to
// the rest of the content: Gitea lists it as a blob of mode 120000 whose
// size is the target's length, and its raw file is the target's path
// (checked on 1.25.4).
const Symlink = "\x00symlink:"

func fileEntry(p, content string) map[string]any {
	if target, ok := strings.CutPrefix(content, Symlink); ok {
		return map[string]any{"path": p, "mode": "120000", "type": "blob", "size": len(target)}
	}
	return map[string]any{"path": p, "mode": "100644", "type": "blob", "size": len(content)}
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// getTree serves GET /git/trees/{sha} as services/repository/files/tree.go
// GetTreeBySHA does: per_page ≤0 or above DEFAULT_GIT_TREES_PER_PAGE is
// that default, a page past the end is "tree": null with truncated false,
// and an unknown sha is a 400 "sha not found [x]" (not a 404).
func (s *Server) getTree(w http.ResponseWriter, r *http.Request, ref string) {
	g := s.code()
	sha, ok := g.resolve(ref)
	if !ok {
		s.apiError(w, 400, "sha not found ["+ref+"]")
		return
	}
	entries := treeEntries(g.commits[sha])
	q := r.URL.Query()
	if q.Get("recursive") == "" {
		entries = slices.DeleteFunc(entries, func(e map[string]any) bool { return strings.Contains(e["path"].(string), "/") })
	}
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 || perPage > s.treePerPage {
		perPage = s.treePerPage
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	resp := map[string]any{"sha": sha, "tree": nil, "truncated": false, "page": page, "total_count": len(entries)}
	start := perPage * (page - 1)
	if start < len(entries) {
		end := min(start+perPage, len(entries))
		resp["tree"], resp["truncated"] = entries[start:end], end < len(entries)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(len(entries)))
	writeJSON(w, 200, resp)
	if s.onTreePage != nil {
		if files := s.onTreePage(page); files != nil {
			s.commit("", files)
		}
	}
}

// listTags serves GET /tags: newest first, paged like every list.
func (s *Server) listTags(w http.ResponseWriter, r *http.Request) {
	g := s.code()
	page, limit := s.paging(r)
	w.Header().Set("X-Total-Count", strconv.Itoa(len(g.tags)))
	out := []map[string]any{}
	for i := (page - 1) * limit; i < len(g.tags) && i < page*limit; i++ {
		t := g.tags[len(g.tags)-1-i]
		out = append(out, map[string]any{"name": t.name, "id": t.sha, "commit": map[string]any{"sha": t.sha}})
	}
	writeJSON(w, 200, out)
}

// getTag serves GET /tags/{tag}: the tag by its exact name (slashes
// included: the route is /tags/*), or a 404 "tag doesn't exist: name"
// (routers/api/v1/repo/tag.go GetTag; checked on 1.25.4).
func (s *Server) getTag(w http.ResponseWriter, name string) {
	g := s.code()
	for i := len(g.tags) - 1; i >= 0; i-- {
		if t := g.tags[i]; t.name == name {
			writeJSON(w, 200, map[string]any{"name": t.name, "id": t.sha, "commit": map[string]any{"sha": t.sha}})
			return
		}
	}
	s.notFoundWith(w, "tag doesn't exist: "+name)
}

// getBranch serves GET /branches/{branch}: the commit it points at, or a
// 404 "not found" (routers/api/v1/repo/branch.go GetBranch).
func (s *Server) getBranch(w http.ResponseWriter, name string) {
	g := s.code()
	sha, ok := g.branches[name]
	if !ok {
		s.notFoundWith(w, "not found")
		return
	}
	writeJSON(w, 200, map[string]any{"name": name, "commit": map[string]any{"id": sha}})
}

// getCommit serves GET /git/commits/{sha}: a commit by full or abbreviated
// id; anything else (a tree or blob id, a miss) is a 404.
func (s *Server) getCommit(w http.ResponseWriter, sha string) {
	g := s.code()
	full, ok := g.resolve(sha)
	if !ok || !strings.HasPrefix(full, sha) {
		s.notFoundWith(w, "commit doesn't exist: "+sha)
		return
	}
	writeJSON(w, 200, map[string]any{"sha": full})
}

// getRaw serves GET /raw/{path}?ref=. An unknown ref is quietly the
// default branch, as the real server answers it (checked on 1.25.4).
func (s *Server) getRaw(w http.ResponseWriter, r *http.Request, p string) {
	g := s.code()
	sha, ok := g.resolve(r.URL.Query().Get("ref"))
	if !ok {
		sha = g.branches[DefaultBranch]
	}
	content, ok := g.commits[sha][p]
	if !ok {
		s.notFoundWith(w, "not found")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(200)
	_, _ = w.Write([]byte(strings.TrimPrefix(content, Symlink)))
}

// listAssignees serves GET /assignees: the owner and the users with write
// access, all at once (Gitea does not page this list).
func (s *Server) listAssignees(w http.ResponseWriter) {
	g := s.code()
	out := []map[string]any{}
	for _, k := range sortedUsers(g.users) {
		if u := g.users[k]; u.perm == "write" || u.perm == "admin" || u.perm == "owner" {
			out = append(out, map[string]any{"id": u.id, "login": u.login})
		}
	}
	writeJSON(w, 200, out)
}

func sortedUsers(m map[string]*fakeUser) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// assign checks the assignees of a create as routers/api/v1/repo/issue.go
// CreateIssue does, seen on Gitea 1.25.4: an unknown login is a 422, an
// organisation a 500, and a user without access to a private repository a
// 422; on a public repository every user can be assigned. Logins match
// case-insensitively and repeat once. ok is false when an error was
// answered.
func (s *Server) assign(w http.ResponseWriter, logins []string) ([]string, bool) {
	g := s.code()
	var out []string
	for _, l := range logins {
		u := g.users[strings.ToLower(l)]
		switch {
		case u == nil:
			s.apiError(w, 422, fmt.Sprintf("Assignee does not exist: [name: user does not exist [uid: 0, name: %s]]", l))
			return nil, false
		case u.org:
			s.apiError(w, 500, fmt.Sprintf("organization can't be added as assignee [user_id: %d, repo_id: 1]", u.id))
			return nil, false
		case g.private && u.perm == "":
			s.apiError(w, 422, fmt.Sprintf("user doesn't have access to repo [user_id: %d, repo_name: %s]", u.id, s.repo))
			return nil, false
		}
		if !slices.Contains(out, u.login) {
			out = append(out, u.login)
		}
	}
	return out, true
}

// notFoundWith is the 404 of services/context/api.go NotFound with an
// error: its message, and "errors": null.
func (s *Server) notFoundWith(w http.ResponseWriter, msg string) {
	writeJSON(w, 404, map[string]any{"errors": nil, "message": msg, "url": s.URL + "/api/swagger"})
}

// assigneesJSON is an issue's "assignees": null when there are none, as
// Gitea answers.
func (s *Server) assigneesJSON(logins []string) any {
	if len(logins) == 0 {
		return nil
	}
	out := make([]map[string]any, len(logins))
	for i, l := range logins {
		out[i] = map[string]any{"login": l}
		if u := s.code().users[strings.ToLower(l)]; u != nil {
			out[i]["id"] = u.id
		}
	}
	return out
}
