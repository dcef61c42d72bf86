// Package giteatest is a stateful fake of the Gitea REST API routes bsync
// uses (as Gitea 1.25 answers them; 1.27 differs only in words), for
// tests, the sandbox and the benchmarks. It keeps the real
// server's quirks: a page cap of [api] MAX_RESPONSE_ITEMS (50 unless
// WithMaxResponseItems) announced by /settings/api, labels by id only on
// create with unknown ids dropped silently, duplicate label names accepted,
// colours answered without '#', titles over 255 bytes cut with an
// ellipsis, 201 on PATCH, 500 for a comment on a missing issue, the
// generic 404 for a repository it does not serve, {"message","url"} error
// bodies, and a search index that can lag behind writes.
//
// The contract tests (contract_test.go, run by scripts/test-real.sh) send
// each request bsync makes to a real Gitea 1.25 and to the fake in the
// same state and compare the answers. The differences kept on purpose (a
// contract test leaves one out of a comparison only by its name here):
//
//   - fewer-fields: objects (repository, issue, label, comment, user)
//     carry fewer fields than Gitea's; each field served has Gitea's type,
//     and every field bsync reads is served.
//   - search: q is a case-insensitive substring match of title, body and
//     comments, not bleve's phrase query, and is found at once (or after
//     WithIndexDelay), where Gitea's indexer takes its own time.
//   - json-errors: a body of the wrong JSON types, or malformed JSON, is a
//     422 worded by Go's encoding/json ("[]: json: cannot unmarshal string
//     into Go struct field .labels of type int64", "[]: unexpected EOF");
//     Gitea 1.25's JSON library words it otherwise.
//   - auth: 401/403 cover only the token cases bsync meets: an unknown
//     token, none on a write, and ReadOnlyToken.
//   - routes: only the routes bsync uses; other methods on them answer
//     405 and other paths the router's 404.
//   - commit-ids: commits (code.go) are whole snapshots made by Commit,
//     with ids of their own; a tree answers no blob or tree ids.
//   - no-exclusive: adding an exclusive (scoped) label does not remove the
//     issue's other labels of its scope.
//   - containment: which commits a ref contains is what a test declares
//     (fixes.go ContainCommits; a ref contains itself), not a commit
//     graph, and a compare whose base lacks its head counts one commit
//     (Gitea counts each commit since the merge base); pull requests
//     exist only as CloseByPullRequest makes them, merged.
package giteatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"bsync/pkg/httpfault"
)

// DefaultMaxResponseItems and DefaultPagingNum are Gitea's [api] defaults
// (modules/setting/api.go).
const (
	DefaultMaxResponseItems = 50
	DefaultPagingNum        = 30
)

// Token is a valid token for the fake's user (write access).
const Token = "fedcba9876543210fedcba9876543210fedcba98"

// ReadOnlyToken authenticates with the read scopes that mirror bsync's
// (read:issue, read:repository, read:user): it reads, but every write
// lacks write:issue.
const ReadOnlyToken = "1111111111111111111111111111111111111111"

// IssueOnlyToken authenticates with write:issue alone, the scope an older
// README asked for: issues, labels and comments work, while the repository
// itself, its code, tags and assignees are refused with a 403 naming
// read:repository. Gitea 1.25.4 checks scopes per route group
// (routers/api/v1/api.go, tokenRequiresScopes); seen on the real server.
const IssueOnlyToken = "2222222222222222222222222222222222222222"

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	Faults *httpfault.Injector
	httpfault.Recorder

	mu          sync.Mutex
	owner, repo string
	labels      []*Label
	issues      []*Issue
	comments    map[int][]Comment
	nextLabelID int64
	nextIssueID int64
	nextComment int64
	indexDelay  time.Duration
	noWrite     bool
	maxItems    int
	noSettings  bool
	now         func() time.Time
	notified    int // events that reach a watcher (lifecycle.go)
	reads       map[int]int
	onRead      func(is *Issue, reads int)
	git         *codeState // code.go
	treePerPage int
	onTreePage  func(page int) map[string]string // code.go
	fix         *fixState                        // fixes.go
}

// Label is a stored label (colour kept with '#', as Gitea stores it).
type Label struct {
	ID          int64
	Name        string
	Color       string
	Description string
	Exclusive   bool
}

