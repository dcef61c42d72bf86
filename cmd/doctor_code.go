package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// doctorCode shows what the code links and the assignees of new issues
// will rest on: the repository's default branch and tags, the code
// mappings, and the CODEOWNERS file Gitea's rules find, with its warnings
// and the owners it names that cannot be assigned.
func doctorCode(ctx context.Context, gc *gitea.Client, cfg *config, d *doctorData, repo *gitea.Repository, slugs []string) {
	tree, err := gc.Tree(ctx, repo.DefaultBranch, 0)
	if err != nil {
		d.add("gitea_code", statusWarn, "cannot read the default branch %q of %s (%v): issues carry no code links", repo.DefaultBranch, repo.FullName, err)
	} else {
		tags, terr := gc.Tags(ctx, 100)
		tagNote := fmt.Sprintf("%d tag(s) for releases to name", len(tags))
		if terr != nil {
			tagNote = fmt.Sprintf("its tags cannot be read (%v), so frames are linked at the default branch", terr)
		}
		d.add("gitea_code", statusOK, "the default branch %s holds %d file(s) for frames to link to; %s", repo.DefaultBranch, len(tree.Files), tagNote)
	}
	var stray []string
	for _, m := range cfg.CodeMappings {
		if slugs != nil && !slices.Contains(slugs, m.Project) && !slices.Contains(stray, m.Project) {
			stray = append(stray, m.Project)
		}
	}
	if len(stray) > 0 {
		d.add("code_mappings", statusWarn, "BSYNC_CODE_MAPPINGS names project(s) a sync does not work on: %s", strings.Join(stray, ", "))
	}
	doctorMappings(ctx, gc, cfg, d, slugs)
	if cfg.Assign == "off" {
		d.add("gitea_codeowners", statusOK, "BSYNC_ASSIGN=off: new issues get no assignees")
		return
	}
	doctorCodeOwners(ctx, gc, d, repo)
}

// doctorMappings shows, per project, the code mappings its frames are
// linked through: the explicit ones and those it earned (with one frame
// each linked), or that it has none yet.
func doctorMappings(ctx context.Context, gc *gitea.Client, cfg *config, d *doctorData, slugs []string) {
	x := codeindex.New(gc, codeindex.Options{})
	store, err := syncstate.Open(cfg.RedisURL.reveal())
	if err == nil {
		defer store.Close()
		if err = store.Ping(ctx); err == nil {
			x.Remember(store, false)
		}
	}
	for _, slug := range slugs {
		var parts []string
		for _, m := range cfg.CodeMappings {
			if m.Project == slug {
				parts = append(parts, "explicit "+codeindex.DescribeMapping(m))
			}
		}
		learned, lerr := x.Mappings(ctx, slug)
		for _, l := range learned {
			parts = append(parts, "earned "+l.Describe())
		}
		switch {
		case err != nil || lerr != nil:
			d.add("code_mappings", statusWarn, "project %s: the mappings it earned cannot be read (%v)", slug, errors.Join(err, lerr))
		case len(parts) == 0:
			d.add("code_mappings", statusOK, "project %s: no code mapping yet; one is earned when a frame's path ends in exactly one file of the repository by two or more path segments, or set BSYNC_CODE_MAPPINGS", slug)
		default:
			d.add("code_mappings", statusOK, "project %s: %s", slug, strings.Join(parts, "; "))
		}
	}
}

func doctorCodeOwners(ctx context.Context, gc *gitea.Client, d *doctorData, repo *gitea.Repository) {
	co, err := codeindex.New(gc, codeindex.Options{Assign: true}).CodeOwnersFile(ctx)
	switch {
	case err != nil:
		d.add("gitea_codeowners", statusWarn, "cannot read CODEOWNERS (%v): new issues get no assignees", err)
		return
	case co == nil:
		d.add("gitea_codeowners", statusWarn, "%s has no CODEOWNERS (%s on %s): new issues get no assignees",
			repo.FullName, strings.Join(codeindex.CodeOwnersPaths, ", "), repo.DefaultBranch)
		return
	}
	status, msg := statusOK, fmt.Sprintf("%s on %s: %d rule(s)", co.Path, repo.DefaultBranch, co.Rules())
	if len(co.Warnings) > 0 {
		status, msg = statusWarn, msg+"; skipped as Gitea does: "+strings.Join(co.Warnings, "; ")
	}
	d.add("gitea_codeowners", status, "%s", msg)
	users, err := gc.Assignees(ctx)
	if err != nil {
		d.add("gitea_assignees", statusWarn, "cannot list who can be assigned (%v): new issues get no assignees", err)
		return
	}
	can := map[string]bool{}
	for _, u := range users {
		can[strings.ToLower(u.Login)] = true
	}
	var teams, others []string
	for _, o := range co.AllOwners() {
		switch {
		case strings.Contains(o, "/"):
			teams = append(teams, o)
		case !can[strings.ToLower(o)]:
			others = append(others, o)
		}
	}
	if len(teams)+len(others) == 0 {
		d.add("gitea_assignees", statusOK, "every owner CODEOWNERS names can be assigned")
		return
	}
	var parts []string
	if len(others) > 0 {
		parts = append(parts, "users who cannot be assigned in "+repo.FullName+" (no write access, or no such user): "+strings.Join(others, ", "))
	}
	if len(teams) > 0 {
		parts = append(parts, "teams (Gitea assigns users only): "+strings.Join(teams, ", "))
	}
	d.add("gitea_assignees", statusWarn, "CODEOWNERS names %s; they are left out of assignees", strings.Join(parts, "; "))
}
