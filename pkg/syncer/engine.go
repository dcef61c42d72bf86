package syncer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// BugsinkAPI is what the engine needs from Bugsink.
type BugsinkAPI interface {
	Projects(ctx context.Context) ([]bugsink.Project, error)
	IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]bugsink.Issue, error]
	Issue(ctx context.Context, ref string) (*bugsink.Issue, error)
	LatestEvent(ctx context.Context, issueID string) (*bugsink.Event, error)
	Resolve(ctx context.Context, ref string) error
	ResolveNext(ctx context.Context, ref string) error
	Comment(ctx context.Context, ref, text string) error
	// For a return after a close (fix.go): an issue's newest events, one
	// event's release, and when the project's releases were first seen.
	IssueEvents(ctx context.Context, issueID string, limit int) ([]bugsink.EventRef, error)
	Event(ctx context.Context, id string) (*bugsink.Event, error)
	Releases(ctx context.Context, projectID int, maxPages int) ([]bugsink.Release, error)
}

// GiteaAPI is what the engine needs from Gitea.
type GiteaAPI interface {
	EnsureLabels(ctx context.Context, want []gitea.LabelSpec, create bool) (map[string]int64, error)
	CreateIssue(ctx context.Context, opt gitea.CreateIssueOption) (*gitea.Issue, error)
	AddLabels(ctx context.Context, number int, ids []int64) ([]gitea.Label, error)
	Issue(ctx context.Context, number int) (*gitea.Issue, error)
	Comment(ctx context.Context, number int, body string) (*gitea.Comment, error)
	SetState(ctx context.Context, number int, state string) (*gitea.Issue, error)
	Issues(ctx context.Context, q string, maxPages int) iter.Seq2[[]gitea.Issue, error]
	Comments(ctx context.Context, number int) ([]gitea.Comment, error)
	EditBody(ctx context.Context, number int, body string) error
	// For a return after a close (fix.go): what closed the issue, and
	// whether a release's ref contains that commit (and is no branch).
	Timeline(ctx context.Context, number int, since time.Time) ([]gitea.TimelineEvent, error)
	MergeCommit(ctx context.Context, number int) (string, error)
	Contains(ctx context.Context, ref, commit string) (bool, error)
	BranchSHA(ctx context.Context, name string) (string, error)
}

// StateStore is what the engine needs from the sync state.
type StateStore interface {
	LookupState(ctx context.Context, issueIDs []string) (map[string]syncstate.IssueState, error)
	Get(ctx context.Context, issueID string) (syncstate.Entry, bool, error)
	Put(ctx context.Context, issueID string, r syncstate.Record) error
	Reserve(ctx context.Context, issueID string, r syncstate.Reservation, replaces *syncstate.Reservation) error
	ClearReservation(ctx context.Context, issueID string) error
	Commit(ctx context.Context, issueID string, r syncstate.Record) error
	StateComplete(ctx context.Context) (bool, error)
	MarkStateComplete(ctx context.Context, by string) error
	Watermark(ctx context.Context, projectID int) (syncstate.Watermark, bool, error)
	SetWatermark(ctx context.Context, projectID int, w syncstate.Watermark) error
	Leftovers(ctx context.Context, projectID int) (map[string]syncstate.Leftover, error)
	LeftoverCount(ctx context.Context, projectID int) (int, error)
	ChangeLeftovers(ctx context.Context, projectID int, changes syncstate.LeftoverChange) error
	Bug(ctx context.Context, bugID string) (syncstate.Bug, bool, error)
	Bugs(ctx context.Context, bugIDs ...string) ([]syncstate.Bug, []bool, error)
	ClaimBug(ctx context.Context, bugID string, c syncstate.BugClaim, replacing string) (bool, syncstate.Bug, error)
	ReleaseBugClaim(ctx context.Context, bugID, issueID string) error
}

