package syncer

import "time"

// Report is the outcome of one sync pass. Its JSON is the "data" of
// `bsync sync`; the first four fields keep the shape an existing
// deployment reads.
type Report struct {
	Synced     int   `json:"synced"`
	Skipped    int   `json:"skipped"`
	Failed     int   `json:"failed"`
	DurationMS int64 `json:"duration_ms"`

	Enabled    bool      `json:"enabled"`
	DryRun     bool      `json:"dry_run"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Resolved counts mapped issues resolved again because an earlier
	// resolve did not take.
	Resolved int `json:"re_resolved"`
	// Regressed counts mapped issues that came back while their Gitea
	// issue was closed (one comment each close).
	Regressed int `json:"regressed"`
	// Recurring counts mapped issues that came back while their Gitea
	// issue was open: figures updated, no comment, no notification.
	Recurring int `json:"recurring"`
	// AwaitingFix counts mapped issues that came back after their Gitea
	// issue was closed, only from releases without the fix: no comment,
	// no reopen, figures updated, left unresolved in Bugsink.
	AwaitingFix int `json:"awaiting_fix"`
	// ReopenedInBugsink counts mapped issues found reopened by a person in
	// Bugsink (no new event): left alone, counted once.
	ReopenedInBugsink int `json:"reopened_in_bugsink"`
	// Muted counts unresolved issues left alone because they are muted.
	Muted int `json:"muted_ignored"`
	// Deferred counts issues left for a later run: over the --max-create
	// cap, or an earlier create whose outcome is not known yet.
	Deferred int `json:"deferred"`
	// BelowThreshold counts new issues left alone by a threshold (too few
	// occurrences, too low a level, last seen too long ago): not synced,
	// not resolved, not failed.
	BelowThreshold int `json:"below_threshold"`
	// Adopted counts synced issues whose Gitea issue already existed (a
	// run stopped between creating and recording it) and was taken over.
	Adopted int `json:"adopted"`
	// Linked counts the bugs whose Gitea issue gained an environment this
	// run (each once, however many environments joined it): synced issues
	// recorded on the Gitea issue of the same error in another environment
	// of their application (no new issue) are listed under Created with
	// Linked set.
	Linked int `json:"linked"`
	// linkedBugs are the bugs counted in Linked.
	linkedBugs map[string]bool
	// NewIssues counts the synced issues filed as new Gitea issues (in a
	// dry run: that would be): Synced is NewIssues plus the issues listed
	// as linked (Linked, unless one bug gained two environments this run).
	NewIssues int `json:"new_issues"`
	// Reindex is set when the state was new or lost and was rebuilt from
	// the markers in Gitea before anything was created.
	Reindex *ReindexReport `json:"reindex,omitempty"`

	// Requests counts the calls this run made and its peak memory (filled
	// in by the command).
	Requests *RequestStats `json:"requests,omitempty"`

	// Pass is the kind of pass that ran: PassFull, PassIncremental, or
	// PassMixed when only some projects were listed in full.
	Pass string `json:"pass"`

	// Unfinished names the projects a pass cut short (signal or timeout)
	// did not finish listing and working on.
	Unfinished []string `json:"unfinished_projects,omitempty"`

	Projects    []ProjectReport `json:"projects"`
	Created     []CreatedIssue  `json:"created"`
	WouldCreate []CreatedIssue  `json:"would_create,omitempty"`
	Regressions []Regression    `json:"regressions"`
	Errors      []IssueError    `json:"errors"`
	Warnings    []string        `json:"warnings"`

	warned map[string]bool // the distinct warnings, for warn
}

// RequestStats counts a run's calls to each remote.
type RequestStats struct {
	Bugsink         int64 `json:"bugsink"`
	Gitea           int64 `json:"gitea"`
	RedisRoundTrips int64 `json:"redis_round_trips"`
	// PeakRSSKB is the process's peak resident memory, where the system
	// tells it (Linux).
	PeakRSSKB int64 `json:"peak_rss_kb,omitempty"`
}

// ProjectReport counts one project's issues.
type ProjectReport struct {
	Slug       string `json:"slug"`
	ID         int    `json:"id"`
	Seen       int    `json:"seen"`
	Unresolved int    `json:"unresolved"`
	Synced     int    `json:"synced"`
	Skipped    int    `json:"skipped"`
	Failed     int    `json:"failed"`
	Muted      int    `json:"muted_ignored"`
	Regressed  int    `json:"regressed"`
	Recurring  int    `json:"recurring"`
	Awaiting   int    `json:"awaiting_fix"`
	Reopened   int    `json:"reopened_in_bugsink"`
	Resolved   int    `json:"re_resolved"`
	Deferred   int    `json:"deferred"`
	Below      int    `json:"below_threshold"`
	NewIssues  int    `json:"new_issues"`
	Linked     int    `json:"linked"`
	// Pass is how the project was listed (PassFull or PassIncremental),
	// and PassReason why it was listed in full.
	Pass       string `json:"pass"`
	PassReason string `json:"pass_reason,omitempty"`
	// Pages counts the listing requests made for the project.
	Pages int `json:"listing_pages"`
	// Leftovers counts the leftovers read again one by one.
	Leftovers int `json:"leftovers_reread"`
}

// CreatedIssue is one Gitea issue created (or, in a dry run, that would be).
type CreatedIssue struct {
	BugsinkIssueID string   `json:"bugsink_issue_id"`
	BugsinkURL     string   `json:"bugsink_url"`
	Project        string   `json:"project"`
	Title          string   `json:"title"`
	Labels         []string `json:"labels"`
	// Assignees are the code owners the issue was created with (a dry
	// run: would be created with).
	Assignees        []string `json:"assignees,omitempty"`
	GiteaIssueNumber int      `json:"gitea_issue_number,omitempty"`
	GiteaIssueURL    string   `json:"gitea_issue_url,omitempty"`
	Adopted          bool     `json:"adopted,omitempty"`
	// Linked: the error was filed from another environment already; this
	// Bugsink issue was recorded on that Gitea issue (a row, a label).
	Linked bool `json:"linked,omitempty"`
	// In a dry run: the Gitea issue it would be recorded on (LinkTo), or
	// the Bugsink issue of this run whose new Gitea issue it would share
	// (LinkWith).
	LinkTo   int    `json:"link_to,omitempty"`
	LinkWith string `json:"link_with,omitempty"`
}

// Regression is a mapped issue that came back.
type Regression struct {
	BugsinkIssueID   string `json:"bugsink_issue_id"`
	Project          string `json:"project"`
	GiteaIssueNumber int    `json:"gitea_issue_number"`
	Reopened         bool   `json:"reopened"`
	WontFix          bool   `json:"wont_fix,omitempty"`
}

// Stage names the step of the sync where an IssueError happened.
type Stage string

// The stages an IssueError can name.
const (
	StageListIssues        Stage = "list_issues"        // listing a project's issues
	StageValidate          Stage = "validate"           // the listing returned a malformed issue
	StageRecover           Stage = "recover"            // looking in Gitea for an interrupted create
	StageReadEvent         Stage = "read_event"         // reading the issue's newest event
	StageLabels            Stage = "labels"             // finding or creating the labels
	StageReserve           Stage = "reserve"            // writing the reservation before a create
	StageCreate            Stage = "create_gitea_issue" // creating the Gitea issue
	StageRecord            Stage = "record"             // writing the mapping
	StageResolve           Stage = "resolve"            // resolving the issue in Bugsink
	StageReadGiteaIssue    Stage = "read_gitea_issue"   // reading the Gitea issue of a mapped issue seen again
	StageRegressionComment Stage = "regression_comment" // commenting on a regression
	StageRegressionReopen  Stage = "regression_reopen"  // reopening a regression
	StageFigures           Stage = "figures"            // updating the occurrence figures in the body
	StageFix               Stage = "fix"                // finding the fix of a close and the releases a return came from
	StageReadLeftover      Stage = "read_leftover"      // reading again an issue of the leftover set
	StageClaim             Stage = "claim"              // deciding which environment's issue files a shared error
	StageLink              Stage = "link"               // recording an issue on its error's Gitea issue from another environment
)

// IssueError is a failure tied to one Bugsink issue (or, with no issue id,
// to a project or the run).
type IssueError struct {
	BugsinkIssueID   string `json:"bugsink_issue_id,omitempty"`
	Project          string `json:"project,omitempty"`
	Stage            Stage  `json:"stage"`
	Message          string `json:"message"`
	GiteaIssueNumber int    `json:"gitea_issue_number,omitempty"`
}

// NewReport is the empty report of a run that stops before its pass (on a
// command's own checks).
func NewReport(now time.Time, dryRun bool) *Report { return newReport(now, dryRun) }

func newReport(now time.Time, dryRun bool) *Report {
	return &Report{
		Enabled: true, DryRun: dryRun, StartedAt: now.UTC(),
		Projects: []ProjectReport{}, Created: []CreatedIssue{}, Regressions: []Regression{},
		Errors: []IssueError{}, Warnings: []string{},
	}
}

// warn adds warnings to the report, each distinct message once, so a fact
// that holds for many issues is said once.
func (r *Report) warn(msgs ...string) {
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	for _, m := range msgs {
		if !r.warned[m] {
			r.warned[m] = true
			r.Warnings = append(r.Warnings, m)
		}
	}
}
