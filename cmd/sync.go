package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

// syncOptions are `bsync sync`'s own options; every other flag of sync is
// a setting (settings.go) and reaches it through the configuration.
type syncOptions struct {
	*app
	dryRun bool
	full   bool
}

func newSyncCmd(a *app) *cobra.Command {
	opts := &syncOptions{app: a}
	c := &cobra.Command{
		Use:   "sync",
		Short: "Create a Gitea issue for every new unresolved Bugsink issue (one pass)",
		Long: `One pass: take the run lock, list the unresolved issues of the configured
Bugsink projects, skip those already recorded in Redis, create a labelled Gitea
issue for each new one, record the mapping, and resolve the issue in Bugsink.
Prints one JSON report on stdout; logs go to stderr.

With --dry-run it reads everything and writes nothing (no Gitea label or issue,
no Redis key, no resolve) and lists what it would create.

When BUGSINK_SYNC_ENABLED is unset, empty or false, sync contacts nothing and
exits 0. Each flag below overrides the variable it names.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd.Context(), opts) },
	}
	c.Flags().BoolVar(&opts.dryRun, "dry-run", false, "read everything, write nothing, list what would be created")
	c.Flags().BoolVar(&opts.full, "full", false, "list every issue of every project, not only what changed since the last run")
	bindSettingFlags(c.Flags(), "sync", a.flags)
	return c
}

// disabledReport is the data of a sync that did nothing because it is off.
type disabledReport struct {
	Synced     int      `json:"synced"`
	Skipped    int      `json:"skipped"`
	Failed     int      `json:"failed"`
	DurationMS int64    `json:"duration_ms"`
	Enabled    bool     `json:"enabled"`
	Message    string   `json:"message"`
	NewIssues  int      `json:"new_issues"`
	Linked     int      `json:"linked"`
	Errors     []string `json:"errors"`
	Warnings   []string `json:"warnings"`
}

// syncRun is one sync in progress: what its steps share.
type syncRun struct {
	opts    *syncOptions
	cfg     *config
	eng     *syncer.Engine
	store   *syncstate.Store
	gitea   *gitea.Client
	beat    heartbeat
	host    string
	release func()
}

// runSync is `bsync sync`: check the configuration (and, reading Bugsink's
// project list, the slugs) before anything is written, take the lock, run
// the engine, record the run, print the report.
func runSync(ctx context.Context, opts *syncOptions) error {
	pre, err := opts.config(0)
	if err != nil {
		return err
	}
	opts.warnConfig()
	if !pre.Enabled && !opts.dryRun {
		return opts.syncDisabled(pre)
	}
	cfg, err := opts.config(needBugsink | needGitea)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r := &syncRun{opts: opts, cfg: cfg, release: func() {}}
	r.host, _ = os.Hostname()
	gc := opts.giteaClient(cfg)
	r.gitea = gc
	r.eng = &syncer.Engine{Bugsink: opts.bugsinkClient(cfg), Gitea: gc, Log: opts.logger(), Now: opts.now,
		Opts: engineOptions(cfg, opts),
		Code: codeindex.New(gc, codeindex.Options{Mappings: cfg.CodeMappings, Assign: cfg.Assign == "codeowners"})}
	var unknown *syncer.UnknownProjectsError
	if err := r.eng.SelectProjects(ctx); errors.As(err, &unknown) {
		return err // a configuration error: only Bugsink's project list was read
	} // any other error comes back from the run, which records it
	if !opts.dryRun {
		r.beat = heartbeat{a: opts.app, url: cfg.HeartbeatURL.reveal()}
	}
	if err := r.open(ctx); err != nil {
		return err
	}
	defer r.store.Close()
	defer r.release()
	r.beat.ping(ctx, "start", "bsync sync started")
	rep, runErr := r.work(ctx)
	if !opts.dryRun {
		r.record(ctx, rep, runErr)
	}
	return opts.finishSync(rep, runErr)
}

// syncDisabled answers a sync that is switched off: nothing contacted.
func (a *app) syncDisabled(cfg *config) error {
	a.logger().Info("sync is disabled (BUGSINK_SYNC_ENABLED is not true); nothing contacted")
	if cfg.MetricsFile != "" {
		if err := writeMetrics(cfg.MetricsFile, runMetrics{enabled: false, outcome: syncstate.OutcomeDisabled, mappings: -1}); err != nil {
			a.logger().Warn("metrics", "err", err)
		}
	}
	d := disabledReport{Enabled: false, Message: "sync is disabled: set BUGSINK_SYNC_ENABLED=true to enable it",
		Errors: []string{}, Warnings: append([]string{}, a.configWarnings...)}
	if a.origin != "" {
		d.Message = "sync is disabled: " + a.origin
	}
	return a.emit(d, nil, func(w io.Writer) {
		fmt.Fprintln(w, d.Message)
		for _, warning := range d.Warnings {
			fmt.Fprintln(w, "warning: "+warning)
		}
	})
}

// open opens the state and, unless this is a dry run, takes the run lock.
func (r *syncRun) open(ctx context.Context) error {
	store, err := r.opts.openStore(ctx, r.cfg)
	if err != nil {
		err = fmt.Errorf("nothing was done: %w", err)
		r.beat.ping(ctx, "fail", pingSummary(syncstate.OutcomeFailed, 0, 0, err))
		return err
	}
	r.store = store
	r.eng.State = store
	if x, ok := r.eng.Code.(*codeindex.Index); ok {
		x.Remember(store, !r.opts.dryRun) // a dry run uses the mappings earned, and earns none
	}
	if r.opts.dryRun {
		return nil
	}
	now := r.opts.now().UTC()
	info := syncstate.LockInfo{Token: r.eng.Opts.RunID, Host: r.host, PID: os.Getpid(), StartedAt: now, BootID: syncstate.BootID()}
	lock, holder, err := store.AcquireLock(ctx, info, lockTTL(r.cfg.Timeout))
	if errors.Is(err, syncstate.ErrLockHeld) {
		r.opts.saveRun(store, syncstate.RunRecord{StartedAt: now, FinishedAt: now, Outcome: syncstate.OutcomeLocked, Version: r.opts.build.Version, Host: r.host})
		store.Close()
		return &lockHeldError{holder: holder}
	}
	if err != nil {
		store.Close()
		return err
	}
	logTakeOver(r.opts.logger(), lock)
	released := false
	r.release = func() {
		if released {
			return
		}
		released = true
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := lock.Release(rctx); err != nil {
			r.opts.logger().Warn("release run lock", "err", err)
		}
	}
	return nil
}

// work runs the engine, with progress on a terminal, and names a run that
// its deadline or a signal cut short.
func (r *syncRun) work(ctx context.Context) (*syncer.Report, error) {
	warnings, err := giteaPreflight(ctx, r.gitea, r.cfg)
	var rep *syncer.Report
	if err != nil {
		rep = syncer.NewReport(r.opts.now(), r.opts.dryRun)
		rep.FinishedAt = rep.StartedAt
	} else {
		stopProgress := r.opts.startProgress(r.eng)
		rep, err = r.eng.Run(ctx)
		stopProgress()
	}
	if len(warnings) > 0 {
		rep.Warnings = append(warnings, rep.Warnings...)
	}
	rep.Enabled = r.cfg.Enabled // a dry run previews a disabled sync too
	rep.Requests = &syncer.RequestStats{Bugsink: r.opts.bugsinkRequests.Load(), Gitea: r.opts.giteaRequests.Load(),
		RedisRoundTrips: r.store.RoundTrips(), PeakRSSKB: peakRSSKB()}
	if err != nil && ctx.Err() == nil {
		err = explain(err, r.cfg)
	}
	if err != nil && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = &exitError{code: exitTimeout, name: codeTimeout, err: fmt.Errorf("the run hit its %s timeout; finished issues are recorded: %w", r.cfg.Timeout, err)}
		} else {
			err = &exitError{code: exitInterrupted, name: codeInterrupted, err: fmt.Errorf("interrupted; finished issues are recorded: %w", err)}
		}
	}
	return rep, err
}

// record writes the run record, releases the lock, refreshes the mapping
// count, writes the metrics and pings the heartbeat.
func (r *syncRun) record(ctx context.Context, rep *syncer.Report, runErr error) {
	rec := runRecord(rep, runErr, r.opts.build.Version, r.host)
	r.opts.saveRun(r.store, rec)
	r.release()
	mappings := r.opts.refreshCount(r.store)
	if r.cfg.MetricsFile != "" {
		if err := writeMetrics(r.cfg.MetricsFile, runMetrics{enabled: true, outcome: rec.Outcome, report: rep, mappings: mappings}); err != nil {
			r.opts.logger().Warn("metrics", "err", err)
		}
	}
	if rec.Outcome == syncstate.OutcomeOK || rec.Outcome == syncstate.OutcomePartial {
		r.beat.ping(ctx, "", pingSummary(rec.Outcome, rep.Synced, rep.Failed, nil))
	} else {
		r.beat.ping(ctx, "fail", pingSummary(rec.Outcome, rep.Synced, rep.Failed, runErr))
	}
}

func engineOptions(cfg *config, opts *syncOptions) syncer.Options {
	return syncer.Options{
		Projects: cfg.Projects, ProjectLabels: cfg.ProjectLabels, IncludeMuted: cfg.IncludeMuted, BackLink: cfg.BackLink,
		DryRun: opts.dryRun, Concurrency: cfg.Concurrency, WontFixLabels: cfg.WontFix, Version: opts.build.Version,
		PendingGrace: cfg.PendingGrace, NoResolve: !cfg.Resolve, ResolveMode: cfg.ResolveMode, RunID: randomToken(),
		ExcludeProjects: cfg.ExcludeProjects, MinOccurrences: cfg.MinOccurrences, MinLevel: cfg.MinLevel,
		MaxAge: cfg.MaxAge, MaxCreate: cfg.MaxCreate, Full: opts.full, FullScanEvery: cfg.FullScanEvery,
		FiguresEvery: cfg.FiguresEvery, LinkEnvironments: cfg.LinkEnvironments, Components: cfg.Components,
		BugsinkConcurrency: cfg.BugsinkConcurrency, Render: render.Options{BugsinkURL: cfg.BugsinkURL, MaxBodyBytes: cfg.MaxBodyBytes},
	}
}

// lockHeldError is a sync turned away by the lock; its details name the
// holder.
type lockHeldError struct{ holder *syncstate.LockInfo }

func (e *lockHeldError) Error() string { return syncstate.ErrLockHeld.Error() }
func (e *lockHeldError) Unwrap() error { return syncstate.ErrLockHeld }
func (e *lockHeldError) details() any  { return map[string]any{"holder": holderView(e.holder)} }

// finishSync prints the report and picks the exit code.
func (a *app) finishSync(rep *syncer.Report, runErr error) error {
	if len(a.configWarnings) > 0 {
		rep.Warnings = append(slices.Clip(a.configWarnings), rep.Warnings...)
	}
	failure := runErr
	if failure == nil && len(rep.Errors) > 0 {
		failure = &exitError{code: exitPartial, name: codePartial, err: fmt.Errorf("%d of the run's steps failed (%d issue(s) not synced); see data.errors", len(rep.Errors), rep.Failed)}
	}
	return a.emit(rep, failure, func(w io.Writer) { printSyncTable(w, rep) })
}

// saveRun writes the run record, even when the run's own context ended.
// A run turned away by the lock goes into the history only, so the last
// run stays the last one that worked.
func (a *app) saveRun(store *syncstate.Store, r syncstate.RunRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := store.SaveRun(ctx, r, r.Outcome != syncstate.OutcomeLocked); err != nil {
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
func (a *app) refreshCount(store *syncstate.Store) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := store.RefreshCount(ctx)
	if err != nil {
		a.logger().Warn("could not refresh the mapping count", "err", err)
		return -1
	}
	return n
}

func runRecord(rep *syncer.Report, runErr error, version, host string) syncstate.RunRecord {
	r := syncstate.RunRecord{
		StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt, DurationMS: rep.DurationMS,
		Synced: rep.Synced, Skipped: rep.Skipped, Failed: rep.Failed, Regressed: rep.Regressed,
		Resolved: rep.Resolved, Version: version, Host: host, Outcome: syncstate.OutcomeOK, Pass: rep.Pass,
	}
	if len(rep.Errors) > 0 {
		r.Outcome = syncstate.OutcomePartial
	}
	if runErr != nil {
		r.Outcome = syncstate.OutcomeFailed
		switch _, code := classify(runErr); code {
		case codeTimeout:
			r.Outcome = syncstate.OutcomeTimeout
		case codeInterrupted:
			r.Outcome = syncstate.OutcomeInterrupted
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

// logTakeOver says when a run took the lock of a dead holder.
func logTakeOver(log *slog.Logger, lock *syncstate.Lock) {
	if h := lock.TookOver; h != nil {
		log.Warn("took over the run lock of a run that is gone (its pid no longer exists on this host)",
			"pid", h.PID, "host", h.Host, "started_at", h.StartedAt)
	}
}

// lockHolder is the run lock's holder as status and a locked run show it.
type lockHolder struct {
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
}

// holderView is h for output; nil (JSON null) when the lock is free.
func holderView(h *syncstate.LockInfo) *lockHolder {
	if h == nil {
		return nil
	}
	return &lockHolder{Host: h.Host, PID: h.PID, StartedAt: h.StartedAt}
}