// Issue is a stored issue.
type Issue struct {
	ID        int64
	Number    int
	Title     string
	Body      string
	State     string
	LabelIDs  []int64
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
	Assignees []string
	// ContentVersion counts body edits, as Gitea's issue.content_version
	// does; like Gitea's API, the fake neither serves it nor honours one
	// sent with an edit (lifecycle.go).
	ContentVersion int
	// Pull marks a pull request (fixes.go); the fake lists only issues,
	// as type=issues asks.
	Pull bool
}

// Comment is a stored issue comment.
type Comment struct {
	ID   int64
	Body string
}

// Request is one request the fake received.
type Request = httpfault.Request

// Option configures the fake.
type Option func(*Server)

// WithIndexDelay makes issues findable through ?q= only after d, like
// Gitea's asynchronous bleve indexer (0.2–2 s in practice).
func WithIndexDelay(d time.Duration) Option { return func(s *Server) { s.indexDelay = d } }

// WithMaxResponseItems sets the server's page cap ([api]
// MAX_RESPONSE_ITEMS; Gitea's default is 50).
func WithMaxResponseItems(n int) Option { return func(s *Server) { s.maxItems = n } }

// WithoutSettingsAPI makes GET /settings/api answer 404, as a Gitea older
// than 1.13 or a proxy that passes only some routes would.
func WithoutSettingsAPI() Option { return func(s *Server) { s.noSettings = true } }

// WithTreePerPage sets [api] DEFAULT_GIT_TREES_PER_PAGE (Gitea's default
// is 1000), so tests can page a tree without a thousand files.
func WithTreePerPage(n int) Option { return func(s *Server) { s.treePerPage = n } }

// WithoutWriteAccess makes the token's user a non-collaborator: creates
// succeed but labels are silently ignored, as Gitea does.
func WithoutWriteAccess() Option { return func(s *Server) { s.noWrite = true } }

// New starts a fake serving one repository owner/repo.
func New(owner, repo string, opts ...Option) *Server {
	s := &Server{Faults: httpfault.New(2), owner: owner, repo: repo, comments: map[int][]Comment{},
		nextLabelID: 1, nextIssueID: 1, nextComment: 1, maxItems: DefaultMaxResponseItems, treePerPage: 1000, now: func() time.Time { return time.Now().UTC() }}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(s.Faults.Wrap(http.HandlerFunc(s.serve)))
	return s
}

