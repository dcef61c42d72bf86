package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncer"
)

// checkStatus is the verdict of one doctor check.
type checkStatus string

const (
	statusOK   checkStatus = "ok"
	statusWarn checkStatus = "warn"
	statusFail checkStatus = "fail"
)

// check is one doctor finding.
type check struct {
	Name    string      `json:"name"`
	Status  checkStatus `json:"status"`
	Message string      `json:"message"`
}

type doctorData struct {
	Checks []check `json:"checks"`
	OK     int     `json:"ok"`
	Warn   int     `json:"warn"`
	Fail   int     `json:"fail"`
	// Skipped names the checks not made because one they need failed.
	Skipped []string `json:"skipped"`
}

// The checks in the order doctor makes them; a failure skips the ones
// after it that need it.
var (
	bugsinkChecks = []string{"bugsink_token", "bugsink_version", "bugsink_projects"}
	giteaChecks   = []string{"gitea_reachable", "gitea_token", "gitea_repository", "gitea_write_access", "gitea_token_scope", "gitea_labels", "gitea_code", "gitea_codeowners"}
	redisChecks   = []string{"redis", "redis_durability"}
	bugsinkLater  = bugsinkChecks[1:]
	everyCheck    = append(append(append([]string{}, bugsinkChecks...), giteaChecks...), redisChecks...)
)

// skip records checks that were not made.
func (d *doctorData) skip(names ...string) { d.Skipped = append(d.Skipped, names...) }

func (d *doctorData) add(name string, status checkStatus, format string, a ...any) {
	d.Checks = append(d.Checks, check{Name: name, Status: status, Message: fmt.Sprintf(format, a...)})
	switch status {
	case statusOK:
		d.OK++
	case statusWarn:
		d.Warn++
	case statusFail:
		d.Fail++
	}
}

