package syncer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
	"bsync/pkg/render"
)

func TestFirstRunCreatesOneLabelledIssuePerWantedIssueAndSecondRunNothing(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	rep := e.run(t, Options{})
	if rep.Synced != 10 || rep.Failed != 0 || rep.Skipped != 0 || rep.Muted != 1 {
		t.Fatalf("first run: synced %d failed %d skipped %d muted %d; errors %+v", rep.Synced, rep.Failed, rep.Skipped, rep.Muted, rep.Errors)
	}
	issues := e.gt.Issues()
	if len(issues) != 10 {
		t.Fatalf("%d gitea issues, want 10", len(issues))
	}
	byMarker := map[string]int{}
	for _, gi := range issues {
		for _, id := range e.bs.IssueIDs() {
			if strings.Contains(gi.Body, render.Marker(id)) {
				byMarker[id]++
			}
		}
	}
	for _, id := range e.bs.IssueIDs() {
		is, _ := e.bs.Issue(id)
		entry, mapped, err := e.store.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		wanted := !is.IsMuted && is.CalculatedType != "" && byMarker[id] > 0
		switch {
		case is.IsMuted:
			if mapped || byMarker[id] != 0 {
				t.Errorf("muted issue %s was synced", id)
			}
		case wanted:
			if byMarker[id] != 1 || !mapped || !is.IsResolved {
				t.Errorf("%s: %d gitea issues, mapped %v, resolved %v", id, byMarker[id], mapped, is.IsResolved)
			}
			r := entry.Record
			gi := issues[r.GiteaIssueNumber-1]
			if !strings.Contains(gi.Body, render.Marker(id)) || r.Title != gi.Title || r.Project == "" || !r.SyncedAt.Equal(e.now) {
				t.Errorf("%s: record %+v does not match gitea issue #%d", id, r, gi.Number)
			}
			want := append(slices.Clone(DefaultProjectLabels[r.Project]), SourceLabel)
			if got := e.gt.LabelNames(gi.Number); !slices.Equal(got, want) {
				t.Errorf("#%d labels %v, want %v", gi.Number, got, want)
			}
		}
	}
	// The already-resolved issue was never touched.
	if n := e.bs.CountRequests(http.MethodPost, "/resolve/"); n != 10 {
		t.Errorf("%d resolves, want 10", n)
	}

	e.bs.ResetRequests()
	e.gt.ResetRequests()
	rep2 := e.run(t, Options{})
	if rep2.Synced != 0 || rep2.Failed != 0 || len(e.gt.Issues()) != 10 {
		t.Errorf("second run synced %d, failed %d, gitea has %d issues", rep2.Synced, rep2.Failed, len(e.gt.Issues()))
	}
	if n := len(e.gt.Requests()); n != 0 {
		t.Errorf("second run made %d gitea requests, want none", n)
	}
}

func TestLabelsAreCreatedOnceWithDesignColours(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	e.gt.AddLabel("bug:backend", "#ea580c")
	e.run(t, Options{})
	count := map[string]int{}
	for _, l := range e.gt.Labels() {
		count[l.Name]++
		if want, ok := LabelColors[l.Name]; ok && l.Color != want {
			t.Errorf("%s colour %s, want %s", l.Name, l.Color, want)
		}
	}
	for name, n := range count {
		if n != 1 {
			t.Errorf("%d labels named %s", n, name)
		}
	}
	// The seed projects use every label of the table but env:development.
	if len(count) != 6 || count["env:development"] != 0 {
		t.Errorf("labels %v, want the six the seed projects use", count)
	}
	if n := e.gt.CountRequests(http.MethodGet, "/labels"); n != 1 {
		t.Errorf("labels listed %d times in one run, want 1", n)
	}
}

