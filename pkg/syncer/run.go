package syncer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"bsync/pkg/bugsink"
)

// run is one pass: made by Engine.Run, dropped at its end. It holds what
// the pass learns and changes; each part owns its own state.
type run struct {
	*Engine // the engine, with its defaults and Bugsink's slots

	labels *labelBook    // the label ids, looked up once
	plans  *planner      // each project's plan and listings read ahead
	left   *leftoverBook // the leftover set's writes
	pipe   *pipeline     // the slots of the stages and the context of issues in hand
	life   *lifecycle    // what happens to one issue, stage by stage
	// queue holds the oldest new issues when MaxCreate caps the run.
	queue candidateHeap
	// taken are the issues this run took up, each once (taken.go).
	taken claims
	// stop ends the starting of new work after a fatal error.
	stop atomic.Bool
	// warm is closed when the labels looked up early on a first sync are
	// known (nil when there was no such look-up).
	warm chan struct{}
}

// newRun makes a pass of e: a copy of the engine with its defaults and
// Bugsink's calls bounded, and the parts of the pass.
func newRun(given *Engine) *run {
	e := *given
	e.defaults()
	slots := make(chan struct{}, e.Opts.BugsinkConcurrency)
	e.Bugsink = slottedBugsink{BugsinkAPI: e.Bugsink, slots: slots}
	eng := &e
	labels := &labelBook{gitea: e.Gitea, create: !e.Opts.DryRun}
	bugs := &bugBook{}
	write := &writer{Engine: eng, labels: labels, bugs: bugs}
	rec := &recorder{Engine: eng, labels: write}
	life := &lifecycle{Engine: eng, bugs: bugs, write: write, rec: rec,
		prep:  &preparer{Engine: eng, labels: labels, bugs: bugs},
		claim: &claimer{Engine: eng, find: write},
		res:   &resolver{Engine: eng, rec: rec},
		fixes: newFixJudge(eng)}
	return &run{Engine: eng, labels: labels, life: life,
		plans: &planner{Engine: eng, slots: slots},
		left:  &leftoverBook{Engine: eng},
		pipe:  newPipeline(e.Opts),
		queue: candidateHeap{cap: e.Opts.MaxCreate}}
}

// do runs the pass and finishes its report.
func (r *run) do(ctx context.Context) (*Report, error) {
	defer r.pipe.startHands(ctx)()
	start := r.Now()
	rep := newReport(start, r.Opts.DryRun)
	err := r.pass(ctx, rep)
	if r.warm != nil {
		<-r.warm
	}
	rep.Pass = passKind(rep.Projects)
	if r.Code != nil {
		for _, n := range r.Code.Notes() {
			rep.warn(n)
			r.Log.Info("code links", "note", n)
		}
	}
	if unknown := r.labels.unknown(); r.Opts.DryRun && len(unknown) > 0 {
		rep.warn(fmt.Sprintf("labels %s do not exist yet and would be created", strings.Join(unknown, ", ")))
	}
	rep.FinishedAt = r.Now().UTC()
	rep.DurationMS = rep.FinishedAt.Sub(start).Milliseconds()
	return rep, err
}

// pass selects the projects, makes sure of the state, plans every project,
// then lists and works on each in turn, and creates what waits under
// MaxCreate.
func (r *run) pass(ctx context.Context, rep *Report) error {
	if r.selected == nil {
		if err := r.SelectProjects(ctx); err != nil {
			return err
		}
	}
	projects := *r.selected
	for _, p := range projects {
		r.labels.want(r.labelsFor(p.Slug)...)
	}
	if err := r.ensureState(ctx, rep); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", r.interrupted(rep, projects), err)
		}
		return err
	}
	defer r.plans.discardPrimed()
	if err := r.plans.planAll(ctx, projects, rep); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", r.interrupted(rep, projects), err)
		}
		return err
	}
	rep.Projects = make([]ProjectReport, 0, len(projects))
	for i, p := range projects {
		if ctx.Err() != nil {
			return r.interrupted(rep, projects[i:])
		}
		r.plans.primeAhead(ctx, projects, i)
		rep.Projects = append(rep.Projects, ProjectReport{Slug: p.Slug, ID: p.ID})
		err := r.runProject(ctx, p, i, rep)
		if err != nil {
			var fe *FatalError
			switch {
			case errors.Is(err, ErrInterrupted):
				return r.interrupted(rep, projects[i:])
			case errors.As(err, &fe) && ctx.Err() != nil:
				return fmt.Errorf("%w: %w", r.interrupted(rep, projects[i:]), err)
			case errors.As(err, &fe):
				return err
			}
			rep.Errors = append(rep.Errors, IssueError{Project: p.Slug, Stage: StageListIssues, Message: err.Error()})
			r.Log.Error("list bugsink issues", "project", p.Slug, "err", err)
		}
	}
	return r.createCapped(ctx, rep)
}

// interrupted names the projects a pass stopped in or before, and those
// whose new issues still wait for a create under MaxCreate.
func (r *run) interrupted(rep *Report, rest []bugsink.Project) error {
	var names []string
	for _, c := range r.queue.waiting() {
		if !slices.Contains(names, c.project.Slug) {
			names = append(names, c.project.Slug)
		}
	}
	for _, p := range rest {
		if !slices.Contains(names, p.Slug) {
			names = append(names, p.Slug)
		}
	}
	rep.Unfinished = names
	return &InterruptedError{Unfinished: names}
}
