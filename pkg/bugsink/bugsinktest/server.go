// Package bugsinktest is a stateful fake of Bugsink's canonical API
// (/api/canonical/0/, as Bugsink 2.5 answers it) for tests, the sandbox and
// the benchmarks. It keeps the real server's quirks: routes only with a
// trailing slash (plain-text 404 without), cursor pagination of 250 with
// absolute "next" URLs, no status filter, 400 "Issue is already resolved.",
// 40-hex bearer tokens and DRF-shaped error bodies.
package bugsinktest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"bsync/pkg/httpfault"
)

// Token is a valid API token for the fake (40 lowercase hex characters).
const Token = "0123456789abcdef0123456789abcdef01234567"

// DefaultPageSize is Bugsink's fixed page size.
const DefaultPageSize = 250

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	Faults *httpfault.Injector
	httpfault.Recorder

	mu       sync.Mutex
	token    string
	pageSize int
	nextHost string
	version  string
	projects []*project
	issues   map[string]*issueState // by uuid
	order    []string               // issue uuids in creation order
	events   map[string]*eventState // by event id
	comments []Comment
	seq      int
	now      func() time.Time
	releases map[int][]string // per project, in the order first seen (lifecycle.go)
}

type project struct {
	ID                 int     `json:"id"`
	Name               string  `json:"name"`
	Slug               string  `json:"slug"`
	Team               *string `json:"team"`
	DSN                string  `json:"dsn"`
	DigestedEventCount int     `json:"digested_event_count"`
	StoredEventCount   int     `json:"stored_event_count"`
	Visibility         string  `json:"visibility"`
}

type issueState struct {
	ID                 string    `json:"id"`
	FriendlyID         string    `json:"friendly_id"`
	Project            int       `json:"project"`
	DigestOrder        int       `json:"digest_order"`
	LastSeen           time.Time `json:"last_seen"`
	FirstSeen          time.Time `json:"first_seen"`
	DigestedEventCount int       `json:"digested_event_count"`
	StoredEventCount   int       `json:"stored_event_count"`
	CalculatedType     string    `json:"calculated_type"`
	CalculatedValue    string    `json:"calculated_value"`
	Transaction        string    `json:"transaction"`
	IsResolved         bool      `json:"is_resolved"`
	IsResolvedUncond   bool      `json:"is_resolved_unconditionally"`
	IsResolvedByNext   bool      `json:"is_resolved_by_next_release"`
	IsMuted            bool      `json:"is_muted"`
	eventIDs           []string
	resolveCount       int
	fixedAt, eventsAt  []string // releases (lifecycle.go)
}

type eventState struct {
	ID          string    `json:"id"`
	IngestedAt  time.Time `json:"ingested_at"`
	DigestedAt  time.Time `json:"digested_at"`
	Issue       string    `json:"issue"`
	Grouping    int       `json:"grouping"`
	EventID     string    `json:"event_id"`
	Project     int       `json:"project"`
	Timestamp   time.Time `json:"timestamp"`
	DigestOrder int       `json:"digest_order"`
	data        json.RawMessage
}

// Comment is a comment posted through /issue-comments/.
type Comment struct {
	ID      int    `json:"id"`
	Issue   string `json:"issue"`
	Project int    `json:"project"`
	Comment string `json:"comment"`
}

// Request is one request the fake received.
type Request = httpfault.Request

// Option configures the fake.
type Option func(*Server)

// WithPageSize changes the page size (Bugsink's is fixed at 250; smaller
// pages make pagination tests cheap).
func WithPageSize(n int) Option { return func(s *Server) { s.pageSize = n } }

// WithNextHost makes "next" links name another scheme and host, as Bugsink
// does behind a misconfigured proxy.
func WithNextHost(origin string) Option { return func(s *Server) { s.nextHost = origin } }