func TestDryRunWritesNothingAnywhere(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	rep := e.run(t, Options{DryRun: true})
	if len(rep.WouldCreate) != 10 || len(rep.Created) != 0 {
		t.Fatalf("would create %d, created %d", len(rep.WouldCreate), len(rep.Created))
	}
	for _, w := range rep.WouldCreate {
		if w.Title == "" || w.Project == "" || len(w.Labels) == 0 || w.BugsinkIssueID == "" {
			t.Errorf("incomplete preview %+v", w)
		}
	}
	for _, r := range e.gt.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("dry run sent gitea %s %s", r.Method, r.Path)
		}
	}
	for _, r := range e.bs.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("dry run sent bugsink %s %s", r.Method, r.Path)
		}
	}
	keys, _ := e.redis.Client(t, 15).Keys(t.Context(), "*").Result()
	if len(keys) != 0 {
		t.Errorf("dry run wrote redis keys %v", keys)
	}
}

func TestOneFailingIssueDoesNotStopTheOthersAndIsRetriedNextRun(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("shop-backend", "Shop")
	for i := 0; i < 5; i++ {
		e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: "v"})
	}
	e.gt.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 500, Method: http.MethodPost, PathContains: "/issues", Times: 1})
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 500, PathContains: "/events/", Times: 4}) // one read fails through its retries
	rep := e.run(t, Options{Concurrency: 1, BugsinkConcurrency: 1})
	if rep.Synced != 3 || rep.Failed != 2 || len(rep.Errors) != 2 {
		t.Fatalf("synced %d failed %d errors %+v", rep.Synced, rep.Failed, rep.Errors)
	}
	stages := []Stage{rep.Errors[0].Stage, rep.Errors[1].Stage}
	slices.Sort(stages)
	if stages[0] != "create_gitea_issue" || stages[1] != "read_event" || rep.Errors[0].BugsinkIssueID == "" {
		t.Errorf("errors %+v", rep.Errors)
	}
	for _, ie := range rep.Errors {
		if _, mapped, _ := e.store.Get(t.Context(), ie.BugsinkIssueID); mapped {
			t.Errorf("failed issue %s was recorded", ie.BugsinkIssueID)
		}
		if is, _ := e.bs.Issue(ie.BugsinkIssueID); is.IsResolved {
			t.Errorf("failed issue %s was resolved", ie.BugsinkIssueID)
		}
	}
	e.now = e.now.Add(time.Hour) // the next cron run, after the reservation's grace
	rep2 := e.run(t, Options{})
	if rep2.Synced != 2 || rep2.Failed != 0 || len(e.gt.Issues()) != 5 {
		t.Errorf("second run synced %d failed %d; gitea has %d", rep2.Synced, rep2.Failed, len(e.gt.Issues()))
	}
}

func TestResolveFailureIsReportedAndRetriedWithoutANewIssue(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("p", "P")
	id := e.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E"})
	e.bs.Faults.Add(httpfault.Rule{Kind: httpfault.Status, Status: 502, PathContains: "/resolve/", Times: 1})
	rep := e.run(t, Options{})
	if rep.Synced != 1 || len(rep.Errors) != 1 || rep.Errors[0].Stage != "resolve" {
		t.Fatalf("report %+v", rep)
	}
	rep2 := e.run(t, Options{})
	if rep2.Resolved != 1 || rep2.Synced != 0 || rep2.Skipped != 1 || len(e.gt.Issues()) != 1 {
		t.Errorf("second run: re-resolved %d synced %d skipped %d, gitea %d", rep2.Resolved, rep2.Synced, rep2.Skipped, len(e.gt.Issues()))
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("not resolved after the second run")
	}
	if n := len(e.gt.Comments(1)); n != 0 {
		t.Errorf("a resolve retry commented %d times; it is not a regression", n)
	}
}

func TestRegressionCommentsReopensAndResolvesAgain(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("p-backend", "P")
	id := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-time.Hour)})
	e.run(t, Options{})
	e.gt.SetIssueState(1, "closed")
	e.bs.Regress(id, e.now.Add(time.Minute))
	rep := e.run(t, Options{})
	if rep.Regressed != 1 || len(rep.Regressions) != 1 || !rep.Regressions[0].Reopened {
		t.Fatalf("report %+v", rep)
	}
	if gi := e.gt.Issues()[0]; gi.State != "open" || len(e.gt.Issues()) != 1 {
		t.Errorf("gitea issue state %s, %d issues", gi.State, len(e.gt.Issues()))
	}
	cs := e.gt.Comments(1)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "Total Occurrences**: 2") {
		t.Errorf("comments %+v", cs)
	}
	entry, _, _ := e.store.Get(t.Context(), id)
	if entry.Record.Regressions != 1 || !entry.Record.LastSeen.Equal(e.now.Add(time.Minute)) || entry.Record.GiteaIssueNumber != 1 {
		t.Errorf("record %+v", entry.Record)
	}
	if is, _ := e.bs.Issue(id); !is.IsResolved {
		t.Error("regressed issue not resolved again")
	}
}

