package main

import (
	"strconv"
	"strings"
	"testing"

	"bsync/pkg/peertest"
)

// simpleEvent is a Python exception of its own type, so each becomes its
// own Bugsink issue.
func simpleEvent(typ, value string) map[string]any {
	return map[string]any{"platform": "python", "level": "error", "exception": map[string]any{"values": []any{
		map[string]any{"type": typ, "value": value, "stacktrace": map[string]any{"frames": []any{
			map[string]any{"filename": "shop/cart.py", "function": "total", "lineno": 12, "in_app": true},
		}}},
	}}}
}

// issueOfType finds the project's Bugsink issue of a calculated type.
func (p *realPair) issueOfType(t *testing.T, project, typ string) bugsinkIssue {
	t.Helper()
	for _, is := range p.bugsinkIssues(t, project) {
		if is.Type == typ {
			return is
		}
	}
	t.Fatalf("%s has no bugsink issue of type %s", project, typ)
	return bugsinkIssue{}
}

// newWatcher makes a second Gitea user who collaborates on the repository
// and watches it, with a token that reads and marks notifications.
func (p *realPair) newWatcher(t *testing.T) peertest.User {
	t.Helper()
	w := p.g.NewUser(t, "read:notification", "write:notification", "write:repository", "read:issue")
	p.g.AddCollaborator(t, p.acct, w.Login)
	if r := p.g.API(t, "PUT", p.repoPath()+"/subscription", w.Token, nil); r.Status != 200 {
		t.Fatalf("watch the repository: %d %s", r.Status, r.Body)
	}
	return w
}

// unread returns the titles of the watcher's unread notification threads
// by the number of the repository issue each is about.
func (p *realPair) unread(t *testing.T, w peertest.User) map[int]string {
	t.Helper()
	r := p.g.API(t, "GET", "/notifications?status-types=unread&limit=50", w.Token, nil)
	if r.Status != 200 {
		t.Fatalf("notifications: %d %s", r.Status, r.Body)
	}
	var threads []struct {
		Subject struct {
			Title string `json:"title"`
			URL   string `json:"url"`
		} `json:"subject"`
	}
	r.JSON(t, &threads)
	out := map[int]string{}
	for _, th := range threads {
		if i := strings.LastIndex(th.Subject.URL, "/issues/"); i >= 0 {
			n, _ := strconv.Atoi(th.Subject.URL[i+len("/issues/"):])
			out[n] = th.Subject.Title
		}
	}
	return out
}

// settleNotifications waits until Gitea's notification queue has handled
// everything done so far: the owner opens a sentinel issue (which notifies
// the watcher) and the watcher's notification for it must arrive; Gitea's
// notification service takes its work from one queue in order. Then
// every notification is marked read, unless keep.
func (p *realPair) settleNotifications(t *testing.T, w peertest.User, keep bool) map[int]string {
	t.Helper()
	title := peertest.UniqueName("sentinel")
	p.giteaDo(t, "POST", "/issues", map[string]any{"title": title}, 201)
	var got map[int]string
	waitFor(t, "the watcher's notification of "+title, func() bool {
		got = p.unread(t, w)
		for _, v := range got {
			if v == title {
				return true
			}
		}
		return false
	})
	if !keep {
		if r := p.g.API(t, "PUT", "/notifications", w.Token, nil); r.Status != 205 {
			t.Fatalf("mark notifications read: %d %s", r.Status, r.Body)
		}
	}
	return got
}

