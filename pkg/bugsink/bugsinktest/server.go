// Package bugsinktest is a stateful fake of Bugsink's canonical API
// (/api/canonical/0/, as Bugsink 2.5 answers it) for tests, the sandbox and
// the benchmarks. It is no kinder than the real server: routes only with a
// trailing slash (the catch-all 404 without), position-based cursor
// pagination of 250 with absolute "next" URLs, no status filter, sort and
// order honoured and bad values refused, 400 "Issue is already resolved.",
// UUIDs or friendly ids (SLUG-N) wherever Bugsink takes an issue, chunked
// request bodies refused, 40-hex bearer tokens and DRF-shaped error bodies.
//
// The contract tests (contract_test.go, run by scripts/test-real.sh) send
// each request bsync makes to a real Bugsink 2.5 and to the fake in the
// same state and compare the answers. The differences kept on purpose (a
// contract test leaves one out of a comparison only by its name here):
//
//   - no-previous: no "previous" links, and a cursor that pages backwards
//     ("r=1") is read as a forward one; bsync only follows "next".
//   - opaque-cursor: the cursor's position is the fake's own sortable
//     string, where DRF encodes the sort field's value; both are opaque.
//   - no-dechunk: chunked request bodies are refused (a 500), as under
//     `bugsink-manage runserver`; gunicorn would de-chunk and accept them.
//   - one-token: one global token with every right (no post-2.5 token
//     capabilities, so no 403s).
//   - routes: only the routes bsync uses (no mute, delete, release details
//     or teams); the rest answer the catch-all 404.
//   - schema: the schema endpoint serves only openapi and info.version,
//     which says 2.5.0 as an installed release does (Bugsink run from a
//     source tree without git metadata, as the bundled test server is,
//     says 0.0.0+unknown).
//   - json-errors: a malformed JSON body's 400 carries Go's parse error
//     after "JSON parse error - ", not Python's.
//   - locals: stacktrace_md lists a frame's local variables in key order
//     and non-string values as JSON, where Bugsink keeps the payload's
//     order and prints Python's str(); bsync never reads stacktrace_md of
//     an event with local variables.
//   - grouping: every event's grouping is 1 (Bugsink numbers groupings
//     per installation).
package bugsinktest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	md       markdownOptions  // how stacktrace_md is rendered (markdown.go)
	releases map[int][]string // per project, in the order first seen (lifecycle.go)
	// releasedAt is each release's date: its first event (lifecycle.go).
	releasedAt map[string]time.Time
	// changes counts what can move an issue in a list order (an issue
	// added, an event digested); lists caches the orders.
	changes int
	lists   map[listKey]listCache
	// lastOrder is each project's highest digest_order.
	lastOrder map[int]int
}

// project is a project as projects/serializers.py shows it (list and
// detail alike).
type project struct {
	ID                     int     `json:"id"`
	Team                   *string `json:"team"`
	Name                   string  `json:"name"`
	Slug                   string  `json:"slug"`
	DSN                    string  `json:"dsn"`
	DigestedEventCount     int     `json:"digested_event_count"`
	StoredEventCount       int     `json:"stored_event_count"`
	AlertOnNewIssue        bool    `json:"alert_on_new_issue"`
	AlertOnRegression      bool    `json:"alert_on_regression"`
	AlertOnUnmute          bool    `json:"alert_on_unmute"`
	Visibility             string  `json:"visibility"`
	RetentionMaxEventCount int     `json:"retention_max_event_count"`
	GroupingMechanism      string  `json:"grouping_mechanism"`
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
	reProject = regexp.MustCompile(`^/api/canonical/0/projects/([^/]+)/$`)
	reIssue   = regexp.MustCompile(`^/api/canonical/0/issues/([^/]+)/$`)
	reResolve = regexp.MustCompile(`^/api/canonical/0/issues/([^/]+)/resolve/$`)
	reAction  = regexp.MustCompile(`^/api/canonical/0/issues/([^/]+)/(resolve-next|reopen)/$`)
	reEvent   = regexp.MustCompile(`^/api/canonical/0/events/([^/]+)/$`)
	reHex40   = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Record(r)

	if chunked(r) {
		// bugsink/middleware.py DisallowChunkedMiddleware, as under
		// `bugsink-manage runserver` (gunicorn would de-chunk; the fake does
		// not offer that kinder setup).
		serverError(w, "This server is not configured to support Chunked Transfer Encoding (for requests)")
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/api/") {
		catchAll(w, p)
		return
	}
	if p == "/api/canonical/0/schema/" {
		writeJSON(w, 200, map[string]any{"openapi": "3.0.3", "info": map[string]string{"title": "Bugsink API", "version": s.version}})
		return
	}
	if !strings.HasSuffix(p, "/") || !routed(p) {
		// No redirect, no authentication: bugsink/urls.py sends every
		// other api/ path to files/views.py api_catch_all.
		catchAll(w, p)
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
		catchAll(w, p)
	}
}

