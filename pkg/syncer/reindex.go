package syncer

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"bsync/pkg/gitea"
	"bsync/pkg/redact"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// ReindexReport says what a scan of the Gitea repository found.
type ReindexReport struct {
	Scanned    int         `json:"scanned"`
	Found      int         `json:"found"`
	Written    int         `json:"written"`
	Existing   int         `json:"existing"`
	Conflicts  []Conflict  `json:"conflicts"`
	Duplicates []Duplicate `json:"duplicates"`
	DryRun     bool        `json:"dry_run"`
}

// Conflict is a mapping that points elsewhere than the marker found; it is
// left as it is.
type Conflict struct {
	BugsinkIssueID string `json:"bugsink_issue_id"`
	MappedNumber   int    `json:"mapped_gitea_issue_number"`
	FoundNumber    int    `json:"found_gitea_issue_number"`
}

// Duplicate is a Bugsink issue with several Gitea issues; Mapped is the
// one mapped (preferredIssue: the open, most recent one).
type Duplicate struct {
	BugsinkIssueID string `json:"bugsink_issue_id"`
	Numbers        []int  `json:"gitea_issue_numbers"`
	Mapped         int    `json:"mapped_gitea_issue_number"`
}

var (
	reMarker  = regexp.MustCompile(`(?m)^<!-- bugsink-issue: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) -->$`)
	reProject = regexp.MustCompile(`(?m)^\*\*Project\*\*: ([a-z0-9][a-z0-9_-]*)$`)
)