// New starts the fake on a loopback port; Close stops it.
func New(opts ...Option) *Server {
	s := &Server{
		Faults:   httpfault.New(1),
		token:    Token,
		pageSize: DefaultPageSize,
		version:  "2.5.0",
		issues:   map[string]*issueState{},
		events:   map[string]*eventState{},
		now:      func() time.Time { return time.Now().UTC() },
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(s.Faults.Wrap(http.HandlerFunc(s.serve)))
	return s
}

var (
	reProject  = regexp.MustCompile(`^/api/canonical/0/projects/([^/]+)/$`)
	reIssue    = regexp.MustCompile(`^/api/canonical/0/issues/([^/]+)/$`)
	reResolve  = regexp.MustCompile(`^/api/canonical/0/issues/([^/]+)/resolve/$`)
	reAction   = regexp.MustCompile(`^/api/canonical/0/issues/([^/]+)/(resolve-next|reopen)/$`)
	reEvent    = regexp.MustCompile(`^/api/canonical/0/events/([^/]+)/$`)
	reHex40    = regexp.MustCompile(`^[0-9a-f]{40}$`)
	reUUID     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reFriendly = regexp.MustCompile(`^([A-Za-z0-9_-]+)-([0-9]+)$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Record(r)

	p := r.URL.Path
	if !strings.HasPrefix(p, "/api/") {
		http.NotFound(w, r)
		return
	}
	if p == "/api/canonical/0/schema/" {
		writeJSON(w, 200, map[string]any{"openapi": "3.0.3", "info": map[string]string{"title": "Bugsink API", "version": s.version}})
		return
	}
	if !strings.HasSuffix(p, "/") {
		// No redirect: the catch-all answers in plain text.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		fmt.Fprintf(w, "Unimplemented API endpoint: %s", p)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	switch {
	case p == "/api/canonical/0/projects/":
		s.onlyMethod(w, r, http.MethodGet, func() { s.listProjects(w, r) })
	case reProject.MatchString(p):
		s.onlyMethod(w, r, http.MethodGet, func() { s.getProject(w, reProject.FindStringSubmatch(p)[1]) })
	case p == "/api/canonical/0/issues/":
		s.onlyMethod(w, r, http.MethodGet, func() { s.listIssues(w, r) })
	case reResolve.MatchString(p):
		s.onlyMethod(w, r, http.MethodPost, func() { s.resolve(w, reResolve.FindStringSubmatch(p)[1]) })
	case reAction.MatchString(p):
		m := reAction.FindStringSubmatch(p)
		s.onlyMethod(w, r, http.MethodPost, func() { s.action(w, m[1], m[2]) })
	case p == "/api/canonical/0/releases/":
		s.onlyMethod(w, r, http.MethodGet, func() { s.listReleases(w, r) })
	case reIssue.MatchString(p):
		s.onlyMethod(w, r, http.MethodGet, func() { s.getIssue(w, reIssue.FindStringSubmatch(p)[1]) })
	case p == "/api/canonical/0/events/":
		s.onlyMethod(w, r, http.MethodGet, func() { s.listEvents(w, r) })
	case reEvent.MatchString(p):
		s.onlyMethod(w, r, http.MethodGet, func() { s.getEvent(w, reEvent.FindStringSubmatch(p)[1]) })
	case p == "/api/canonical/0/issue-comments/":
		s.onlyMethod(w, r, http.MethodPost, func() { s.addComment(w, r) })
	default:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		fmt.Fprintf(w, "Unimplemented API endpoint: %s", p)
	}
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	switch {
	case h == "" || scheme != "Bearer":
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSON(w, 401, detail("Authentication credentials were not provided."))
	case strings.HasPrefix(tok, "Bearer "):
		writeJSON(w, 401, detail("Invalid Authorization: 'Bearer Bearer ...'"))
	case !reHex40.MatchString(tok):
		writeJSON(w, 401, detail("Malformed Bearer token, must be 40 lowercase hex chars."))
	case tok != s.token:
		writeJSON(w, 401, detail("Invalid Bearer token."))
	default:
		return true
	}
	return false
}

func (s *Server) onlyMethod(w http.ResponseWriter, r *http.Request, method string, f func()) {
	if r.Method != method {
		writeJSON(w, 405, detail(fmt.Sprintf("Method %q not allowed.", r.Method)))
		return
	}
	f()
}

func detail(msg string) map[string]string { return map[string]string{"detail": msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// paginate cuts rows at the cursor and writes the page with absolute links.
func paginate[T any](s *Server, w http.ResponseWriter, r *http.Request, rows []T) {
	offset := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		raw, err := base64.URLEncoding.DecodeString(c)
		if err != nil {
			raw, err = base64.StdEncoding.DecodeString(c)
		}
		v, perr := url.ParseQuery(string(raw))
		n, aerr := strconv.Atoi(v.Get("o"))
		if err != nil || perr != nil || aerr != nil || n < 0 || n > len(rows) {
			writeJSON(w, 404, detail("Invalid cursor"))
			return
		}
		offset = n
	}
	end := min(offset+s.pageSize, len(rows))
	var next *string
	if end < len(rows) {
		q := r.URL.Query()
		q.Set("cursor", base64.StdEncoding.EncodeToString([]byte("o="+strconv.Itoa(end))))
		origin := "http://" + r.Host
		if s.nextHost != "" {
			origin = s.nextHost
		}
		u := origin + r.URL.Path + "?" + q.Encode()
		next = &u
	}
	page := rows[offset:end]
	if page == nil {
		page = []T{}
	}
	writeJSON(w, 200, map[string]any{"next": next, "previous": nil, "results": page})
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	rows := append([]*project(nil), s.projects...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	paginate(s, w, r, rows)
}

func (s *Server) getProject(w http.ResponseWriter, ref string) {
	id, err := strconv.Atoi(ref)
	if err != nil {
		writeJSON(w, 404, detail("Not found."))
		return
	}
	for _, p := range s.projects {
		if p.ID == id {
			writeJSON(w, 200, p)
			return
		}
	}
	writeJSON(w, 404, detail("No Project matches the given query."))
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("project")
	if raw == "" {
		writeJSON(w, 400, map[string][]string{"project": {"This field is required."}})
		return
	}
	pid, err := strconv.Atoi(raw)
	if err != nil {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		fmt.Fprint(w, "Server Error (500)")
		return
	}
	if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
		writeJSON(w, 400, map[string][]string{"order": {"Must be 'asc' or 'desc'."}})
		return
	}
	if so := q.Get("sort"); so != "" && so != "digest_order" && so != "last_seen" && so != "digested_event_count" {
		writeJSON(w, 400, map[string][]string{"sort": {"Must be 'digest_order', 'last_seen' or 'digested_event_count'."}})
		return
	}
	var rows []*issueState
	for _, id := range s.order {
		if is := s.issues[id]; is.Project == pid {
			rows = append(rows, is)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].DigestOrder < rows[j].DigestOrder })
	if q.Get("order") == "desc" {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	paginate(s, w, r, rows)
}

// lookup finds an issue by UUID or friendly id; ok false has been answered.
func (s *Server) lookup(w http.ResponseWriter, ref string) (*issueState, bool) {
	if reUUID.MatchString(ref) {
		if is, ok := s.issues[ref]; ok {
			return is, true
		}
		writeJSON(w, 404, detail("No Issue matches the given query."))
		return nil, false
	}
	if reFriendly.MatchString(ref) {
		for _, is := range s.issues {
			if strings.EqualFold(is.FriendlyID, ref) {
				return is, true
			}
		}
		writeJSON(w, 404, detail("No Issue matches the given query."))
		return nil, false
	}
	writeJSON(w, 400, []string{"Invalid issue identifier."})
	return nil, false
}

func (s *Server) getIssue(w http.ResponseWriter, ref string) {
	if is, ok := s.lookup(w, ref); ok {
		writeJSON(w, 200, is)
	}
}

func (s *Server) resolve(w http.ResponseWriter, ref string) {
	is, ok := s.lookup(w, ref)
	if !ok {
		return
	}
	if is.IsResolved {
		writeJSON(w, 400, detail("Issue is already resolved."))
		return
	}
	is.IsResolved, is.IsResolvedUncond, is.IsResolvedByNext, is.IsMuted = true, true, false, false
	is.resolveCount++
	writeJSON(w, 200, is)
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("issue")
	if ref == "" {
		writeJSON(w, 400, map[string][]string{"issue": {"This field is required."}})
		return
	}
	var rows []*eventState
	if is, ok := s.issues[ref]; ok {
		for _, id := range is.eventIDs {
			rows = append(rows, s.events[id])
		}
	}
	if r.URL.Query().Get("order") != "asc" {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	paginate(s, w, r, rows)
}

func (s *Server) getEvent(w http.ResponseWriter, id string) {
	ev, ok := s.events[id]
	if !ok {
		writeJSON(w, 404, detail("No Event matches the given query."))
		return
	}
	type detailJSON struct {
		*eventState
		Data         json.RawMessage `json:"data"`
		StacktraceMD string          `json:"stacktrace_md"`
	}
	writeJSON(w, 200, detailJSON{eventState: ev, Data: ev.data,
		StacktraceMD: "# rendered by bugsink, with local variables: SECRET_FROM_STACKTRACE_MD"})
}

func (s *Server) addComment(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Issue   string `json:"issue"`
		Comment string `json:"comment"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, 400, detail("JSON parse error"))
		return
	}
	if body.Comment == "" {
		writeJSON(w, 400, map[string][]string{"comment": {"This field may not be blank."}})
		return
	}
	is, ok := s.lookup(w, body.Issue)
	if !ok {
		return
	}
	c := Comment{ID: len(s.comments) + 1, Issue: is.ID, Project: is.Project, Comment: body.Comment}
	s.comments = append(s.comments, c)
	writeJSON(w, 201, map[string]any{"id": c.ID, "issue": c.Issue, "project": c.Project,
		"timestamp": s.now().Format(time.RFC3339Nano), "comment": c.Comment, "user": nil})
}