// routed reports whether a path ending in a slash is one the fake's DRF
// router serves (the rest go to the catch-all).
func routed(p string) bool {
	switch p {
	case "/api/canonical/0/projects/", "/api/canonical/0/issues/", "/api/canonical/0/events/",
		"/api/canonical/0/issue-comments/", "/api/canonical/0/releases/":
		return true
	}
	return reProject.MatchString(p) || reIssue.MatchString(p) || reResolve.MatchString(p) ||
		reAction.MatchString(p) || reEvent.MatchString(p)
}

// chunked reports whether the request body came with chunked framing.
func chunked(r *http.Request) bool {
	for _, te := range r.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			return true
		}
	}
	return false
}

// catchAll answers as Bugsink's handler404 does for an unknown path: the
// exception text through templates/4xx_5xx_api.txt, served as Django's
// default text/html (bugsink/views.py page_not_found).
func catchAll(w http.ResponseWriter, p string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(404)
	fmt.Fprint(w, djangoEscape("Unimplemented API endpoint: "+p))
}

// serverError answers as bugsink/views.py server_error does under /api/.
func serverError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(500)
	fmt.Fprint(w, djangoEscape(msg))
}

// djangoEscape is Django's template autoescape (django.utils.html.escape),
// which the .txt error templates get too: a quote in an error message
// comes out as &#x27;.
var djangoEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace

// authorized checks the token as bugsink/authentication.py
// BearerTokenAuthentication does (the scheme is case-sensitive, a second
// word of up to 20 characters is named back, anything but 40 lowercase hex
// is malformed); DRF sends WWW-Authenticate: Bearer with every 401.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	raw = strings.TrimSpace(raw)
	hint, _, spaced := strings.Cut(raw, " ")
	var msg string
	switch {
	case !ok:
		msg = "Authentication credentials were not provided."
	case spaced && utf8.RuneCountInString(hint) <= 20:
		msg = fmt.Sprintf("Invalid Authorization: 'Bearer %s ...'", hint)
	case !reHex40.MatchString(raw):
		msg = "Malformed Bearer token, must be 40 lowercase hex chars."
	case raw != s.token:
		msg = "Invalid Bearer token."
	default:
		return true
	}
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeJSON(w, 401, detail(msg))
	return false
}

func (s *Server) onlyMethod(w http.ResponseWriter, r *http.Request, method string, f func()) {
	if r.Method != method {
		writeJSON(w, 405, detail(fmt.Sprintf("Method %q not allowed.", r.Method)))
		return
	}
	f()
}

// charField reads a value as DRF's CharField does (rest_framework/fields.py
// to_internal_value): a string, or a number taken as Python's str() of it
// (an int as written, a float as its repr: 1e3 is "1000.0"); a bool, a
// list or an object is not a valid string.
func charField(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		if n, ok := new(big.Int).SetString(x.String(), 10); ok {
			return n.String(), true // -0 is 0
		}
		f, err := x.Float64()
		if err != nil {
			return x.String(), true
		}
		return pyFloat(f), true
	}
	return "", false
}