// Options tunes a pass.
type Options struct {
	// Projects narrows the pass to these slugs; empty means every project
	// the token can see. An unknown slug is an error; a slug named twice
	// is one project.
	Projects []string
	// ProjectLabels overrides the labels of a slug (before SourceLabel).
	ProjectLabels map[string][]string
	// IncludeMuted syncs muted issues too (by default they are left alone).
	IncludeMuted bool
	// DryRun reads everything and writes nothing anywhere.
	DryRun bool
	// Concurrency bounds how many issues are worked on at once. Default 4.
	Concurrency int
	// WontFixLabels keep a closed Gitea issue closed on a regression.
	WontFixLabels []string
	// IssueTimeout bounds the work on one issue. Default DefaultIssueTimeout.
	IssueTimeout time.Duration
	// FinishGrace is how long the issues in hand may go on after the run's
	// context ended. Default DefaultFinishGrace.
	FinishGrace time.Duration
	// Render tunes the issue text; Render.BugsinkURL is required.
	Render render.Options
	// Version is written into mapping records ("bsync <version>").
	Version string
	// ExcludeProjects are slugs never synced (an unknown one is an error).
	ExcludeProjects []string
	// MinOccurrences leaves issues seen fewer times alone (0: no minimum).
	MinOccurrences int
	// MinLevel leaves issues whose newest event is less severe alone
	// (fatal > error > warning > info > debug; "": no minimum).
	MinLevel string
	// MaxAge leaves issues last seen longer ago than this alone (0: none).
	MaxAge time.Duration
	// MaxCreate caps the new Gitea issues of one run (0: no cap). The rest
	// wait for later runs, oldest first, so none starves.
	MaxCreate int
	// NoResolve leaves issues unresolved in Bugsink (by default each synced
	// issue is resolved there, and resolved again if that did not take).
	NoResolve bool
	// ResolveMode is how an issue is resolved in Bugsink: ResolvePlain
	// (the default) or ResolveNextRelease.
	ResolveMode string
	// Progress, when set, is told after each page how far a project is.
	Progress func(project string, done, seen int)
	// BackLink leaves a comment on each Bugsink issue pointing at its new
	// Gitea issue (best effort, once).
	BackLink bool
	// RunID names this run in reservations.
	RunID string
	// PendingGrace is how long a reservation left by an interrupted create
	// protects its issue: within it, a Gitea issue not found yet may still
	// be on its way (a slow server finishing a create the client gave up
	// on), so the issue is deferred rather than created again. Default
	// DefaultPendingGrace.
	PendingGrace time.Duration
	// FiguresEvery is how often at most the occurrence figures of one
	// issue's body are rewritten while its error keeps recurring (each
	// rewrite fires Gitea's "issues: edited" webhook). A regression's are
	// written at once. Zero means DefaultFiguresEvery; a negative value
	// (FiguresEveryRun) rewrites them on every run.
	FiguresEvery time.Duration
	// Full lists every issue of every project (a full pass), whatever the
	// watermarks say.
	Full bool
	// FullScanEvery is how often a project is listed in full although its
	// watermark would allow an incremental pass (0: only when needed).
	FullScanEvery time.Duration
	// LinkEnvironments makes one Gitea issue of the same error seen in the
	// projects of one component (package envlink); Components names the
	// component of slugs the label rule does not fit (slug → name).
	LinkEnvironments bool
	Components       map[string]string
	// BugsinkConcurrency bounds the calls to Bugsink in flight at once
	// (event reads, resolves, back-links). Default
	// DefaultBugsinkConcurrency.
	BugsinkConcurrency int
}

// DefaultFiguresEvery keeps a hot error's figures at most six hours old
// at the cost of four "edited" webhooks a day.
const DefaultFiguresEvery = 6 * time.Hour

// FiguresEveryRun, as Options.FiguresEvery, rewrites the figures on every
// run where they changed.
const FiguresEveryRun time.Duration = -1

// DefaultPendingGrace outlasts any create a client can still be waiting
// for (the HTTP timeout is 30 s) with a wide margin; cron runs are 15
// minutes apart, so in practice only a run started by hand right after an
// interrupted one waits.
const DefaultPendingGrace = 2 * time.Minute

// DefaultIssueTimeout bounds the work on one issue.
const DefaultIssueTimeout = 2 * time.Minute

// DefaultFinishGrace is how long the issues in hand go on after a signal or
// the run's deadline, so that each ends untouched or recorded: many times
// what the steps of one issue take on a working server, and short enough
// that a server holding a request open cannot keep the run for longer
// than a few seconds.
const DefaultFinishGrace = 5 * time.Second

// Engine holds what a sync is given: the clients, the state store, the
// code index, the options, the clock and the logger. It does not change
// while a pass runs: each Run makes a run of its own (run.go), which holds
// what that pass learns and changes, and drops it at its end.
type Engine struct {
	Bugsink BugsinkAPI
	Gitea   GiteaAPI
	State   StateStore
	Log     *slog.Logger
	Now     func() time.Time
	Opts    Options
	// Code links frames to the repository and names their owners; nil
	// leaves issues without code links and assignees.
	Code CodeIndex

	// scanPages caps the pages one reindex reads (0: gitea.MaxPages).
	scanPages int
	// selected holds the projects SelectProjects chose, so Run does not
	// ask Bugsink again.
	selected *[]bugsink.Project
}

// ErrInterrupted means the pass stopped early (signal or deadline). Every
// issue it touched is either untouched or fully recorded.
var ErrInterrupted = errors.New("sync interrupted before it finished")

// InterruptedError is ErrInterrupted naming the projects the pass did not
// finish listing and working on.
type InterruptedError struct{ Unfinished []string }

