package cmd

import (
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

// runOutcomes are the values of the outcome label, one of them 1.
var runOutcomes = []syncstate.Outcome{syncstate.OutcomeOK, syncstate.OutcomePartial, syncstate.OutcomeFailed,
	syncstate.OutcomeTimeout, syncstate.OutcomeInterrupted, syncstate.OutcomeDisabled}

// runMetrics is what one run tells the Prometheus textfile collector.
type runMetrics struct {
	enabled  bool
	outcome  syncstate.Outcome
	report   *syncer.Report
	mappings int
}

// writeMetrics writes the run's figures in the Prometheus text format to
// path, atomically (a temporary file in the same folder, then a rename), so
// node_exporter's textfile collector never reads half a file.
func writeMetrics(path string, m runMetrics) error {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(v)
		reg.MustRegister(g)
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	gauge("bsync_enabled", "1 when BUGSINK_SYNC_ENABLED is true.", b2f(m.enabled))
	outcome := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "bsync_last_run_outcome",
		Help: "1 for the outcome of the last run, 0 for the others."}, []string{"outcome"})
	for _, o := range runOutcomes {
		outcome.WithLabelValues(string(o)).Set(b2f(o == m.outcome))
	}
	reg.MustRegister(outcome)
	gauge("bsync_last_run_success", "1 when the last run ended ok (nothing failed).", b2f(m.outcome == syncstate.OutcomeOK || m.outcome == syncstate.OutcomeDisabled))
	if r := m.report; r != nil {
		gauge("bsync_last_run_timestamp_seconds", "When the last run finished (Unix time).", float64(r.FinishedAt.UnixMilli())/1000)
		gauge("bsync_last_run_duration_seconds", "How long the last run took.", float64(r.DurationMS)/1000)
		issues := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "bsync_last_run_issues",
			Help: "Issues of the last run by result."}, []string{"result"})
		for result, n := range map[string]int{
			"synced": r.Synced, "skipped": r.Skipped, "failed": r.Failed, "regressed": r.Regressed,
			"re_resolved": r.Resolved, "deferred": r.Deferred, "below_threshold": r.BelowThreshold,
			"adopted": r.Adopted, "linked": r.Linked, "created": r.NewIssues, "muted_ignored": r.Muted, "recurring": r.Recurring, "awaiting_fix": r.AwaitingFix, "reopened_in_bugsink": r.ReopenedInBugsink,
		} {
			issues.WithLabelValues(result).Set(float64(n))
		}
		reg.MustRegister(issues)
		if q := r.Requests; q != nil {
			req := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "bsync_last_run_requests",
				Help: "Requests of the last run by remote (Redis: round trips)."}, []string{"remote"})
			req.WithLabelValues("bugsink").Set(float64(q.Bugsink))
			req.WithLabelValues("gitea").Set(float64(q.Gitea))
			req.WithLabelValues("redis").Set(float64(q.RedisRoundTrips))
			reg.MustRegister(req)
		}
	}
	if m.mappings >= 0 {
		gauge("bsync_mappings", "Bugsink issues mapped to Gitea issues (all bugsink:synced:* keys).", float64(m.mappings))
	}
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("write metrics file %s: %w", path, err)
	}
	// node_exporter usually runs as another user; the metrics hold nothing secret.
	if err := os.Chmod(path, 0o644); err != nil {
		return fmt.Errorf("write metrics file %s: %w", path, err)
	}
	return nil
}