var (
	reRepo      = regexp.MustCompile(`^/api/v1/repos/([^/]+)/([^/]+)(/.*)?$`)
	reIssueNum  = regexp.MustCompile(`^/issues/([^/]+)$`)
	reComments  = regexp.MustCompile(`^/issues/([^/]+)/comments$`)
	reIssueLbls = regexp.MustCompile(`^/issues/([^/]+)/labels$`)
	reTree      = regexp.MustCompile(`^/git/trees/([^/]+)$`)
	reCommit    = regexp.MustCompile(`^/git/commits/([^/]+)$`)
	reColor     = regexp.MustCompile(`^#?([0-9a-f]{6}|[0-9a-f]{3})$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Record(r)

	tok := token(r)
	if tok != "" && tok != Token && tok != ReadOnlyToken && tok != IssueOnlyToken {
		// An unknown token is refused on every route, the public ones too:
		// services/auth/oauth2.go answers ErrUserNotExist for it and
		// services/auth/group.go passes that on, so the API answers 401.
		s.apiError(w, 401, "invalid username, password or token")
		return
	}
	if r.URL.Path == "/api/v1/version" {
		writeJSON(w, 200, map[string]string{"version": "1.25.4"})
		return
	}
	if r.URL.Path == "/api/v1/settings/api" && !s.noSettings {
		// routers/api/v1/settings/settings.go GetGeneralAPISettings; public.
		writeJSON(w, 200, map[string]int{"max_response_items": s.maxItems, "default_paging_num": DefaultPagingNum,
			"default_git_trees_per_page": s.treePerPage, "default_max_blob_size": 10485760, "default_max_response_size": 104857600})
		return
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	switch {
	case tok == "" && write:
		s.apiError(w, 401, "token is required")
		return
	case tok == ReadOnlyToken && write:
		s.apiError(w, 403, "token does not have at least one of required scope(s), required=[write:issue], token scope=read:issue,read:repository,read:user")
		return
	case tok == IssueOnlyToken && !issueScoped(r.URL.Path):
		s.apiError(w, 403, "token does not have at least one of required scope(s), required=[read:repository], token scope=write:issue")
		return
	}
	s.serveRepo(w, r, tok)
}

// issueScoped reports whether a repository route is in Gitea's issue scope
// (issues, their comments and labels, the repository's labels).
func issueScoped(path string) bool {
	m := reRepo.FindStringSubmatch(path)
	return m != nil && (strings.HasPrefix(m[3], "/issues") || strings.HasPrefix(m[3], "/labels"))
}

// serveRepo answers the routes under /repos/{owner}/{repo}; the caller
// holds s.mu and has checked the token.
func (s *Server) serveRepo(w http.ResponseWriter, r *http.Request, tok string) {
	m := reRepo.FindStringSubmatch(r.URL.Path)
	if m == nil {
		textNotFound(w)
		return
	}
	rest := m[3]
	methods := repoRoutes(rest)
	switch {
	case methods == "":
		textNotFound(w)
		return
	case !strings.Contains(" "+methods+" ", " "+r.Method+" "):
		// The router refuses the method before any lookup: 405, no body.
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	case m[1] != s.owner:
		// services/context/repo.go RepoAssignment: an owner that is not
		// there fails its user lookup, and says so.
		writeJSON(w, 404, map[string]any{"message": "GetUserByName", "url": s.URL + "/api/swagger",
			"errors": []string{"user redirect does not exist [name: " + m[1] + "]"}})
		return
	case m[2] != s.repo:
		s.notFound(w)
		return
	}
	switch {
	case rest == "":
		s.getRepo(w, tok)
	case rest == "/labels" && r.Method == http.MethodGet:
		s.listLabels(w, r)
	case rest == "/labels":
		s.createLabel(w, r)
	case rest == "/issues" && r.Method == http.MethodGet:
		s.listIssues(w, r)
	case rest == "/issues":
		s.createIssue(w, r)
	case reIssueNum.MatchString(rest) && r.Method == http.MethodGet:
		s.getIssue(w, num(reIssueNum, rest))
	case reIssueNum.MatchString(rest):
		s.editIssue(w, r, num(reIssueNum, rest))
	case reComments.MatchString(rest) && r.Method == http.MethodPost:
		s.addComment(w, r, num(reComments, rest))
	case reComments.MatchString(rest):
		s.listComments(w, num(reComments, rest))
	case reIssueLbls.MatchString(rest):
		s.addLabels(w, r, num(reIssueLbls, rest))
	case reTimeline.MatchString(rest):
		s.listTimeline(w, r, num(reTimeline, rest))
	default:
		s.serveCode(w, r, rest)
	}
}

// serveCode answers the code routes (code.go); the router has checked
// the method.
func (s *Server) serveCode(w http.ResponseWriter, r *http.Request, rest string) {
	switch {
	case reTree.MatchString(rest):
		s.getTree(w, r, pathParam(reTree, rest))
	case reCommit.MatchString(rest):
		s.getCommit(w, pathParam(reCommit, rest))
	case rest == "/tags":
		s.listTags(w, r)
	case strings.HasPrefix(rest, "/tags/"):
		s.getTag(w, strings.TrimPrefix(rest, "/tags/"))
	case strings.HasPrefix(rest, "/branches/"):
		s.getBranch(w, strings.TrimPrefix(rest, "/branches/"))
	case rest == "/assignees":
		s.listAssignees(w)
	case rePull.MatchString(rest):
		s.getPull(w, num(rePull, rest))
	case strings.HasPrefix(rest, "/compare/"):
		s.compare(w, strings.TrimPrefix(rest, "/compare/"))
	default:
		s.getRaw(w, r, strings.TrimPrefix(rest, "/raw/"))
	}
}

// repoRoutes returns the methods the fake serves on a path under a
// repository, space-separated ("" for no route).
func repoRoutes(rest string) string {
	switch {
	case rest == "":
		return "GET"
	case rest == "/labels", rest == "/issues":
		return "GET POST"
	case reIssueNum.MatchString(rest):
		return "GET PATCH"
	case reComments.MatchString(rest):
		return "GET POST"
	case reIssueLbls.MatchString(rest):
		return "POST"
	case reTimeline.MatchString(rest), rePull.MatchString(rest), strings.HasPrefix(rest, "/compare/") && len(rest) > len("/compare/"):
		return "GET" // fixes.go
	case reTree.MatchString(rest), reCommit.MatchString(rest), rest == "/tags", rest == "/assignees",
		strings.HasPrefix(rest, "/tags/") && len(rest) > len("/tags/"),
		strings.HasPrefix(rest, "/branches/") && len(rest) > len("/branches/"),
		strings.HasPrefix(rest, "/raw/") && len(rest) > len("/raw/"):
		return "GET" // code.go
	}
	return ""
}

// textNotFound is the router's own 404 for a path it has no route for.
func textNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(404)
	fmt.Fprintln(w, "404 page not found")
}

func token(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "token") || strings.EqualFold(scheme, "Bearer")) {
		return tok
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	return r.URL.Query().Get("token")
}

// pathParam is a path segment, already unescaped (the routes match
// r.URL.Path).
func pathParam(re *regexp.Regexp, s string) string { return re.FindStringSubmatch(s)[1] }

func num(re *regexp.Regexp, s string) int {
	n, _ := strconv.Atoi(re.FindStringSubmatch(s)[1])
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// notFound answers Gitea's generic 404 (services/context/api.go
// APIErrorNotFound), as a repository, issue or number that is not there
// gets it: "not found" with a null errors list.
func (s *Server) notFound(w http.ResponseWriter) {
	writeJSON(w, 404, map[string]any{"message": "not found", "url": s.URL + "/api/swagger", "errors": nil})
}

func (s *Server) apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "url": s.URL + "/api/swagger"})
}

// bind decodes a JSON body the way Gitea's binding does: a JSON
// Content-Type is required.
func (s *Server) bind(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		// Gitea 1.25 (Gitea 1.27 reads the body as a form instead and
		// answers "[Title]: Required").
		s.apiError(w, 422, "[]: Empty Content-Type")
		return false
	}
	if !strings.HasPrefix(ct, "application/json") {
		s.apiError(w, 422, "[]: Unsupported Content-Type")
		return false
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		s.apiError(w, 422, "[]: "+err.Error())
		return false
	}
	return true
}

func (s *Server) labelJSON(l *Label) map[string]any {
	return map[string]any{"id": l.ID, "name": l.Name, "color": strings.TrimPrefix(l.Color, "#"),
		"description": l.Description, "exclusive": l.Exclusive, "is_archived": false,
		"url": fmt.Sprintf("%s/api/v1/repos/%s/%s/labels/%d", s.URL, s.owner, s.repo, l.ID)}
}

func (s *Server) issueJSON(is *Issue) map[string]any {
	labels := []map[string]any{}
	for _, id := range is.LabelIDs {
		if l := s.label(id); l != nil {
			labels = append(labels, s.labelJSON(l))
		}
	}
	return map[string]any{
		"id": is.ID, "number": is.Number, "title": is.Title, "body": is.Body, "state": is.State,
		"labels": labels, "comments": len(s.comments[is.Number]),
		"html_url":   fmt.Sprintf("%s/%s/%s/%s/%d", s.URL, s.owner, s.repo, htmlKind(is), is.Number),
		"url":        fmt.Sprintf("%s/api/v1/repos/%s/%s/issues/%d", s.URL, s.owner, s.repo, is.Number),
		"created_at": is.CreatedAt.Format(time.RFC3339), "updated_at": is.UpdatedAt.Format(time.RFC3339),
		"closed_at": closedAt(is.ClosedAt), "pull_request": s.pullJSON(is), "user": map[string]any{"login": "bsync"},
		"repository": map[string]any{"name": s.repo, "owner": s.owner, "full_name": s.owner + "/" + s.repo},
		"assignees":  s.assigneesJSON(is.Assignees),
	}
}

// htmlKind is the web path of an issue's page: "pulls" for a pull
// request (fixes.go), "issues" otherwise.
func htmlKind(is *Issue) string {
	if is.Pull {
		return "pulls"
	}
	return "issues"
}

func (s *Server) label(id int64) *Label {
	for _, l := range s.labels {
		if l.ID == id {
			return l
		}
	}
	return nil
}

func (s *Server) issue(n int) *Issue {
	if n >= 1 && n <= len(s.issues) {
		return s.issues[n-1]
	}
	return nil
}

// paging reads page and limit as Gitea does (routers/api/v1/utils/page.go,
// services/convert/utils.go ToCorrectPageSize): 1-based, limit ≤0 → 30,
// above MAX_RESPONSE_ITEMS → MAX_RESPONSE_ITEMS.
func (s *Server) paging(r *http.Request) (page, limit int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	if page <= 0 {
		page = 1
	}
	limit, _ = strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = DefaultPagingNum
	}
	if limit > s.maxItems {
		limit = s.maxItems
	}
	return page, limit
}

func (s *Server) getRepo(w http.ResponseWriter, tok string) {
	writeJSON(w, 200, map[string]any{"id": 1, "name": s.repo, "full_name": s.owner + "/" + s.repo,
		"has_issues": true, "archived": false, "html_url": s.URL + "/" + s.owner + "/" + s.repo,
		"open_issues_count": s.openCount(), "default_branch": DefaultBranch, "private": s.code().private,
		"permissions": map[string]bool{"admin": !s.noWrite && tok == Token, "push": !s.noWrite && tok == Token, "pull": true}})
}

func (s *Server) openCount() int {
	n := 0
	for _, is := range s.issues {
		if is.State == "open" && !is.Pull {
			n++
		}
	}
	return n
}

func (s *Server) listLabels(w http.ResponseWriter, r *http.Request) {
	rows := append([]*Label(nil), s.labels...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	page, limit := s.paging(r)
	w.Header().Set("X-Total-Count", strconv.Itoa(len(rows)))
	out := []map[string]any{}
	for i := (page - 1) * limit; i < len(rows) && i < page*limit; i++ {
		out = append(out, s.labelJSON(rows[i]))
	}
	writeJSON(w, 200, out)
}

func (s *Server) createLabel(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        string `json:"name"`
		Color       string `json:"color"`
		Description string `json:"description"`
		Exclusive   bool   `json:"exclusive"`
	}
	// The write check comes before the body's: routers/api/v1/api.go
	// routes the create through reqRepoWriter, then bind (seen on 1.25.4:
	// an empty body from a reader is a 403, not a 422).
	if s.noWrite {
		s.apiError(w, 403, "user should have a permission to write to a repo")
		return
	}
	if !s.bind(w, r, &body) {
		return
	}
	if body.Name == "" {
		s.apiError(w, 422, "[Name]: Required")
		return
	}
	if body.Color == "" {
		s.apiError(w, 422, "[Color]: Required")
		return
	}
	c := strings.ToLower(strings.TrimSpace(body.Color))
	m := reColor.FindStringSubmatch(c)
	if m == nil {
		s.apiError(w, 422, "invalid color: "+body.Color)
		return
	}
	hex := m[1]
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	// Duplicate names are accepted, as Gitea does.
	l := &Label{ID: s.nextLabelID, Name: body.Name, Color: "#" + hex, Description: body.Description, Exclusive: body.Exclusive}
	s.nextLabelID++
	s.labels = append(s.labels, l)
	writeJSON(w, 201, s.labelJSON(l))
}

// truncateTitle is util.EllipsisDisplayString(title, 255)
// (modules/util/truncate.go), which Gitea applies to every title it stores:
// a title of up to 255 bytes is kept; a longer one is kept whole while its
// display width stays within 255 with at most 3 runes past 252 columns,
// else cut to 252 columns plus "…" ("..." when it holds invalid UTF-8).
func truncateTitle(t string) string {
	const limit = 255
	if len(t) <= limit {
		return t
	}
	pos, used, offset, invalid := 0, 0, 0, false
	for i, r := range t {
		invalid = invalid || r == utf8.RuneError
		pos = i
		if used+displayWidth(r)+3 > limit {
			break
		}
		used += displayWidth(r)
		offset += utf8.RuneLen(r)
	}
	if len(t)-pos <= 12 {
		n, width := 0, 0
		for _, r := range t[pos:] {
			if n >= 4 {
				break
			}
			width += displayWidth(r)
			n++
		}
		if n <= 3 && used+width <= limit {
			return t
		}
	}
	if invalid {
		return t[:offset] + "..."
	}
	return t[:offset] + "…"
}

// displayWidth is Gitea's guess of a rune's width: Latin-1, marks, format
// characters and spaces count 1, everything else (CJK, emoji) 2.
func displayWidth(r rune) int {
	switch {
	case r <= 255:
		return 1
	case r == '\u3000':
		return 2
	case unicode.Is(unicode.M, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Cs, r), unicode.Is(unicode.Z, r):
		return 1
	}
	return 2
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title     *string  `json:"title"`
		Body      string   `json:"body"`
		Labels    []int64  `json:"labels"`
		Closed    bool     `json:"closed"`
		Assignees []string `json:"assignees"`
	}
	if !s.bind(w, r, &body) {
		return
	}
	if body.Title == nil || *body.Title == "" {
		s.apiError(w, 422, "[Title]: Required")
		return
	}
	var assignees []string
	if !s.noWrite {
		// Like labels, assignees are ignored for a user who cannot write.
		var ok bool
		if assignees, ok = s.assign(w, body.Assignees); !ok {
			return
		}
	}
	now := s.now()
	is := &Issue{Assignees: assignees, ID: s.nextIssueID, Number: len(s.issues) + 1, Title: truncateTitle(strings.TrimSpace(*body.Title)),
		Body: body.Body, State: "open", CreatedAt: now, UpdatedAt: now}
	s.nextIssueID++
	if !s.noWrite {
		// Unknown, foreign and non-positive ids are dropped silently.
		for _, id := range body.Labels {
			if s.label(id) != nil && !slices.Contains(is.LabelIDs, id) {
				is.LabelIDs = append(is.LabelIDs, id)
			}
		}
	}
	s.issues = append(s.issues, is)
	s.notify()
	if body.Closed {
		// routers/api/v1/repo/issue.go CreateIssue closes it after the
		// create, which writes a close entry (fixes.go).
		s.setState(is, "closed", now, s.owner)
	}
	writeJSON(w, 201, s.issueJSON(is))
}

func (s *Server) getIssue(w http.ResponseWriter, n int) {
	is := s.issue(n)
	if is == nil {
		s.notFound(w)
		return
	}
	if s.reads == nil {
		s.reads = map[int]int{}
	}
	s.reads[n]++
	if s.onRead != nil {
		s.onRead(is, s.reads[n])
	}
	writeJSON(w, 200, s.issueJSON(is))
}

func (s *Server) editIssue(w http.ResponseWriter, r *http.Request, n int) {
	var body struct {
		State *string `json:"state"`
		Title *string `json:"title"`
		Body  *string `json:"body"`
	}
	// Gitea binds the body before its handler looks the issue up.
	if !s.bind(w, r, &body) {
		return
	}
	is := s.issue(n)
	if is == nil {
		s.notFound(w)
		return
	}
	// A content_version in the request is ignored, as Gitea does: EditIssue
	// (routers/api/v1/repo/issue.go) calls issue_service.ChangeContent with
	// the stored issue.ContentVersion, never the client's, and its internal
	// race answers 400, not 409. A body edit always wins.
	now := s.now()
	if body.State != nil {
		switch *body.State {
		case "open", "closed":
			s.setState(is, *body.State, now, s.owner) // fixes.go
		default:
			s.apiError(w, 412, "unknown state: "+*body.State)
			return
		}
	}
	if body.Title != nil {
		is.Title = truncateTitle(strings.TrimSpace(*body.Title))
	}
	if body.Body != nil {
		is.Body = *body.Body
		is.ContentVersion++
	}
	is.UpdatedAt = now
	writeJSON(w, 201, s.issueJSON(is))
}

func (s *Server) addComment(w http.ResponseWriter, r *http.Request, n int) {
	var body struct {
		Body string `json:"body"`
	}
	// The binding's Required check comes before the handler's lookup.
	if !s.bind(w, r, &body) {
		return
	}
	if body.Body == "" {
		s.apiError(w, 422, "[Body]: Required")
		return
	}
	is := s.issue(n)
	if is == nil {
		s.missingIssue500(w)
		return
	}
	c := Comment{ID: s.nextComment, Body: body.Body}
	s.nextComment++
	s.comments[n] = append(s.comments[n], c)
	is.UpdatedAt = s.now()
	s.addEntry(n, timelineEntry{id: c.ID, typ: "comment", at: is.UpdatedAt, login: s.owner, body: c.Body})
	s.notify()
	writeJSON(w, 201, s.commentJSON(n, c))
}

func (s *Server) listComments(w http.ResponseWriter, n int) {
	if s.issue(n) == nil {
		s.missingIssue500(w)
		return
	}
	out := []map[string]any{}
	for _, c := range s.comments[n] {
		out = append(out, s.commentJSON(n, c))
	}
	writeJSON(w, 200, out)
}

func (s *Server) commentJSON(n int, c Comment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body,
		"html_url":  fmt.Sprintf("%s/%s/%s/issues/%d#issuecomment-%d", s.URL, s.owner, s.repo, n, c.ID),
		"issue_url": fmt.Sprintf("%s/%s/%s/issues/%d", s.URL, s.owner, s.repo, n)}
}

// missingIssue500 is what both comment routes answer for an issue that is
// not there: routers/api/v1/repo/issue_comment.go sends any
// GetIssueByIndex error to APIErrorInternal, whose text a server in prod
// mode shows only to a site admin (bsync's token is not one).
func (s *Server) missingIssue500(w http.ResponseWriter) {
	s.apiError(w, 500, "")
}

// addLabels follows routers/api/v1/repo/issue_label.go AddIssueLabels
// (prepareForReplaceOrAdd): the body is bound first, then the issue looked
// up, write access checked, and the labels read as ids (JSON numbers, cut
// to integers) or names, not both; a name adds every label of that name.
func (s *Server) addLabels(w http.ResponseWriter, r *http.Request, n int) {
	var body struct {
		Labels []any `json:"labels"`
	}
	if !s.bind(w, r, &body) {
		return
	}
	is := s.issue(n)
	if is == nil {
		s.notFound(w)
		return
	}
	if s.noWrite {
		s.apiError(w, 403, "write permission is required")
		return
	}
	var ids []int64
	var names []string
	for _, l := range body.Labels {
		switch v := l.(type) {
		case float64:
			ids = append(ids, int64(v))
		case string:
			names = append(names, v)
		default:
			s.apiError(w, 400, "a label must be an integer or a string")
			return
		}
	}
	if len(ids) > 0 && len(names) > 0 {
		s.apiError(w, 400, "labels should be an array of strings or integers")
		return
	}
	for _, l := range s.labels {
		if slices.Contains(names, l.Name) {
			ids = append(ids, l.ID)
		}
	}
	for _, id := range ids {
		if s.label(id) != nil && !slices.Contains(is.LabelIDs, id) {
			is.LabelIDs = append(is.LabelIDs, id)
		}
	}
	out := []map[string]any{}
	for _, id := range is.LabelIDs {
		out = append(out, s.labelJSON(s.label(id)))
	}
	writeJSON(w, 200, out)
}

// listIssues lists newest first. Without q the list comes from the
// database at once; with q it matches title, body and comments
// case-insensitively, but only issues indexed already (indexDelay).
func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(r.URL.Query().Get("q"))
	state := r.URL.Query().Get("state")
	if state != "closed" && state != "all" {
		state = "open"
	}
	now := s.now()
	var rows []*Issue
	for i := len(s.issues) - 1; i >= 0; i-- {
		is := s.issues[i]
		if is.Pull || state != "all" && is.State != state {
			continue
		}
		if q != "" {
			if now.Sub(is.UpdatedAt) < s.indexDelay {
				continue
			}
			if !s.matches(is, q) {
				continue
			}
		}
		rows = append(rows, is)
	}
	page, limit := s.paging(r)
	w.Header().Set("X-Total-Count", strconv.Itoa(len(rows)))
	out := []map[string]any{}
	for i := (page - 1) * limit; i < len(rows) && i < page*limit; i++ {
		out = append(out, s.issueJSON(rows[i]))
	}
	if page*limit < len(rows) {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d&limit=%d>; rel="next"`, s.URL, r.URL.Path, page+1, limit))
	}
	writeJSON(w, 200, out)
}

func (s *Server) matches(is *Issue, q string) bool {
	if strings.Contains(strings.ToLower(is.Title), q) || strings.Contains(strings.ToLower(is.Body), q) {
		return true
	}
	for _, c := range s.comments[is.Number] {
		if strings.Contains(strings.ToLower(c.Body), q) {
			return true
		}
	}
	return false
}