// Error implements error.
func (e *InterruptedError) Error() string {
	if len(e.Unfinished) == 0 {
		return ErrInterrupted.Error()
	}
	return fmt.Sprintf("%v; projects not finished: %s", ErrInterrupted, strings.Join(e.Unfinished, ", "))
}

// Is makes errors.Is(err, ErrInterrupted) true.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// UnknownProjectsError lists configured slugs Bugsink does not know.
type UnknownProjectsError struct {
	Unknown   []string
	Available []string
	// Setting names where they were configured ("" is BUGSINK_PROJECTS
	// or BSYNC_EXCLUDE_PROJECTS).
	Setting string
}

// Error implements error.
func (e *UnknownProjectsError) Error() string {
	setting := e.Setting
	if setting == "" {
		setting = "BUGSINK_PROJECTS or BSYNC_EXCLUDE_PROJECTS"
	}
	return fmt.Sprintf("unknown Bugsink project slug(s) %s in %s; the token sees: %s",
		strings.Join(e.Unknown, ", "), setting, strings.Join(e.Available, ", "))
}

// FatalError means the pass stopped because continuing could lose or
// duplicate work (the sync state cannot be read or written).
type FatalError struct{ Err error }

// Error implements error.
func (e *FatalError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *FatalError) Unwrap() error { return e.Err }

func (e *Engine) defaults() {
	if e.Opts.Concurrency <= 0 {
		e.Opts.Concurrency = 4
	}
	if e.Opts.PendingGrace <= 0 {
		e.Opts.PendingGrace = DefaultPendingGrace
	}
	if e.Opts.IssueTimeout <= 0 {
		e.Opts.IssueTimeout = DefaultIssueTimeout
	}
	if e.Opts.FinishGrace <= 0 {
		e.Opts.FinishGrace = DefaultFinishGrace
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	if e.Opts.BugsinkConcurrency <= 0 {
		e.Opts.BugsinkConcurrency = DefaultBugsinkConcurrency
	}
	if e.Opts.RunID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		e.Opts.RunID = "run-" + hex.EncodeToString(b)
	}
}

// Run does one pass (run.go): list, decide, prepare, claim, write,
// record, resolve. The report is filled as far as the pass got, also when
// an error is returned.
func (e *Engine) Run(ctx context.Context) (*Report, error) {
	return newRun(e).do(ctx)
}

// SelectProjects asks Bugsink for its projects and picks the ones the
// options select; a configured slug Bugsink does not know is an
// *UnknownProjectsError. A command calls it to check the configuration
// before it writes anything; Run then uses its choice.
func (e *Engine) SelectProjects(ctx context.Context) error {
	projects, err := e.selectProjects(ctx)
	if err != nil {
		return err
	}
	e.selected = &projects
	return nil
}

func (e *Engine) selectProjects(ctx context.Context) ([]bugsink.Project, error) {
	all, err := e.Bugsink.Projects(ctx)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]bugsink.Project{}
	var available []string
	for _, p := range all {
		bySlug[p.Slug] = p
		available = append(available, p.Slug)
	}
	var unknown []string
	for _, s := range append(append([]string{}, e.Opts.Projects...), e.Opts.ExcludeProjects...) {
		if _, ok := bySlug[s]; !ok {
			unknown = append(unknown, s)
		}
	}
	sort.Strings(available)
	if len(unknown) > 0 {
		return nil, &UnknownProjectsError{Unknown: unknown, Available: available}
	}
	if unknown := unknownComponentSlugs(e.Opts, bySlug); len(unknown) > 0 {
		return nil, &UnknownProjectsError{Unknown: unknown, Available: available, Setting: "BSYNC_COMPONENTS"}
	}
	selected := all
	if len(e.Opts.Projects) > 0 {
		selected = nil
		for _, s := range e.Opts.Projects {
			selected = append(selected, bySlug[s])
		}
	}
	var out []bugsink.Project
	for _, p := range selected {
		// A slug named twice (or a project Bugsink lists twice) is one
		// project: a pass works on each project once.
		once := !slices.ContainsFunc(out, func(q bugsink.Project) bool { return q.ID == p.ID })
		if once && !slices.Contains(e.Opts.ExcludeProjects, p.Slug) {
			out = append(out, p)
		}
	}
	return out, nil
}

// labelsFor returns a project's labels plus SourceLabel.
func (e *Engine) labelsFor(slug string) []string { return LabelsFor(slug, e.Opts.ProjectLabels) }

// LabelsFor returns the labels of a project's issues: the configured ones
// for the slug, else the DESIGN table's, else those derived from the slug;
// plus SourceLabel.
func LabelsFor(slug string, overrides map[string][]string) []string {
	base, ok := overrides[slug]
	if !ok {
		base, ok = DefaultProjectLabels[slug]
	}
	if !ok {
		base = LabelsForSlug(slug)
	}
	out := make([]string, 0, len(base)+1)
	for _, l := range append(append([]string{}, base...), SourceLabel) {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