func newDoctorCmd(a *app) *cobra.Command {
	opts := &doctorOptions{app: a}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, Bugsink, Gitea and Redis without writing anything",
		Long: `Checks, without writing anything anywhere: the configuration; that Bugsink
answers, accepts the token, has the configured projects and supports the
resolve action (2.2.1+); that Gitea answers, accepts the token, has the
repository and lets the token write issues and labels there; that Redis answers
and keeps the state safe (persistence on, no eviction of keys without a TTL).
Prints one entry per check (ok, warn, fail) and exits 1 when any check fails.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDoctor(cmd.Context(), opts) },
	}
}

type doctorOptions struct{ *app }

func runDoctor(ctx context.Context, opts *doctorOptions) error {
	a := opts.app
	d := &doctorData{Checks: []check{}, Skipped: []string{}}
	cfg, err := a.config(needBugsink | needGitea)
	if err != nil {
		d.add("config", statusFail, "%v", err)
		d.skip(everyCheck...)
		return a.finishDoctor(d)
	}
	d.add("config", statusOK, "all variables are set and well-formed")
	if len(a.configWarnings) > 0 {
		d.add("config_names", statusWarn, "%s", strings.Join(a.configWarnings, "; "))
	}
	if !cfg.Enabled {
		d.add("enabled", statusWarn, "BUGSINK_SYNC_ENABLED is not true: `bsync sync` will do nothing; set it to true once `bsync sync --dry-run` shows what the first run would create")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	slugs := a.doctorBugsink(ctx, cfg, d)
	a.doctorGitea(ctx, cfg, d, slugs)
	a.doctorRedis(ctx, cfg, d)
	return a.finishDoctor(d)
}

func (a *app) finishDoctor(d *doctorData) error {
	var failure error
	if d.Fail > 0 {
		var failed []string
		for _, c := range d.Checks {
			if c.Status == statusFail {
				failed = append(failed, c.Name)
			}
		}
		msg := fmt.Sprintf("%d of %d checks failed: %s", d.Fail, len(d.Checks), strings.Join(failed, ", "))
		switch {
		case len(d.Skipped) == len(everyCheck):
			msg += "; every other check skipped: fix the configuration first"
		case len(d.Skipped) > 0:
			msg += fmt.Sprintf("; %d skipped, as they need what failed: %s", len(d.Skipped), strings.Join(d.Skipped, ", "))
		}
		failure = &exitError{code: exitFatal, name: codeDoctor, err: errors.New(msg)}
	}
	return a.emit(d, failure, func(w io.Writer) {
		tw := newTable(w)
		for _, c := range d.Checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(string(c.Status)), c.Name, c.Message)
		}
		if len(d.Skipped) == len(everyCheck) {
			fmt.Fprintf(tw, "SKIP\t(every other check)\tnot checked: fix the configuration first\n")
		} else {
			for _, name := range d.Skipped {
				fmt.Fprintf(tw, "SKIP\t%s\tnot checked: a check it needs did not pass\n", name)
			}
		}
		tw.Flush()
	})
}

// doctorBugsink checks Bugsink and returns the slugs a sync would work on:
// the configured ones, else every project Bugsink lists, less the excluded
// ones; nil when Bugsink could not be read.
func (a *app) doctorBugsink(ctx context.Context, cfg *config, d *doctorData) []string {
	bc := a.bugsinkClient(cfg)
	projects, err := bc.Projects(ctx)
	switch {
	case bugsink.IsUnauthorized(err):
		d.add("bugsink_token", statusFail, "Bugsink refused the token (%v): create one with `bugsink-manage create_auth_token` and set BUGSINK_API_TOKEN", err)
		d.skip(bugsinkLater...)
		return nil
	case err != nil:
		d.add("bugsink_reachable", statusFail, "cannot list Bugsink projects at %s: %v", cfg.BugsinkURL, err)
		d.skip(bugsinkChecks...)
		return nil
	}
	d.add("bugsink_token", statusOK, "the token is accepted; it sees %d project(s)", len(projects))
	version, err := bc.ServerVersion(ctx)
	switch {
	case err != nil:
		d.add("bugsink_version", statusWarn, "could not read the version from the API schema (%v); resolving needs Bugsink 2.2.1 or later", err)
	case bugsink.ResolveSupport(version) == bugsink.UnknownSupport:
		d.add("bugsink_version", statusWarn, "Bugsink reports version %q, which does not say whether it has the resolve action (Bugsink 2.2.1 or later); check the installed version by hand", version)
	case bugsink.ResolveSupport(version) == bugsink.Unsupported:
		d.add("bugsink_version", statusFail, "Bugsink reports API version %q: the resolve action needs Bugsink 2.2.1 or later; upgrade Bugsink", version)
	default:
		d.add("bugsink_version", statusOK, "Bugsink %s supports the resolve action", version)
	}
	have := doctorProjects(cfg, projects, d)
	if cfg.ResolveMode == syncer.ResolveNextRelease {
		doctorNextRelease(ctx, bc, cfg, projects, d)
	}
	slugs := cfg.Projects
	if len(slugs) == 0 {
		for _, p := range projects {
			slugs = append(slugs, p.Slug)
		}
	}
	var out []string
	for _, s := range slugs {
		if have[s] && !slices.Contains(cfg.ExcludeProjects, s) {
			out = append(out, s)
		}
	}
	return out
}

// doctorProjects checks the configured slugs against the projects Bugsink
// lists, and returns the slugs Bugsink has.
func doctorProjects(cfg *config, projects []bugsink.Project, d *doctorData) map[string]bool {
	have := map[string]bool{}
	for _, p := range projects {
		have[p.Slug] = true
	}
	var missing []string
	for _, s := range cfg.Projects {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	switch {
	case len(missing) > 0:
		d.add("bugsink_projects", statusFail, "BUGSINK_PROJECTS names project(s) Bugsink does not have: %s", strings.Join(missing, ", "))
	case len(cfg.Projects) > 0:
		d.add("bugsink_projects", statusOK, "all %d configured project(s) exist", len(cfg.Projects))
	case len(projects) == 0:
		d.add("bugsink_projects", statusWarn, "the token sees no project: nothing will be synced")
	default:
		d.add("bugsink_projects", statusOK, "no BUGSINK_PROJECTS: all %d visible project(s) will be synced", len(projects))
	}
	return have
}

// doctorNextRelease warns about synced projects without releases: resolved
// "in the next release", their issues never come back.
func doctorNextRelease(ctx context.Context, bc *bugsink.Client, cfg *config, projects []bugsink.Project, d *doctorData) {
	var without []string
	for _, p := range projects {
		if (len(cfg.Projects) > 0 && !slices.Contains(cfg.Projects, p.Slug)) || slices.Contains(cfg.ExcludeProjects, p.Slug) {
			continue
		}
		has, err := bc.HasReleases(ctx, p.ID)
		if err != nil {
			d.add("bugsink_releases", statusWarn, "cannot list the releases of %s (%v): BSYNC_RESOLVE_MODE=next-release needs releases", p.Slug, err)
			return
		}
		if !has {
			without = append(without, p.Slug)
		}
	}
	if len(without) > 0 {
		d.add("bugsink_releases", statusWarn, "BSYNC_RESOLVE_MODE=next-release, but %s never reported a release: their synced errors are never reopened, so a recurrence is seen neither in Gitea nor in Bugsink; send releases or use BSYNC_RESOLVE_MODE=resolve", strings.Join(without, ", "))
	} else {
		d.add("bugsink_releases", statusOK, "every synced project reports releases (BSYNC_RESOLVE_MODE=next-release)")
	}
}

// doctorGitea checks Gitea; slugs are the projects whose labels a sync
// would use (nil when Bugsink could not say).
func (a *app) doctorGitea(ctx context.Context, cfg *config, d *doctorData, slugs []string) {
	gc := a.giteaClient(cfg)
	v, err := gc.Version(ctx)
	switch {
	case gitea.StatusCode(err) == 401:
		// Gitea refuses an unknown token even on its public routes.
		d.add("gitea_reachable", statusOK, "Gitea answers at %s", cfg.GiteaURL)
		d.add("gitea_token", statusFail, "Gitea refused the token (%v): %s", err, tokenHelp)
		d.skip(giteaChecks[2:]...)
		return
	case err != nil:
		d.add("gitea_reachable", statusFail, "Gitea does not answer at %s: %v", cfg.GiteaURL, err)
		d.skip(giteaChecks[1:]...)
		return
	}
	d.add("gitea_reachable", statusOK, "Gitea %s answers", v)
	repo, err := gc.Repository(ctx)
	switch {
	case gitea.StatusCode(err) == 401:
		d.add("gitea_token", statusFail, "Gitea refused the token (%v): %s", err, tokenHelp)
		d.skip(giteaChecks[2:]...)
		return
	case missingScope(err) == scopeRepo:
		d.add("gitea_repository_scope", statusWarn, "GITEA_API_TOKEN lacks the %s scope: issues get no code links or owners (Gitea: %v); %s", scopeRepo, err, tokenHelp)
		doctorWriteByProbe(ctx, gc, cfg, d)
		d.skip("gitea_code", "gitea_codeowners")
		a.doctorIssueScope(ctx, gc, d)
		doctorLabels(ctx, gc, cfg, d, slugs)
		return
	case gitea.IsNotFound(err):
		d.add("gitea_repository", statusFail, "repository %s/%s does not exist or the token's user cannot see it: check GITEA_OWNER and GITEA_REPO", cfg.GiteaOwner, cfg.GiteaRepo)
		d.skip(giteaChecks[3:]...)
		return
	case err != nil:
		d.add("gitea_repository", statusFail, "%v", err)
		d.skip(giteaChecks[3:]...)
		return
	}
	d.add("gitea_repository", statusOK, "repository %s found", repo.FullName)
	if repo.Archived {
		d.add("gitea_repository_archived", statusFail, "repository %s is archived: issues cannot be created", repo.FullName)
	}
	if repo.Permissions != nil && !repo.Permissions.Push && !repo.Permissions.Admin {
		d.add("gitea_write_access", statusFail, "the token's user has no write access to %s: Gitea would create issues without labels; make the user a collaborator with write access", repo.FullName)
	} else {
		d.add("gitea_write_access", statusOK, "the token's user can write to %s", repo.FullName)
	}
	a.doctorIssueScope(ctx, gc, d)
	doctorLabels(ctx, gc, cfg, d, slugs)
	doctorCode(ctx, gc, cfg, d, repo, slugs)
}

// doctorWriteByProbe checks the repository and the user's write access
// without read:repository: an empty label create is refused with 422 only
// once both have passed (see giteaPreflight).
func doctorWriteByProbe(ctx context.Context, gc *gitea.Client, cfg *config, d *doctorData) {
	repo := cfg.GiteaOwner + "/" + cfg.GiteaRepo
	err := gc.ProbeLabelWrite(ctx)
	switch {
	case err == nil:
		d.add("gitea_repository", statusOK, "repository %s found", repo)
		d.add("gitea_write_access", statusOK, "the token's user can write to %s", repo)
	case gitea.IsNotFound(err):
		d.add("gitea_repository", statusFail, "repository %s does not exist or the token's user cannot see it: check GITEA_OWNER and GITEA_REPO", repo)
	case gitea.StatusCode(err) == 403 && missingScope(err) == "":
		d.add("gitea_repository", statusOK, "repository %s found", repo)
		d.add("gitea_write_access", statusFail, "the token's user has no write access to %s: Gitea would create issues without labels; make the user a collaborator with write access", repo)
	default:
		d.add("gitea_write_access", statusFail, "cannot check write access to %s: %v", repo, err)
	}
}

// doctorIssueScope checks, creating nothing, that the token may create
// issues (the write:issue scope).
func (a *app) doctorIssueScope(ctx context.Context, gc *gitea.Client, d *doctorData) {
	err := gc.ProbeIssueWrite(ctx)
	switch {
	case err == nil:
		d.add("gitea_token_scope", statusOK, "the token has the write:issue scope")
	case missingScope(err) != "":
		d.add("gitea_token_scope", statusFail, "GITEA_API_TOKEN lacks the %s scope (Gitea: %v); %s", missingScope(err), err, tokenHelp)
	default:
		d.add("gitea_token_scope", statusFail, "the token cannot create issues (%v); %s", err, tokenHelp)
	}
}

// doctorLabels checks that the labels the projects use exist or can be
// created (without creating any).
func doctorLabels(ctx context.Context, gc *gitea.Client, cfg *config, d *doctorData, slugs []string) {
	var wanted []gitea.LabelSpec
	names := map[string]bool{}
	for _, n := range append(allLabelNames(cfg, slugs), syncer.SourceLabel) {
		if !names[n] {
			names[n] = true
			wanted = append(wanted, gitea.LabelSpec{Name: n})
		}
	}
	ids, err := gc.EnsureLabels(ctx, wanted, false)
	if err != nil {
		d.add("gitea_labels", statusFail, "cannot list labels: %v", err)
		return
	}
	var missing []string
	for _, w := range wanted {
		if _, ok := ids[w.Name]; !ok {
			missing = append(missing, w.Name)
		}
	}
	if len(missing) > 0 {
		d.add("gitea_labels", statusOK, "%d label(s) exist; the first sync creates %s", len(ids), strings.Join(missing, ", "))
	} else {
		d.add("gitea_labels", statusOK, "all %d label(s) exist", len(ids))
	}
}

// allLabelNames lists the labels the given projects use; with none known
// (Bugsink could not be read), those of the configured projects.
func allLabelNames(cfg *config, slugs []string) []string {
	if slugs == nil {
		slugs = cfg.Projects
	}
	var out []string
	for _, s := range slugs {
		out = append(out, syncer.LabelsFor(s, cfg.ProjectLabels)...)
	}
	return out
}

func (a *app) doctorRedis(ctx context.Context, cfg *config, d *doctorData) {
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		d.add("redis", statusFail, "%v", err)
		d.skip(redisChecks[1:]...)
		return
	}
	defer store.Close()
	n, err := store.CountMappings(ctx)
	if err != nil {
		d.add("redis", statusFail, "db %d is not usable: %v", store.DB(), err)
		return
	}
	d.add("redis", statusOK, "db %d answers and holds %d mapping(s)", store.DB(), n)
	dur, _ := store.CheckDurability(ctx)
	switch {
	case dur.Unknown != "":
		d.add("redis_durability", statusWarn, "%s: make sure persistence is on and keys are not evicted", dur.Unknown)
	case !dur.Persistent:
		d.add("redis_durability", statusWarn, "Redis has neither RDB snapshots nor AOF: a restart loses every mapping (the next sync rebuilds them from the markers in Gitea, reading every issue once); turn persistence on")
	case dur.Evicts():
		d.add("redis_durability", statusWarn, "maxmemory-policy is %s: Redis may evict mappings under memory pressure; use noeviction or a volatile-* policy", dur.EvictionPolicy)
	default:
		d.add("redis_durability", statusOK, "persistence is on and maxmemory-policy %s keeps mappings", dur.EvictionPolicy)
	}
}
