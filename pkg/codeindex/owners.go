package codeindex

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"bsync/pkg/gitea"
)

// CodeOwnersFile reads the repository's CODEOWNERS where Gitea looks for
// it (CodeOwnersPaths on the default branch), once per run. It is nil,
// with no error, when the repository has none.
func (x *Index) CodeOwnersFile(ctx context.Context) (*CodeOwners, error) {
	return x.owners.get(func() (*CodeOwners, error) {
		repo, err := x.repo.get(func() (*gitea.Repository, error) { return x.src.Repository(ctx) })
		if err != nil {
			return nil, err
		}
		for _, p := range CodeOwnersPaths {
			b, err := x.src.RawFile(ctx, repo.DefaultBranch, p)
			if gitea.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			return ParseCodeOwners(p, string(b)), nil
		}
		return nil, nil
	})
}

// assignable returns the owners of a repository path whom Gitea will
// assign: users it lists as the repository's assignees (write access).
// Teams (Gitea assigns users only) and other names are left out, each
// with one note per run.
func (x *Index) assignable(ctx context.Context, repo *gitea.Repository, path string) []string {
	co, err := x.CodeOwnersFile(ctx)
	switch {
	case err != nil:
		x.note("issues are created without assignees this run: CODEOWNERS could not be read (%v)", err)
		return []string{}
	case co == nil:
		x.note("%s has no CODEOWNERS (%s on %s): issues are created without assignees",
			repo.FullName, strings.Join(CodeOwnersPaths, ", "), repo.DefaultBranch)
		return []string{}
	}
	for _, w := range co.Warnings {
		x.note("%s: %s (the rule is skipped, as Gitea does)", co.Path, w)
	}
	owners := co.Owners(path)
	if len(owners) == 0 {
		return []string{}
	}
	users, err := x.assignees.get(func() (map[string]string, error) {
		list, err := x.src.Assignees(ctx)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, u := range list {
			m[strings.ToLower(u.Login)] = u.Login
		}
		return m, nil
	})
	if err != nil {
		x.note("issues are created without assignees this run: the repository's assignees could not be read (%v)", err)
		return []string{}
	}
	out := []string{}
	for _, o := range owners {
		switch login, ok := users[strings.ToLower(o)]; {
		case ok:
			out = append(out, login)
		case strings.Contains(o, "/"):
			x.note("%s names the team %s: Gitea assigns users only, so it is left out of assignees", co.Path, quote(o))
		default:
			x.note("%s names %s, who cannot be assigned in %s (not a user with write access): left out of assignees",
				co.Path, quote(o), repo.FullName)
		}
	}
	return out
}

// Notes returns what the run should say once: refs it could not read,
// releases without a tag, CODEOWNERS problems, and projects none of whose
// in-app frames was linked.
func (x *Index) Notes() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := append([]string(nil), x.notes...)
	projects := make([]string, 0, len(x.projects))
	for p := range x.projects {
		projects = append(projects, p)
	}
	sort.Strings(projects)
	for _, p := range projects {
		if st := x.projects[p]; st.eligible > 0 && st.linked == 0 {
			out = append(out, nothingLinked(p, st))
		}
	}
	return out
}

// nothingLinked is the hint for a project none of whose frames was linked
// this run: an example frame path and the setting that maps it.
func nothingLinked(project string, st *projectStats) string {
	s := fmt.Sprintf("project %s: none of %d in-app frames was linked to a file of the repository, so its issues carry no code links", project, st.eligible)
	if st.example == "" {
		return s + " (their files are not in the repository there, or are shorter than the frames' lines)"
	}
	if st.suggestedBy != "" {
		why := "but its event's frames under that prefix do not all agree"
		if st.blockedBy != "" {
			why = fmt.Sprintf("but %s of the same event is not a file there (or is shorter than its line)", quote(st.blockedBy))
		}
		return s + fmt.Sprintf(" (%s suggests %s, %s, so no mapping was earned: such a frame is taken as a sign that the repository is not the project's code; if it is, set BSYNC_CODE_MAPPINGS=%s:%s=%s)",
			quote(st.suggestedBy), DescribeMapping(st.suggested), why, project, st.suggested.StackPrefix, st.suggested.SourcePrefix)
	}
	return s + fmt.Sprintf(" (no code mapping covers a frame such as %s yet: one is earned when a frame's path ends in exactly one file of the repository by %d or more path segments; if this repository is the project's source, set BSYNC_CODE_MAPPINGS=%s:<the frame's path up to the repository's part>=<that part's folder in the repository>, e.g. %s:/srv/app/=backend/)",
		quote(st.example), MinSuffixSegments, project, project)
}