// Reindex rebuilds mappings from the markers in every issue of the Gitea
// repository (all pages, open and closed). A mapping that exists is never
// overwritten: if it points elsewhere it is reported as a conflict. With
// write false nothing is written.
func (e *Engine) Reindex(ctx context.Context, write bool) (*ReindexReport, map[string]bool, error) {
	rep := &ReindexReport{Conflicts: []Conflict{}, Duplicates: []Duplicate{}, DryRun: !write}
	byID := map[string][]gitea.Issue{}
	byBug := map[string][]gitea.Issue{}
	maxPages := e.scanPages
	if maxPages <= 0 {
		maxPages = gitea.MaxPages
	}
	// Every page, or an error: a scan that stopped at its cap has not seen
	// every marker, and a state rebuilt from it would duplicate the rest.
	for rows, err := range e.Gitea.Issues(ctx, "", maxPages) {
		if err != nil {
			return nil, nil, fmt.Errorf("scan gitea issues for markers: %w", err)
		}
		rep.Scanned += len(rows)
		for _, gi := range rows {
			for _, m := range reMarker.FindAllStringSubmatch(gi.Body, -1) {
				byID[m[1]] = append(byID[m[1]], gi)
			}
			if m := render.ReBugMarker.FindStringSubmatch(gi.Body); m != nil {
				byBug[m[1]] = append(byBug[m[1]], gi)
			}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	found := map[string]bool{}
	for _, id := range ids {
		found[id] = true
		if err := e.reindexOne(ctx, rep, id, byID[id], byBug, write); err != nil {
			return nil, nil, err
		}
	}
	return rep, found, nil
}

// reindexOne maps one Bugsink issue to the preferred of the Gitea issues
// that carry its marker (preferredIssue), unless a mapping exists.
func (e *Engine) reindexOne(ctx context.Context, rep *ReindexReport, id string, issues []gitea.Issue, byBug map[string][]gitea.Issue, write bool) error {
	sort.Slice(issues, func(i, j int) bool { return issues[i].Number < issues[j].Number })
	gi := preferredIssue(issues)
	rep.Found++
	live, moved := 0, false
	if m := render.ReBugMarker.FindStringSubmatch(gi.Body); m != nil {
		live, moved = bugMovedOn(gi, byBug[m[1]])
	}
	if len(issues) > 1 && !moved {
		d := Duplicate{BugsinkIssueID: id, Mapped: gi.Number}
		for _, x := range issues {
			d.Numbers = append(d.Numbers, x.Number)
		}
		rep.Duplicates = append(rep.Duplicates, d)
	}
	entry, mapped, err := e.State.Get(ctx, id)
	if err != nil {
		return err
	}
	if mapped {
		// A mapping to one of the issues that carry the marker stands.
		if entry.Record != nil && slices.ContainsFunc(issues, func(x gitea.Issue) bool { return x.Number == entry.Record.GiteaIssueNumber }) {
			rep.Existing++
		} else {
			c := Conflict{BugsinkIssueID: id, FoundNumber: gi.Number}
			if entry.Record != nil {
				c.MappedNumber = entry.Record.GiteaIssueNumber
			}
			rep.Conflicts = append(rep.Conflicts, c)
		}
		return nil
	}
	if moved {
		rep.Duplicates = append(rep.Duplicates, movedOn(id, issues, live))
		return nil
	}
	if write {
		project := ""
		if m := reProject.FindStringSubmatch(gi.Body); m != nil {
			project = m[1]
		}
		rec := syncstate.Record{GiteaIssueNumber: gi.Number, SyncedAt: gi.CreatedAt, Project: project, Title: redact.Text(gi.Title),
			BugsinkIssueID: id, GiteaIssueURL: gi.HTMLURL, WrittenBy: "bsync reindex " + e.Opts.Version}
		placeFromBody(&rec, gi.Body)
		if err := e.State.Commit(ctx, id, rec); err != nil {
			return err
		}
	}
	rep.Written++
	return nil
}

// movedOn is the duplicate report of a Bugsink issue left unmapped
// (bugMovedOn): the issues carrying its marker and its bug's live one,
// mapped to none (0).
func movedOn(id string, issues []gitea.Issue, live int) Duplicate {
	d := Duplicate{BugsinkIssueID: id}
	for _, x := range issues {
		d.Numbers = append(d.Numbers, x.Number)
	}
	d.Numbers = append(d.Numbers, live)
	return d
}

// ensureState rebuilds a state that is new or was lost from Gitea before
// anything is created, so a wiped db 15 does not duplicate every issue.
func (r *run) ensureState(ctx context.Context, rep *Report) error {
	complete, err := r.State.StateComplete(ctx)
	if err != nil {
		return &FatalError{Err: err}
	}
	if complete {
		return nil
	}
	// A first sync: look the labels up (and create them) while Gitea is
	// scanned and Bugsink listed, rather than before the first create.
	r.warm = make(chan struct{})
	go func() {
		defer close(r.warm)
		_, _ = r.labels.idsFor(ctx, nil) // an error is met again on first use
	}()
	rr, found, err := r.Reindex(ctx, !r.Opts.DryRun)
	if refused(err) {
		return &FatalError{Err: err}
	}
	if err != nil {
		return &FatalError{Err: fmt.Errorf("the sync state is new or was lost, and Gitea could not be scanned for the issues bsync made before, so nothing was created: %w", err)}
	}
	rep.Reindex = rr
	if r.Opts.DryRun {
		r.life.recover(found)
		return nil
	}
	r.Log.Info("sync state was new or lost; rebuilt it from gitea", "scanned", rr.Scanned, "found", rr.Found, "written", rr.Written)
	if err := r.State.MarkStateComplete(ctx, "bsync "+r.Opts.Version); err != nil {
		return &FatalError{Err: err}
	}
	return nil
}

// placeFromBody sets, for a Bugsink issue recorded on a Gitea issue shared
// by several environments, its bug, environment and project from the
// body's hidden lines (render.BugMarker, render.EnvLine).
func placeFromBody(rec *syncstate.Record, body string) {
	m := render.ReBugMarker.FindStringSubmatch(body)
	if m == nil {
		return
	}
	for _, l := range render.ReEnvLine.FindAllStringSubmatch(body, -1) {
		if l[1] == rec.BugsinkIssueID {
			rec.BugID, rec.Environment, rec.Project = m[1], l[2], l[3]
			return
		}
	}
}