// TestRealRecurrenceIsQuietRegressionIsNews holds bsync's promise about a
// returning error to the real pair, with a second user watching the
// repository: an error that comes back while its Gitea issue is open gets
// no comment and costs the watcher no notification (only the figures in
// the body change); one whose issue was closed gets one comment and is
// reopened; one closed as won't fix gets its comment and stays closed.
func TestRealRecurrenceIsQuietRegressionIsNews(t *testing.T) {
	t.Parallel()
	const proj = "flyer-crawler-backend"
	p := newRealPair(t, peertest.BugsinkServer(t), proj)
	p.env = append(p.env, "BSYNC_FIGURES_EVERY=0")
	w := p.newWatcher(t)
	cases := []string{"OpenCaseError", "ClosedCaseError", "WontFixCaseError"}
	for _, c := range cases {
		p.b.Envelope(t, p.projects[proj], simpleEvent(c, "came back"))
	}
	if d := p.sync(t); d["synced"] != float64(3) {
		t.Fatalf("first sync: synced %v, want 3", d["synced"])
	}
	issues := p.assertOnePerIssue(t)
	gi, ids := map[string]giteaIssue{}, map[string]string{}
	for _, c := range cases {
		ids[c] = p.issueOfType(t, proj, c).ID
		gi[c] = issues[ids[c]]
	}

	label := p.giteaDo(t, "POST", "/labels", map[string]any{"name": "wontfix", "color": "#ffffff"}, 201)
	var l struct {
		ID int `json:"id"`
	}
	label.JSON(t, &l)
	p.giteaDo(t, "POST", "/issues/"+strconv.Itoa(gi["WontFixCaseError"].Number)+"/labels", map[string]any{"labels": []int{l.ID}}, 200)
	for _, c := range cases[1:] {
		p.giteaDo(t, "PATCH", "/issues/"+strconv.Itoa(gi[c].Number), map[string]any{"state": "closed"}, 201)
	}
	p.settleNotifications(t, w, false)

	for _, c := range cases {
		p.b.Envelope(t, p.projects[proj], simpleEvent(c, "came back"))
	}
	d := p.sync(t)
	if d["recurring"] != float64(1) || d["regressed"] != float64(2) || d["synced"] != float64(0) {
		t.Errorf("second sync: recurring %v, regressed %v, synced %v; want 1, 2, 0", d["recurring"], d["regressed"], d["synced"])
	}
	unread := p.settleNotifications(t, w, true)

	open := gi["OpenCaseError"].Number
	now := p.giteaIssueOf(t, ids["OpenCaseError"])
	if cs := p.comments(t, open); len(cs) != 0 || now.State != "open" {
		t.Errorf("open issue #%d: %d comments, state %s; want 0, open", open, len(cs), now.State)
	}
	if _, ok := unread[open]; ok {
		t.Errorf("the watcher was notified about #%d, whose error only recurred while it was open", open)
	}
	if now.Body == gi["OpenCaseError"].Body {
		t.Errorf("#%d: the figures were not brought up to date", open)
	}
	for _, c := range cases[1:] {
		n := gi[c].Number
		cs := p.comments(t, n)
		state := p.giteaIssueOf(t, ids[c]).State
		want := map[string]string{"ClosedCaseError": "open", "WontFixCaseError": "closed"}[c]
		if len(cs) != 1 || !strings.Contains(cs[0], "<!-- bsync-regression: ") || state != want {
			t.Errorf("%s (#%d): %d comments, state %s; want 1 regression comment, %s", c, n, len(cs), state, want)
		}
		if _, ok := unread[n]; !ok {
			t.Errorf("%s (#%d): the watcher was not notified of the regression", c, n)
		}
	}

	// Back again, with every issue open or won't fix: quiet.
	for _, c := range cases {
		p.b.Envelope(t, p.projects[proj], simpleEvent(c, "came back"))
	}
	if d := p.sync(t); d["recurring"] != float64(3) || d["regressed"] != float64(0) {
		t.Errorf("third sync: recurring %v, regressed %v; want 3, 0", d["recurring"], d["regressed"])
	}
	for _, c := range cases {
		if n := len(p.comments(t, gi[c].Number)); n != map[bool]int{true: 0, false: 1}[c == "OpenCaseError"] {
			t.Errorf("%s: %d comments after a quiet return", c, n)
		}
	}
}