// pyFloat is Python's repr of a float: the shortest digits, in exponent
// form below 1e-4 and from 1e16 on, else with at least one decimal.
func pyFloat(f float64) string {
	if f != 0 && (math.Abs(f) < 1e-4 || math.Abs(f) >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func detail(msg string) map[string]string { return map[string]string{"detail": msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	rows := append([]*project(nil), s.projects...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	paginate(s, w, r, rows, func(p *project) string { return p.Name }, false)
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
		// Django's filter(project="x") raises ValueError: an unhandled 500.
		serverError(w, "Field 'id' expected a number but got '"+raw+"'.")
		return
	}
	// issues/api_views.py IssuesCursorPagination.get_ordering: sort first.
	sortBy := q.Get("sort")
	if !q.Has("sort") {
		sortBy = "digest_order"
	}
	order := q.Get("order")
	if !q.Has("order") {
		order = "asc"
	}
	if sortBy != "digest_order" && sortBy != "last_seen" && sortBy != "digested_event_count" {
		writeJSON(w, 400, map[string][]string{"sort": {"Must be 'digest_order', 'last_seen', or 'digested_event_count'."}})
		return
	}
	if order != "asc" && order != "desc" {
		writeJSON(w, 400, map[string][]string{"order": {"Must be 'asc' or 'desc'."}})
		return
	}
	primary := issuePrimaryKey(sortBy)
	desc := order == "desc"
	rows := s.sortedIssues(pid, sortBy, desc)
	paginate(s, w, r, rows, primary, desc)
}

// issuePrimaryKey returns, for a sort field, the primary key the cursor
// carries (the full order, with its tie-breakers, is issueLess's).
func issuePrimaryKey(sortBy string) func(*issueState) string {
	return func(is *issueState) string {
		switch sortBy {
		case "last_seen":
			return keyTime(is.LastSeen)
		case "digested_event_count":
			return keyInt(is.DigestedEventCount)
		}
		return keyInt(is.DigestOrder)
	}
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
	q := r.URL.Query()
	if !q.Has("issue") {
		writeJSON(w, 400, map[string][]string{"issue": {"This field is required."}})
		return
	}
	// events/api_views.py: the issue filter first, then the ordering
	// (bugsink/api_pagination.py); an unknown issue is an empty list.
	is, key := s.find(q.Get("issue"))
	if key == "" {
		writeJSON(w, 400, []string{"Invalid issue identifier."})
		return
	}
	if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
		writeJSON(w, 400, map[string][]string{"order": {"Must be 'asc' or 'desc'."}})
		return
	}
	var rows []*eventState
	if is != nil {
		for _, id := range is.eventIDs {
			rows = append(rows, s.events[id])
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].DigestOrder < rows[j].DigestOrder })
	desc := q.Get("order") != "asc"
	if desc {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	paginate(s, w, r, rows, func(e *eventState) string { return keyInt(e.DigestOrder) }, desc)
}

func (s *Server) getEvent(w http.ResponseWriter, ref string) {
	// rest_framework/generics.py get_object_or_404: an id that is no UUID
	// is a bare 404; an unknown one names the model.
	id, ok := canonicalUUID(ref)
	if !ok {
		writeJSON(w, 404, detail("Not found."))
		return
	}
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
	is := s.issues[ev.Issue]
	writeJSON(w, 200, detailJSON{eventState: ev, Data: ev.data,
		StacktraceMD: s.md.render(s.projectSlug(is.Project), ev.data, Title(is.CalculatedType, is.CalculatedValue))})
}

// addComment follows issues/serializers.py IssueCommentSerializer: both
// fields are validated and their errors reported together; the comment is
// trimmed before the blank check and stored trimmed.
func (s *Server) addComment(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	d := json.NewDecoder(r.Body)
	d.UseNumber()
	if err := d.Decode(&body); err != nil {
		writeJSON(w, 400, detail("JSON parse error - "+err.Error()))
		return
	}
	errs := map[string][]string{}
	var is *issueState
	switch ref, ok := charField(body["issue"]); {
	case body["issue"] == nil:
		errs["issue"] = []string{"This field is required."}
	case !ok:
		errs["issue"] = []string{"Not a valid string."}
	case strings.TrimSpace(ref) == "":
		errs["issue"] = []string{"This field may not be blank."}
	default:
		found, key := s.find(strings.TrimSpace(ref))
		switch {
		case key == "":
			errs["issue"] = []string{"Invalid issue identifier."}
		case found == nil:
			errs["issue"] = []string{"Issue not found."}
		default:
			is = found
		}
	}
	text, ok := charField(body["comment"])
	text = strings.TrimSpace(text)
	switch {
	case body["comment"] == nil:
		errs["comment"] = []string{"This field is required."}
	case !ok:
		errs["comment"] = []string{"Not a valid string."}
	case text == "":
		errs["comment"] = []string{"This field may not be blank."}
	}
	if len(errs) > 0 {
		writeJSON(w, 400, errs)
		return
	}
	c := Comment{ID: len(s.comments) + 1, Issue: is.ID, Project: is.Project, Comment: text}
	s.comments = append(s.comments, c)
	writeJSON(w, 201, map[string]any{"id": c.ID, "issue": c.Issue, "project": c.Project,
		"timestamp": s.now().Format(time.RFC3339Nano), "comment": c.Comment, "user": nil})
}

// projectSlug is the slug of the project with the given id ("" if none).
func (s *Server) projectSlug(id int) string {
	for _, p := range s.projects {
		if p.ID == id {
			return p.Slug
		}
	}
	return ""
}