func TestRegressionRespectsWontFix(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("p", "P")
	id := e.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-time.Hour)})
	e.run(t, Options{})
	wf := e.gt.AddLabel("wontfix", "#000000")
	e.gt.AddIssueLabel(1, wf)
	e.gt.SetIssueState(1, "closed")
	e.bs.Regress(id, e.now.Add(time.Minute))
	rep := e.run(t, Options{WontFixLabels: []string{"wontfix"}})
	if rep.Regressed != 1 || rep.Regressions[0].Reopened || !rep.Regressions[0].WontFix {
		t.Fatalf("regressions %+v", rep.Regressions)
	}
	if e.gt.Issues()[0].State != "closed" || len(e.gt.Comments(1)) != 1 {
		t.Error("won't-fix issue was reopened or not commented")
	}
}

func TestIncludeMuted(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("p", "P")
	e.bs.AddIssue("p", bugsinktest.IssueSpec{Type: "E", Muted: true})
	if rep := e.run(t, Options{}); rep.Synced != 0 || rep.Muted != 1 {
		t.Fatalf("muted synced by default: %+v", rep)
	}
	if rep := e.run(t, Options{IncludeMuted: true}); rep.Synced != 1 {
		t.Errorf("include-muted synced %d", rep.Synced)
	}
}

func TestProjectSelection(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	rep := e.run(t, Options{Projects: []string{"flyer-crawler-backend"}})
	if len(rep.Projects) != 1 || rep.Synced != 2 {
		t.Errorf("projects %+v synced %d", rep.Projects, rep.Synced)
	}
	_, err := e.engine(Options{Projects: []string{"flyer-crawler-backend", "nope"}}).Run(t.Context())
	var up *UnknownProjectsError
	if !errors.As(err, &up) || up.Unknown[0] != "nope" || len(up.Available) != 6 {
		t.Errorf("err = %v, want UnknownProjectsError naming nope", err)
	}
}

func TestRedisDownMidRunStopsBeforeAnyGiteaWrite(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	e.redis.Stop()
	_, err := e.engine(Options{}).Run(t.Context())
	var fe *FatalError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want FatalError", err)
	}
	if n := len(e.gt.Issues()); n != 0 {
		t.Errorf("%d gitea issues created without a readable state", n)
	}
}

func TestReportOrderDoesNotDependOnConcurrency(t *testing.T) {
	var orders [2][]string
	for i, c := range []int{1, 8} {
		e := newEnv(t)
		e.bs.SeedDemo(e.now)
		e.bs.Faults.SetLatency(2 * time.Millisecond)
		rep := e.run(t, Options{Concurrency: c})
		for _, ci := range rep.Created {
			orders[i] = append(orders[i], ci.BugsinkIssueID)
		}
	}
	if !slices.Equal(orders[0], orders[1]) || len(orders[0]) != 10 {
		t.Errorf("order at concurrency 1 %v\n differs from 8: %v", orders[0], orders[1])
	}
}

