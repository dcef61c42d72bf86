package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bsync/pkg/peertest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate/redistest"
)

// The end-to-end scenarios against the real pair: the built binary, run as
// cron would, against a real Gitea and a real Bugsink (scripts/test-real.sh
// starts them). Each scenario has its own Gitea user and repository, its own
// Bugsink projects and its own redis-server, so scenarios run side by side
// and never see each other's data.

// recordedEventsDir holds the event payloads recorded from real SDKs, with
// the type, value and stacktrace_md Bugsink's own code derives from each.
const recordedEventsDir = "pkg/render/testdata/events"

// realPair is one scenario's corner of the real servers.
type realPair struct {
	*e2e
	g        *peertest.Gitea
	b        *peertest.Bugsink
	acct     *peertest.Account
	projects map[string]peertest.Project // by the name asked for, e.g. "flyer-crawler-backend"
}

// newRealPair makes a Gitea account and repository, a Bugsink project for
// each name (its slug is the name and a unique suffix, so the labels bsync
// derives from its words are those of the name) and a redis-server, and
// the environment bsync runs with: only these projects are synced.
func newRealPair(t *testing.T, b *peertest.Bugsink, names ...string) *realPair {
	t.Helper()
	g := peertest.GiteaServer(t)
	p := &realPair{e2e: &e2e{redis: redistest.Start(t)}, g: g, b: b, acct: g.NewAccount(t), projects: map[string]peertest.Project{}}
	var slugs []string
	for _, n := range names {
		p.projects[n] = b.NewProject(t, n)
		slugs = append(slugs, p.projects[n].Slug)
	}
	p.env = []string{
		"BUGSINK_URL=" + b.URL, "BUGSINK_API_TOKEN=" + b.Token,
		"GITEA_URL=" + g.URL, "GITEA_API_TOKEN=" + p.acct.Token,
		"GITEA_OWNER=" + p.acct.Login, "GITEA_REPO=" + p.acct.Repo,
		"BUGSINK_SYNC_ENABLED=true", "BUGSINK_PROJECTS=" + strings.Join(slugs, ","),
		"REDIS_URL=" + p.redis.URL(), "PATH=" + os.Getenv("PATH"),
	}
	return p
}

// sync runs bsync sync with args and fails the test unless it succeeds;
// it returns the report's data.
func (p *realPair) sync(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, doc, stderr := p.run(t, append([]string{"sync"}, args...)...)
	d, _ := doc["data"].(map[string]any)
	if code != 0 || doc["success"] != true || d == nil {
		t.Fatalf("bsync sync %v: exit %d\n%v\n%s", args, code, doc, stderr)
	}
	if errs, _ := d["errors"].([]any); len(errs) > 0 {
		t.Fatalf("bsync sync %v reported errors: %v", args, errs)
	}
	return d
}

