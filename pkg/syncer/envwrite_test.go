package syncer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// editBody is a person's edit of an issue's body.
func (e *env) editBody(t *testing.T, number int, edit func(string) string) {
	t.Helper()
	gi, err := e.gc.Issue(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.gc.EditBody(t.Context(), number, edit(gi.Body)); err != nil {
		t.Fatal(err)
	}
}

// A person's note inside the Environments section, and their edit of a
// row's line, survive a join, a recurrence and a regression: bsync
// rewrites only its own lines.
func TestLinkKeepsAPersonsTextInTheSection(t *testing.T) {
	e := linkEnv(t)
	opts := linkOpts
	opts.FiguresEvery = FiguresEveryRun
	test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	e.run(t, opts)
	n := e.gt.Issues()[0].Number
	note := "Seen on the canary too, see the runbook (alice)"
	e.editBody(t, n, func(b string) string {
		return strings.Replace(b, render.EnvironmentsEnd, note+"\n"+render.EnvironmentsEnd, 1)
	})
	check := func(step string) {
		t.Helper()
		body := e.gt.Issues()[n-1].Body
		if !strings.Contains(body, note) {
			t.Fatalf("after %s the note is gone:\n%s", step, body)
		}
		if i, j := strings.Index(body, note), strings.Index(body, render.EnvironmentsEnd); i < 0 || j < i {
			t.Errorf("after %s the note left the section:\n%s", step, body)
		}
	}
	e.now = e.now.Add(3 * time.Hour)
	prod := e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	e.run(t, opts)
	check("a join")
	sharedIssue(t, e, test, prod)
	recurs(e, prod)
	if rep := e.run(t, opts); rep.Recurring != 1 {
		t.Fatalf("recurring %d", rep.Recurring)
	}
	check("a recurrence")
	e.gt.CloseIssueAt(n, e.now)
	recurs(e, test)
	if rep := e.run(t, opts); rep.Regressed != 1 {
		t.Fatalf("regressed %d", rep.Regressed)
	}
	check("a regression")
	body := e.gt.Issues()[n-1].Body
	if i, j := strings.Index(body, render.EnvironmentsStart), strings.Index(body, "\n---\n\n**Bugsink Issue**"); i < 0 || j < i {
		t.Errorf("the section is not before the footer:\n%s", body)
	}
}

// A person deletes the section and the state is lost: each Bugsink issue's
// marker stands outside the section, so reindex maps both environments,
// the section comes back with the next return, and no duplicate is filed.
func TestLinkSectionDeletedAndStateLost(t *testing.T) {
	e := linkEnv(t)
	opts := linkOpts
	opts.FiguresEvery = FiguresEveryRun
	test, prod, n := shared(t, e, opts)
	e.editBody(t, n, func(b string) string {
		i, j := strings.Index(b, render.EnvironmentsStart), strings.Index(b, render.EnvironmentsEnd)
		return b[:i] + b[j+len(render.EnvironmentsEnd):]
	})
	if err := e.redis.Client(t, syncstate.DefaultDB).FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, opts)
	if rep.Reindex == nil || rep.Reindex.Written != 2 {
		t.Fatalf("reindex %+v, want both environments found", rep.Reindex)
	}
	// A reindexed mapping dates from the Gitea issue's creation (the fake
	// answers the wall clock's time): the return comes after it.
	e.now = time.Now().Add(time.Hour)
	recurs(e, test)
	if rep := e.run(t, opts); len(rep.Errors) != 0 || rep.Synced != 0 {
		t.Fatalf("synced %d, errors %v", rep.Synced, rep.Errors)
	}
	if len(e.gt.Issues()) != 1 {
		t.Fatalf("%d gitea issues: the return filed a duplicate", len(e.gt.Issues()))
	}
	gi := sharedIssue(t, e, test, prod)
	if strings.Count(gi.Body, render.EnvironmentsStart) != 1 {
		t.Errorf("the section did not come back:\n%s", gi.Body)
	}
}

// GITEA_REPO changed with the state kept: the recorded number names a
// person's issue in the new repository. A join and a return refuse to
// touch it, naming the issue and the fix.
func TestLinkRefusesAnIssueThatIsNotBsyncs(t *testing.T) {
	e := linkEnv(t)
	test := e.addError(testSlug, "boom", e.now.Add(-2*time.Hour))
	e.run(t, linkOpts)
	e.gt = newGitea(t, e, 0)
	person := "Our own notes on the release.\n"
	gi, err := e.gc.CreateIssue(t.Context(), gitea.CreateIssueOption{Title: "release notes", Body: person})
	if err != nil || gi.Number != 1 {
		t.Fatalf("person's issue: %v %+v", err, gi)
	}
	e.now = e.now.Add(3 * time.Hour)
	e.addError(prodSlug, "boom", e.now.Add(-time.Hour))
	recurs(e, test)
	rep := e.run(t, linkOpts)
	if len(rep.Errors) != 2 || rep.Linked != 0 {
		t.Fatalf("errors %+v, linked %d; want the join and the return refused", rep.Errors, rep.Linked)
	}
	for _, ie := range rep.Errors {
		if !strings.Contains(ie.Message, "#1") || !strings.Contains(ie.Message, "bsync forget") {
			t.Errorf("error does not name the issue and the fix: %s", ie.Message)
		}
	}
	after := e.gt.Issues()[0]
	if after.Body != person || len(e.gt.LabelNames(1)) != 0 || len(e.gt.Comments(1)) != 0 {
		t.Errorf("the person's issue was written to: labels %v, %d comments, body:\n%s", e.gt.LabelNames(1), len(e.gt.Comments(1)), after.Body)
	}
}

// A shared issue's body stays under BSYNC_MAX_BODY_BYTES with its section
// of three environments, and its Error Details table names no single
// environment: the section names them all.
func TestLinkSectionRespectsTheBodyCap(t *testing.T) {
	e := linkEnv(t)
	e.bs.AddProject("flyer-crawler-backend-staging", "Backend staging")
	var frames []any
	for i := 0; i < 300; i++ {
		frames = append(frames, map[string]any{"filename": fmt.Sprintf("app/module_%03d.py", i), "function": fmt.Sprintf("step_%03d", i),
			"lineno": i + 1, "in_app": true, "context_line": strings.Repeat("x = compute(x) ", 8)})
	}
	data := map[string]any{"platform": "python", "level": "error", "environment": "test",
		"exception": map[string]any{"values": []any{map[string]any{"type": "ValueError", "value": "boom", "stacktrace": map[string]any{"frames": frames}}}}}
	add := func(slug string, last time.Time) string {
		return e.bs.AddIssue(slug, bugsinktest.IssueSpec{Type: "ValueError", Value: "boom", FirstSeen: last.Add(-time.Hour), LastSeen: last, Data: data})
	}
	opts := linkOpts
	opts.Render.MaxBodyBytes = 4096
	ids := []string{add(testSlug, e.now.Add(-2*time.Hour))}
	e.run(t, opts)
	e.now = e.now.Add(3 * time.Hour)
	ids = append(ids, add("flyer-crawler-backend-staging", e.now.Add(-time.Hour)), add(prodSlug, e.now.Add(-time.Hour)))
	e.run(t, opts)
	gi := sharedIssue(t, e, ids...)
	if len(gi.Body) > 4096 {
		t.Errorf("body of %d bytes, over the cap of 4096", len(gi.Body))
	}
	if !strings.Contains(gi.Body, "| **Environment** | see Environments below |") || strings.Contains(gi.Body, "| **Environment** | `test` |") {
		t.Errorf("the Error Details table names one environment:\n%s", gi.Body)
	}
}