func TestNoResolveLeavesBugsinkAloneAndStillSeesRegressions(t *testing.T) {
	e := newEnv(t)
	e.bs.AddProject("p-backend", "P")
	id := e.bs.AddIssue("p-backend", bugsinktest.IssueSpec{Type: "E", LastSeen: e.now.Add(-time.Hour)})
	rep := e.run(t, Options{NoResolve: true})
	if rep.Synced != 1 || e.bs.CountRequests(http.MethodPost, "/resolve/") != 0 {
		t.Fatalf("synced %d, resolves %d", rep.Synced, e.bs.CountRequests(http.MethodPost, "/resolve/"))
	}
	e.bs.ResetRequests()
	e.gt.ResetRequests()
	rep = e.run(t, Options{NoResolve: true})
	if rep.Skipped != 1 || rep.Resolved != 0 || len(e.gt.Requests()) != 0 {
		t.Errorf("second run: skipped %d re-resolved %d gitea requests %d", rep.Skipped, rep.Resolved, len(e.gt.Requests()))
	}
	for _, r := range e.bs.Requests() {
		if r.Method != http.MethodGet || strings.Contains(r.Path, "/events/") {
			t.Errorf("a settled issue cost %s %s", r.Method, r.Path)
		}
	}
	e.bs.Regress(id, e.now.Add(time.Minute))
	rep = e.run(t, Options{NoResolve: true})
	if rep.Recurring != 1 || len(e.gt.Comments(1)) != 0 || e.bs.CountRequests(http.MethodPost, "/resolve/") != 0 {
		t.Errorf("recurrence without resolve: recurring %d comments %d", rep.Recurring, len(e.gt.Comments(1)))
	}
	if gi := e.gt.Issues()[0]; !strings.Contains(gi.Body, "**Total Occurrences**: 2") {
		t.Errorf("figures not updated:\n%s", gi.Body)
	}
}

// dupPages lists every issue twice on its page, as a glitching cursor
// could, so both copies would be worked on at once.
type dupPages struct{ BugsinkAPI }

func (d dupPages) IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]bugsink.Issue, error] {
	return func(yield func([]bugsink.Issue, error) bool) {
		for page, err := range d.BugsinkAPI.IssuePagesBy(ctx, projectID, sort, desc) {
			if !yield(append(append([]bugsink.Issue{}, page...), page...), err) || err != nil {
				return
			}
		}
	}
}

func TestAnIssueListedTwiceIsWorkedOnOnce(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 5)
	eng := e.engine(Options{Concurrency: 8})
	eng.Bugsink = dupPages{e.bc}
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Synced != 5 {
		t.Fatalf("synced %d, %v", rep.Synced, err)
	}
	e.assertExactlyOnce(t, ids)
}

// The same in an incremental pass, where the listing runs by last_seen.
func TestAnIssueListedTwiceIsWorkedOnOnceIncrementally(t *testing.T) {
	e := newEnv(t)
	ids := seedProject(e, 2)
	e.run(t, Options{})
	for i := 0; i < 3; i++ {
		ids = append(ids, e.bs.AddIssue("shop-backend", bugsinktest.IssueSpec{Type: "E", Value: fmt.Sprint("new ", i)}))
	}
	eng := e.engine(Options{Concurrency: 8})
	eng.Bugsink = dupPages{e.bc}
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Synced != 3 || rep.Pass != PassIncremental {
		t.Fatalf("synced %d, pass %s, %v", rep.Synced, rep.Pass, err)
	}
	e.assertExactlyOnce(t, ids)
}

func TestReportSaysEachWarningOnce(t *testing.T) {
	rep := newReport(time.Now(), true)
	rep.warn("labels a, b do not exist yet and would be created", "x")
	rep.warn("labels a, b do not exist yet and would be created")
	if len(rep.Warnings) != 2 || rep.Warnings[0] != "labels a, b do not exist yet and would be created" || rep.Warnings[1] != "x" {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func TestDryRunNamesTheMissingLabelsOnce(t *testing.T) {
	e := newEnv(t)
	e.bs.SeedDemo(e.now)
	rep := e.run(t, Options{DryRun: true})
	var labelWarnings []string
	for _, w := range rep.Warnings {
		if strings.Contains(w, "would be created") {
			labelWarnings = append(labelWarnings, w)
		}
	}
	if len(rep.WouldCreate) != 10 || len(labelWarnings) != 1 {
		t.Fatalf("%d would be created; label warnings %q, want one", len(rep.WouldCreate), labelWarnings)
	}
	for _, l := range []string{"bug:backend", "bug:frontend", "bug:infrastructure", "env:production", "env:test", SourceLabel} {
		if !strings.Contains(labelWarnings[0], l) {
			t.Errorf("%q does not name %s", labelWarnings[0], l)
		}
	}
}
