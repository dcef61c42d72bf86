package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/syncstate"
)

type statusOptions struct {
	*app
	failIfStale bool
}

// statusData is the "data" of `bsync status`. Its first four fields keep
// the shape an existing deployment reads.
type statusData struct {
	Enabled         bool                 `json:"enabled"`
	LastRun         *time.Time           `json:"last_run"`
	NextRun         *time.Time           `json:"next_run"`
	TotalSynced     int                  `json:"total_synced"`
	IntervalMinutes int                  `json:"interval_minutes"`
	Stale           bool                 `json:"stale"`
	StaleReason     string               `json:"stale_reason,omitempty"`
	LastOutcome     syncstate.Outcome    `json:"last_outcome,omitempty"`
	LastRunDetail   *syncstate.RunRecord `json:"last_run_detail"`
	Running         *lockHolder          `json:"running"`
	// DeadHolder is a lock left by a run that is gone (same host, pid no
	// longer exists): not running; the next run takes the lock over.
	DeadHolder *lockHolder `json:"dead_lock_holder,omitempty"`
	RedisDB    int         `json:"redis_db"`
}

func newStatusCmd(a *app) *cobra.Command {
	opts := &statusOptions{app: a}
	c := &cobra.Command{
		Use:   "status",
		Short: "Show whether the sync is enabled and alive (reads Redis only)",
		Long: `Reads the sync state in Redis (nothing else): whether the sync is enabled,
when it last ran and with what outcome, when it should run next, how many
Bugsink issues are mapped, and whether a run is in progress.

The last run is stale when it failed, never happened, or finished more than
twice BUGSINK_SYNC_INTERVAL ago; a disabled sync (BUGSINK_SYNC_ENABLED not
true) is never stale and has no next run. With --fail-if-stale, a stale state exits 5,
so a CI step can gate on it.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), opts) },
	}
	c.Flags().BoolVar(&opts.failIfStale, "fail-if-stale", false, "exit 5 when the last run failed, never happened, or is older than twice the interval")
	return c
}

func runStatus(ctx context.Context, opts *statusOptions) error {
	return opts.withState(ctx, 30*time.Second, func(ctx context.Context, cfg *config, store *syncstate.Store) error {
		return opts.status(ctx, cfg, store)
	})
}

func (opts *statusOptions) status(ctx context.Context, cfg *config, store *syncstate.Store) error {
	last, err := store.LastRun(ctx)
	if err != nil {
		return fmt.Errorf("read the sync state: %w", err)
	}
	total, _, err := store.FastCount(ctx)
	if err != nil {
		return fmt.Errorf("read the sync state: %w", err)
	}
	holder, err := store.LockHolder(ctx)
	if err != nil {
		return fmt.Errorf("read the sync state: %w", err)
	}
	d := statusData{Enabled: cfg.Enabled, TotalSynced: total, IntervalMinutes: int(cfg.Interval / time.Minute),
		LastRunDetail: last, Running: holderView(holder), RedisDB: store.DB()}
	host, _ := os.Hostname()
	if holder.Gone(syncstate.LockInfo{Host: host, BootID: syncstate.BootID()}) {
		d.Running, d.DeadHolder = nil, holderView(holder)
	}
	if last != nil {
		lr := last.FinishedAt.UTC()
		d.LastRun, d.LastOutcome = &lr, last.Outcome
	}
	// A disabled sync runs no more: no next run, and never stale.
	if cfg.Enabled {
		if last != nil {
			nr := d.LastRun.Add(cfg.Interval)
			d.NextRun = &nr
		}
		d.Stale, d.StaleReason = staleness(last, cfg.Interval, opts.now())
	}
	var failure error
	if opts.failIfStale && d.Stale {
		failure = &exitError{code: exitStale, name: codeStale, err: fmt.Errorf("the sync is stale: %s", d.StaleReason)}
	}
	return opts.emit(d, failure, func(w io.Writer) { printStatusTable(w, d) })
}

// staleness says whether the last run calls for attention.
func staleness(last *syncstate.RunRecord, interval time.Duration, now time.Time) (bool, string) {
	switch {
	case last == nil:
		return true, "no sync run has been recorded"
	case last.Outcome == syncstate.OutcomeFailed || last.Outcome == syncstate.OutcomeTimeout || last.Outcome == syncstate.OutcomeInterrupted:
		reason := fmt.Sprintf("the last run ended %s", last.Outcome)
		if len(last.Errors) > 0 {
			reason += ": " + last.Errors[0] // the first error carries its fix
		}
		return true, reason
	case now.Sub(last.FinishedAt) > 2*interval:
		return true, fmt.Sprintf("the last run finished %s ago, more than twice the %s interval",
			now.Sub(last.FinishedAt).Round(time.Second), interval)
	}
	return false, ""
}