// giteaIssue is what the scenarios read of a Gitea issue.
type giteaIssue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	State  string `json:"state"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
	Comments int `json:"comments"`
}

func (gi giteaIssue) labelNames() []string {
	var out []string
	for _, l := range gi.Labels {
		out = append(out, l.Name)
	}
	slices.Sort(out)
	return out
}

// repoPath is the account's repository under /repos.
func (p *realPair) repoPath() string { return "/repos/" + p.acct.Login + "/" + p.acct.Repo }

// giteaIssues lists every issue of the repository, open and closed.
func (p *realPair) giteaIssues(t *testing.T) []giteaIssue {
	t.Helper()
	var all []giteaIssue
	for page := 1; ; page++ {
		r := p.g.API(t, "GET", p.repoPath()+"/issues?state=all&type=issues&limit=50&page="+strconv.Itoa(page), p.acct.Token, nil)
		if r.Status != 200 {
			t.Fatalf("list gitea issues: %d %s", r.Status, r.Body)
		}
		var batch []giteaIssue
		r.JSON(t, &batch)
		if len(batch) == 0 {
			return all
		}
		all = append(all, batch...)
	}
}

// byMarker groups the repository's issues by the Bugsink issue whose
// marker each carries.
func (p *realPair) byMarker(t *testing.T, ids []string) map[string][]giteaIssue {
	t.Helper()
	out := map[string][]giteaIssue{}
	for _, gi := range p.giteaIssues(t) {
		for _, id := range ids {
			if strings.Contains(gi.Body, render.Marker(id)) {
				out[id] = append(out[id], gi)
			}
		}
	}
	return out
}

// giteaIssueOf returns the one Gitea issue of a Bugsink issue.
func (p *realPair) giteaIssueOf(t *testing.T, id string) giteaIssue {
	t.Helper()
	gs := p.byMarker(t, []string{id})[id]
	if len(gs) != 1 {
		t.Fatalf("bugsink issue %s has %d gitea issues, want 1", id, len(gs))
	}
	return gs[0]
}

// comments returns the bodies of a Gitea issue's comments.
func (p *realPair) comments(t *testing.T, number int) []string {
	t.Helper()
	r := p.g.API(t, "GET", p.repoPath()+"/issues/"+strconv.Itoa(number)+"/comments", p.acct.Token, nil)
	if r.Status != 200 {
		t.Fatalf("comments of #%d: %d %s", number, r.Status, r.Body)
	}
	var cs []struct {
		Body string `json:"body"`
	}
	r.JSON(t, &cs)
	var out []string
	for _, c := range cs {
		out = append(out, c.Body)
	}
	return out
}

// giteaDo sends a write to the repository as its owner and fails the test
// unless Gitea answers status.
func (p *realPair) giteaDo(t *testing.T, method, path string, body any, status int) *peertest.Response {
	t.Helper()
	r := p.g.API(t, method, p.repoPath()+path, p.acct.Token, body)
	if r.Status != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	return r
}

// bugsinkIssue is what the scenarios read of a Bugsink issue.
type bugsinkIssue struct {
	ID         string `json:"id"`
	Type       string `json:"calculated_type"`
	Value      string `json:"calculated_value"`
	IsResolved bool   `json:"is_resolved"`
	Count      int    `json:"digested_event_count"`
}

// bugsinkIssues lists every issue of one of the pair's projects.
func (p *realPair) bugsinkIssues(t *testing.T, project string) []bugsinkIssue {
	t.Helper()
	var all []bugsinkIssue
	next := "/issues/?project=" + strconv.Itoa(p.projects[project].ID)
	for next != "" {
		r := p.b.API(t, "GET", next, nil)
		if r.Status != 200 {
			t.Fatalf("list bugsink issues of %s: %d %s", project, r.Status, r.Body)
		}
		var page struct {
			Next    string         `json:"next"`
			Results []bugsinkIssue `json:"results"`
		}
		r.JSON(t, &page)
		all = append(all, page.Results...)
		next = ""
		if page.Next != "" {
			u, err := url.Parse(page.Next)
			if err != nil {
				t.Fatal(err)
			}
			next = "/issues/?" + u.RawQuery
		}
	}
	return all
}

// allBugsinkIssues lists the issues of every project of the pair.
func (p *realPair) allBugsinkIssues(t *testing.T) []bugsinkIssue {
	t.Helper()
	var all []bugsinkIssue
	for n := range p.projects {
		all = append(all, p.bugsinkIssues(t, n)...)
	}
	return all
}

// bugsinkIssue reads one issue.
func (p *realPair) bugsinkIssue(t *testing.T, id string) bugsinkIssue {
	t.Helper()
	r := p.b.API(t, "GET", "/issues/"+id+"/", nil)
	if r.Status != 200 {
		t.Fatalf("read bugsink issue %s: %d %s", id, r.Status, r.Body)
	}
	var is bugsinkIssue
	r.JSON(t, &is)
	return is
}

// latestEvent reads the newest event of a Bugsink issue, with its data and
// stacktrace_md.
func (p *realPair) latestEvent(t *testing.T, issueID string) (data json.RawMessage, stacktraceMD string) {
	t.Helper()
	r := p.b.API(t, "GET", "/events/?issue="+issueID, nil)
	var page struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	r.JSON(t, &page)
	if r.Status != 200 || len(page.Results) == 0 {
		t.Fatalf("events of %s: %d %s", issueID, r.Status, r.Body)
	}
	d := p.b.API(t, "GET", "/events/"+page.Results[0].ID+"/", nil)
	var ev struct {
		Data         json.RawMessage `json:"data"`
		StacktraceMD string          `json:"stacktrace_md"`
	}
	d.JSON(t, &ev)
	return ev.Data, ev.StacktraceMD
}

// assertOnePerIssue checks the heart of bsync against the real pair: every
// Bugsink issue of the pair has exactly one Gitea issue, is resolved, and
// its mapping in db 15 names that Gitea issue; no reservation is left.
func (p *realPair) assertOnePerIssue(t *testing.T) map[string]giteaIssue {
	t.Helper()
	var ids []string
	for _, is := range p.allBugsinkIssues(t) {
		ids = append(ids, is.ID)
		if !is.IsResolved {
			t.Errorf("bugsink issue %s (%s) is not resolved", is.ID, is.Type)
		}
	}
	rdb := p.redis.Client(t, 15)
	byID := p.byMarker(t, ids)
	out := map[string]giteaIssue{}
	for _, id := range ids {
		if n := len(byID[id]); n != 1 {
			t.Errorf("bugsink issue %s has %d gitea issues, want 1", id, n)
			continue
		}
		out[id] = byID[id][0]
		raw, err := rdb.Get(t.Context(), "bugsink:synced:"+id).Result()
		var rec struct {
			N int `json:"gitea_issue_number"`
		}
		if err == nil {
			err = json.Unmarshal([]byte(raw), &rec)
		}
		if err != nil || rec.N != out[id].Number {
			t.Errorf("bugsink issue %s: mapping %q (%v), want gitea #%d", id, raw, err, out[id].Number)
		}
	}
	if pending, _ := rdb.Keys(t.Context(), "bugsink:pending:*").Result(); len(pending) > 0 {
		t.Errorf("reservations left behind: %v", pending)
	}
	return out
}

// recordedEvent is one payload recorded from a real SDK, with what
// Bugsink's own code derives from it.
type recordedEvent struct {
	Name         string
	Data         map[string]any
	Raw          []byte
	Type, Value  string
	StacktraceMD string
}

// recordedEvents reads every recorded payload.
func recordedEvents(t *testing.T) []recordedEvent {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(recordedEventsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []recordedEvent
	for _, f := range files {
		if strings.HasSuffix(f, ".issue.json") {
			continue
		}
		base := strings.TrimSuffix(f, ".json")
		e := recordedEvent{Name: filepath.Base(base), Raw: readFile(t, f)}
		if err := json.Unmarshal(e.Raw, &e.Data); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var is struct {
			Type  string `json:"calculated_type"`
			Value string `json:"calculated_value"`
		}
		if err := json.Unmarshal(readFile(t, base+".issue.json"), &is); err != nil {
			t.Fatalf("%s.issue.json: %v", base, err)
		}
		e.Type, e.Value = is.Type, is.Value
		e.StacktraceMD = string(readFile(t, base+".stacktrace.md"))
		out = append(out, e)
	}
	if len(out) < 20 {
		t.Fatalf("%d recorded events in %s, want the whole set", len(out), recordedEventsDir)
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ingest sends an event to a project as its SDK would: Sentry JavaScript
// 6.x posts to the store endpoint, every later SDK sends envelopes.
func (p *realPair) ingest(t *testing.T, project string, e recordedEvent) {
	t.Helper()
	if strings.HasPrefix(e.Name, "node6-") {
		p.b.Store(t, p.projects[project], e.Data)
	} else {
		p.b.Envelope(t, p.projects[project], e.Data)
	}
}

// waitFor polls cond until it holds, failing the test after a minute: for
// what a real server does after its answer (Gitea's notification queue).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
