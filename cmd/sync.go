package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/gitea"
	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

type syncOptions struct {
	dryRun       bool
	timeout      time.Duration
	concurrency  int
	projects     []string
	includeMuted bool
	noBackLink   bool
	noResolve    bool
	minOcc       int
	minLevel     string
	maxAge       string
	maxCreate    int
	exclude      []string
	metricsFile  string
	full         bool
}

func newSyncCmd(a *App) *cobra.Command {
	opts := &syncOptions{}
	c := &cobra.Command{
		Use:   "sync",
		Short: "Create a Gitea issue for every new unresolved Bugsink issue (one pass)",
		Long: `One pass: take the run lock, list the unresolved issues of the configured
Bugsink projects, skip those already recorded in Redis, create a labelled Gitea
issue for each new one, record the mapping, and resolve the issue in Bugsink.
Prints one JSON report on stdout; logs go to stderr.

With --dry-run it reads everything and writes nothing (no Gitea label or issue,
no Redis key, no resolve) and lists what it would create.

When BUGSINK_SYNC_ENABLED is not true, sync contacts nothing and exits 0.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSync(cmd.Context(), cmd, opts)
		},
	}
	f := c.Flags()
	f.BoolVar(&opts.dryRun, "dry-run", false, "read everything, write nothing, list what would be created")
	f.DurationVar(&opts.timeout, "timeout", 0, "bound the whole run (default BSYNC_TIMEOUT or 10m)")
	f.IntVar(&opts.concurrency, "concurrency", 0, "issues worked on at once (default BSYNC_CONCURRENCY or 4)")
	f.StringSliceVar(&opts.projects, "project", nil, "sync only these Bugsink project slugs (default BUGSINK_PROJECTS or all)")
	f.BoolVar(&opts.includeMuted, "include-muted", false, "also sync muted issues (default BUGSINK_INCLUDE_MUTED or false)")
	f.IntVar(&opts.minOcc, "min-occurrences", 0, "leave issues seen fewer times alone (default BSYNC_MIN_OCCURRENCES)")
	f.StringVar(&opts.minLevel, "min-level", "", "leave issues less severe alone: fatal, error, warning, info, debug (default BSYNC_MIN_LEVEL)")
	f.StringVar(&opts.maxAge, "max-age", "", "leave issues last seen longer ago alone, e.g. 72h or 30d (default BSYNC_MAX_AGE)")
	f.IntVar(&opts.maxCreate, "max-create", 0, "create at most N Gitea issues this run, the oldest first; the rest wait (default BSYNC_MAX_CREATE)")
	f.StringSliceVar(&opts.exclude, "exclude-project", nil, "never sync these project slugs (default BSYNC_EXCLUDE_PROJECTS)")
	f.StringVar(&opts.metricsFile, "metrics-file", "", "write the run's figures for node_exporter's textfile collector (default BSYNC_METRICS_FILE)")
	f.BoolVar(&opts.noResolve, "no-resolve", false, "leave issues unresolved in Bugsink (default: BSYNC_RESOLVE_IN_BUGSINK or resolve them)")
	f.BoolVar(&opts.full, "full", false, "list every issue of every project, not only what changed since the last run")
	f.BoolVar(&opts.noBackLink, "no-backlink", false, "do not comment on Bugsink issues with their Gitea link (default BSYNC_BUGSINK_BACKLINK or true)")
	return c
}

// disabledReport is the data of a sync that did nothing because it is off.
type disabledReport struct {
	Synced     int    `json:"synced"`
	Skipped    int    `json:"skipped"`
	Failed     int    `json:"failed"`
	DurationMS int64  `json:"duration_ms"`
	Enabled    bool   `json:"enabled"`
	Message    string `json:"message"`
}

func (a *App) runSync(ctx context.Context, cmd *cobra.Command, opts *syncOptions) error {
	pre, err := a.config(Needs{})
	if err != nil {
		return err
	}
	if !pre.Enabled && !opts.dryRun {
		a.logger().Info("sync is disabled (BUGSINK_SYNC_ENABLED is not true); nothing contacted")
		if path := a.metricsPath(cmd, pre, opts); path != "" {
			if err := writeMetrics(path, runMetrics{enabled: false, outcome: "disabled", mappings: -1}); err != nil {
				a.logger().Warn("metrics", "err", err)
			}
		}
		return a.printSuccess(disabledReport{Enabled: false,
			Message: "sync is disabled: set BUGSINK_SYNC_ENABLED=true to enable it"})
	}
	cfg, err := a.config(Needs{Bugsink: true, Gitea: true})
	if err != nil {
		return err
	}
	if opts.concurrency < 0 || opts.concurrency > 32 {
		return &usageError{msg: "--concurrency: want 1 to 32"}
	}
	if err := a.applySyncFlags(cmd, cfg, opts); err != nil {
		return err
	}
	timeout := cfg.Timeout
	if cmd.Flags().Changed("timeout") {
		if opts.timeout <= 0 {
			return &usageError{msg: "--timeout must be positive"}
		}
		timeout = opts.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	beat := heartbeat{a: a, url: cfg.HeartbeatURL.Reveal()}
	if opts.dryRun {
		beat.url = "" // a preview is not a run
	}
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		err = fmt.Errorf("nothing was done: %w", err)
		beat.ping(ctx, "fail", pingSummary("failed", 0, 0, err))
		return err
	}
	defer store.Close()

	host, _ := os.Hostname()
	runID := randomToken()
	var lock *syncstate.Lock
	releaseLock := func() {}
	if !opts.dryRun {
		var holder *syncstate.LockInfo
		info := syncstate.LockInfo{Token: runID, Host: host, PID: os.Getpid(), StartedAt: a.Now().UTC()}
		// The lock outlives the longest run by a margin, and no longer: an
		// issue started before the deadline may take IssueTimeout to finish.
		lock, holder, err = store.AcquireLock(ctx, info, lockTTL(timeout))
		if errors.Is(err, syncstate.ErrLockHeld) {
			a.saveRun(store, syncstate.RunRecord{StartedAt: a.Now().UTC(), FinishedAt: a.Now().UTC(), Outcome: "locked", Version: a.Version, Host: host})
			a.printFailure(err, nil, map[string]any{"holder": holderView(holder)})
			return err
		}
		if err != nil {
			return err
		}
		released := false
		releaseLock = func() {
			if released {
				return
			}
			released = true
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer rcancel()
			if err := lock.Release(rctx); err != nil {
				a.logger().Warn("release run lock", "err", err)
			}
		}
		defer releaseLock()
	}

	beat.ping(ctx, "start", "bsync sync started")

	eng := &syncer.Engine{
		Bugsink: a.bugsinkClient(cfg),
		Gitea:   a.giteaClient(cfg),
		State:   store,
		Log:     a.logger(),
		Now:     a.Now,
		Opts:    a.engineOptions(cfg, cmd, opts),
	}
	eng.Opts.RunID = runID
	stopProgress := a.startProgress(eng)
	rep, runErr := eng.Run(ctx)
	stopProgress()
	rep.Requests = &syncer.RequestStats{Bugsink: a.bugsinkRequests.Load(), Gitea: a.giteaRequests.Load(), RedisRoundTrips: store.RoundTrips(), PeakRSSKB: peakRSSKB()}
	if gitea.IsRepoNotFound(runErr) {
		runErr = &exitError{code: ExitError, name: "gitea_repository", err: fmt.Errorf("nothing was synced: %w; check GITEA_OWNER and GITEA_REPO, and that the token's user can see the repository", runErr)}
	}
	if runErr != nil && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			runErr = &exitError{code: ExitTimeout, name: "timeout", err: fmt.Errorf("the run hit its %s timeout; finished issues are recorded: %w", timeout, runErr)}
		} else {
			runErr = &exitError{code: ExitInterrupted, name: "interrupted", err: fmt.Errorf("interrupted; finished issues are recorded: %w", runErr)}
		}
	}
	if !opts.dryRun {
		record := runRecord(rep, runErr, a.Version, host)
		a.saveRun(store, record)
		releaseLock()
		mappings := a.refreshCount(store)
		if cfg.MetricsFile != "" {
			if err := writeMetrics(cfg.MetricsFile, runMetrics{enabled: true, outcome: record.Outcome, report: rep, mappings: mappings}); err != nil {
				a.logger().Warn("metrics", "err", err)
			}
		}
		if record.Outcome == "ok" || record.Outcome == "partial" {
			beat.ping(ctx, "", pingSummary(record.Outcome, rep.Synced, rep.Failed, nil))
		} else {
			beat.ping(ctx, "fail", pingSummary(record.Outcome, rep.Synced, rep.Failed, runErr))
		}
	}
	return a.finishSync(rep, runErr)
}

func (a *App) engineOptions(cfg *Config, cmd *cobra.Command, opts *syncOptions) syncer.Options {
	o := syncer.Options{
		Projects: cfg.Projects, ProjectLabels: cfg.ProjectLabels, IncludeMuted: cfg.IncludeMuted, BackLink: cfg.BackLink && !opts.noBackLink,
		DryRun: opts.dryRun, Concurrency: cfg.Concurrency, WontFixLabels: cfg.WontFix, Version: a.Version,
		PendingGrace: cfg.PendingGrace, NoResolve: !cfg.Resolve || opts.noResolve, ResolveMode: cfg.ResolveMode,
		ExcludeProjects: cfg.ExcludeProjects, MinOccurrences: cfg.MinOccurrences, MinLevel: cfg.MinLevel,
		MaxAge: cfg.MaxAge, MaxCreate: cfg.MaxCreate, Full: opts.full, FullScanEvery: cfg.FullScanEvery,
		BugsinkConcurrency: cfg.BugsinkConcurrency,
		Render:             syncer.RenderOptions{BugsinkURL: cfg.BugsinkURL, MaxBodyBytes: cfg.MaxBodyBytes},
	}
	if cmd.Flags().Changed("project") {
		o.Projects = opts.projects
	}
	if cmd.Flags().Changed("include-muted") {
		o.IncludeMuted = opts.includeMuted
	}
	if opts.concurrency > 0 {
		o.Concurrency = opts.concurrency
	}
	return o
}

// finishSync prints the report and picks the exit code.
func (a *App) finishSync(rep *syncer.Report, runErr error) error {
	failure := runErr
	if failure == nil && len(rep.Errors) > 0 {
		failure = &exitError{code: ExitPartial, name: "partial", err: fmt.Errorf("%d of the run's steps failed (%d issue(s) not synced); see data.errors", len(rep.Errors), rep.Failed)}
	}
	var data any = rep
	var up *syncer.UnknownProjectsError
	if errors.As(runErr, &up) {
		data = nil // nothing ran: the report would only be empty
	}
	return a.emit(data, failure, func(w io.Writer) { printSyncTable(w, rep, runErr) })
}

// saveRun writes the run record, even when the run's own context ended.
// A run turned away by the lock goes into the history only, so the last
// run stays the last one that worked.
func (a *App) saveRun(store *syncstate.Store, r syncstate.RunRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := store.SaveRun(ctx, r, r.Outcome != "locked"); err != nil {
		a.logger().Warn("could not write the run record", "err", err)
	}
}

// lockTTL is how long a run's lock lives: the run timeout, plus the time
// an issue in hand may take to finish after it, plus a minute for the run
// record. A crashed run's lock expires after that.
func lockTTL(timeout time.Duration) time.Duration {
	return timeout + syncer.DefaultIssueTimeout + time.Minute
}

// refreshCount recounts the mappings for `bsync status`, after the lock is
// gone so the cached database size matches a quiet database. It returns
// the count, or -1 when it could not be read.
func (a *App) refreshCount(store *syncstate.Store) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := store.RefreshCount(ctx)
	if err != nil {
		a.logger().Warn("could not refresh the mapping count", "err", err)
		return -1
	}
	return n
}

// metricsPath is --metrics-file, else BSYNC_METRICS_FILE.
func (a *App) metricsPath(cmd *cobra.Command, cfg *Config, opts *syncOptions) string {
	if cmd.Flags().Changed("metrics-file") {
		return opts.metricsFile
	}
	return cfg.MetricsFile
}

// applySyncFlags lets the noise-control flags override the environment.
func (a *App) applySyncFlags(cmd *cobra.Command, cfg *Config, opts *syncOptions) error {
	f := cmd.Flags()
	cfg.MetricsFile = a.metricsPath(cmd, cfg, opts)
	if f.Changed("min-occurrences") {
		if opts.minOcc < 0 {
			return &usageError{msg: "--min-occurrences must not be negative"}
		}
		cfg.MinOccurrences = opts.minOcc
	}
	if f.Changed("min-level") {
		if !syncer.ValidLevel(opts.minLevel) {
			return &usageError{msg: "--min-level: want fatal, error, warning, info or debug"}
		}
		cfg.MinLevel = strings.ToLower(opts.minLevel)
	}
	if f.Changed("max-age") {
		d, err := parseAge(opts.maxAge)
		if err != nil {
			return &usageError{msg: "--max-age: want a duration such as 72h or 30d"}
		}
		cfg.MaxAge = d
	}
	if f.Changed("max-create") {
		if opts.maxCreate < 0 {
			return &usageError{msg: "--max-create must not be negative"}
		}
		cfg.MaxCreate = opts.maxCreate
	}
	if f.Changed("exclude-project") {
		cfg.ExcludeProjects = opts.exclude
	}
	return nil
}

func runRecord(rep *syncer.Report, runErr error, version, host string) syncstate.RunRecord {
	r := syncstate.RunRecord{
		StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt, DurationMS: rep.DurationMS,
		Synced: rep.Synced, Skipped: rep.Skipped, Failed: rep.Failed, Regressed: rep.Regressed,
		Resolved: rep.Resolved, Version: version, Host: host, Outcome: "ok", Pass: rep.Pass,
	}
	if len(rep.Errors) > 0 {
		r.Outcome = "partial"
	}
	if runErr != nil {
		_, name := classify(runErr)
		r.Outcome = "failed"
		if name == "timeout" || name == "interrupted" {
			r.Outcome = name
		}
		r.Errors = append(r.Errors, runErr.Error())
	}
	for i, e := range rep.Errors {
		if i == 5 {
			break
		}
		r.Errors = append(r.Errors, fmt.Sprintf("%s %s: %s", e.Stage, e.BugsinkIssueID, e.Message))
	}
	return r
}

func holderView(h *syncstate.LockInfo) any {
	if h == nil {
		return nil
	}
	return map[string]any{"host": h.Host, "pid": h.PID, "started_at": h.StartedAt}
}
