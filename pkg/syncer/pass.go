package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// Kinds of pass (Report.Pass, ProjectReport.Pass).
const (
	// PassFull lists every issue of a project, resolved ones included.
	PassFull = "full"
	// PassIncremental lists only the issues seen since the previous run
	// (plus its leftovers, each read on its own).
	PassIncremental = "incremental"
	// PassMixed is a run in which some projects were listed in full.
	PassMixed = "mixed"
)

// DigestLagMargin is how far below the previous run's watermark an
// incremental listing goes on reading. Bugsink sets an issue's last_seen to
// the event's ingestion time, but only when the event is digested, later
// and asynchronously (ingest/views.py: digest.delay at ingestion,
// digest_event sets issue.last_seen = ingested_at; snappea runs the
// digests one at a time, bugsink/transaction.py immediate_atomic). An event
// ingested before a run's listing but digested after it carries a last_seen
// below that run's watermark. The lag is a queue's: at Bugsink's default
// quotas (bugsink/app_settings.py, 1,000 events per 5 minutes per
// installation) and the ~50 events/s its author measured on low-grade
// hardware (the same file), a full quota window drains in about 20
// seconds; a snappea restart adds its graceful
// timeout (10 s, snappea/settings.py). Ten minutes covers those many times
// over and a restart of Bugsink's container, and costs little: only issues
// seen in those ten minutes are read again. New issues delayed longer are
// still caught by the digest_order check; an older issue's return delayed
// longer waits for the next full pass.
const DigestLagMargin = 10 * time.Minute

// DefaultFullScanEvery is how often a project is listed in full by
// default: once a day. A full pass is the safety net for what an
// incremental pass cannot see (an issue unmuted or reopened by a person in
// Bugsink without a new event, a return digested more than DigestLagMargin
// late); a day bounds that delay, and costs one run in 96 of a 15-minute
// cron.
const DefaultFullScanEvery = 24 * time.Hour

// DefaultBugsinkConcurrency bounds the Bugsink calls in flight. Bugsink's
// docker image runs min(CPUs, 4) gunicorn workers
// (bugsink/gunicorn.docker.conf.py), so a small server answers 2 to 4 calls
// at once; 6 keeps each worker busy with at most one call queued behind
// it, and is enough to keep 4 Gitea creates in flight (per created issue
// 4 Bugsink calls: the event list, the event, the resolve, the back-link).
const DefaultBugsinkConcurrency = 6

// planner holds each project's plan and, for an incremental one, its
// listings read ahead (prime.go).
type planner struct {
	*Engine
	slots  chan struct{} // Bugsink's, held by each page read ahead
	plans  map[int]plan
	primed map[int]listings
}

// planned returns a project's plan, if planAll made one.
func (pn *planner) planned(id int) (plan, bool) {
	pl, ok := pn.plans[id]
	return pl, ok
}

// plan is how one project is listed this run.
type plan struct {
	full   bool
	reason string
	wm     syncstate.Watermark
}

// planFor decides between a full and an incremental listing of a project.
func (pn *planner) planFor(ctx context.Context, p bugsink.Project, rep *Report) (plan, error) {
	wm, ok, err := pn.State.Watermark(ctx, p.ID)
	switch {
	case errors.Is(err, syncstate.ErrBadWatermark):
		return plan{full: true, reason: "unreadable watermark"}, nil
	case err != nil:
		return plan{}, &FatalError{Err: err}
	case pn.Opts.Full:
		return plan{full: true, reason: "requested", wm: wm}, nil
	case rep.Reindex != nil:
		return plan{full: true, reason: "state rebuilt", wm: wm}, nil
	case !ok:
		return plan{full: true, reason: "no watermark"}, nil
	case wm.Slug != p.Slug || wm.DigestOrder < 0 || wm.LastSeen.IsZero() && wm.DigestOrder > 0:
		return plan{full: true, reason: "watermark does not fit the project"}, nil
	case wm.Settings != pn.settingsKey():
		return plan{full: true, reason: "settings changed", wm: wm}, nil
	case pn.Opts.FullScanEvery > 0 && pn.Now().Sub(wm.FullAt) >= pn.Opts.FullScanEvery:
		return plan{full: true, reason: "full scan due", wm: wm}, nil
	}
	n, err := pn.State.LeftoverCount(ctx, p.ID)
	if err != nil {
		return plan{}, &FatalError{Err: err}
	}
	if n > max(wm.DigestOrder/bugsinkPageSize+1, leftoverBatch) {
		// Reading them one by one would cost more requests than listing
		// every issue (a backlog deferred by --max-create, say); up to a
		// batch of them are read one by one whatever the project's size.
		return plan{full: true, reason: "more leftovers than listing pages", wm: wm}, nil
	}
	return plan{wm: wm}, nil
}

// bugsinkPageSize is the size of Bugsink's list pages.
const bugsinkPageSize = 250

// settingsKey names the settings that decide which unresolved issues are
// wanted. An issue they leave alone is not kept as leftover work: a new
// event moves it into the next incremental listing, and a change of these
// settings calls for a full pass.
func (e *Engine) settingsKey() string {
	return fmt.Sprintf("muted=%t min_occurrences=%d min_level=%s max_age=%s no_resolve=%t",
		e.Opts.IncludeMuted, e.Opts.MinOccurrences, e.Opts.MinLevel, e.Opts.MaxAge, e.Opts.NoResolve)
}

// runProject lists one project (in full or from its watermark), works on
// what the listing found, re-reads the project's leftovers, and then
// moves its watermark. A project cut short keeps its old watermark, so the
// next run lists the same range again.
func (r *run) runProject(ctx context.Context, p bugsink.Project, pi int, rep *Report) error {
	pr := &rep.Projects[pi]
	pl, ok := r.plans.planned(p.ID)
	if !ok {
		var err error
		if pl, err = r.plans.planFor(ctx, p, rep); err != nil {
			return err
		}
	}
	pr.Pass, pr.PassReason = PassIncremental, pl.reason
	var wm syncstate.Watermark
	var err error
	if !pl.full {
		wm, err = r.listIncremental(ctx, p, pi, rep, pl.wm)
		if errors.Is(err, errDigestOrderBack) {
			pl = plan{full: true, reason: "bugsink's digest_order went back", wm: pl.wm}
			err = nil
		}
	}
	if pl.full {
		pr.Pass, pr.PassReason = PassFull, pl.reason
	}
	if err != nil {
		return err
	}
	if pl.full {
		if wm, err = r.listFull(ctx, p, pi, rep); err != nil {
			return err
		}
		wm.FullAt = r.Now()
	} else {
		wm.FullAt = pl.wm.FullAt
	}
	if err := r.reworkLeftovers(ctx, p, pi, rep, pl.full); err != nil {
		return err
	}
	if r.Opts.DryRun {
		return nil
	}
	wm.Slug, wm.Settings, wm.At = p.Slug, r.settingsKey(), r.Now()
	if err := r.State.SetWatermark(ctx, p.ID, wm); err != nil {
		return &FatalError{Err: err}
	}
	return nil
}

// passKind sums the projects' passes up for the report.
func passKind(projects []ProjectReport) string {
	kind := ""
	for _, p := range projects {
		switch {
		case p.Pass == "":
		case kind == "":
			kind = p.Pass
		case kind != p.Pass:
			return PassMixed
		}
	}
	return kind
}
