package codeindex

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"bsync/pkg/gitea"
)

// Source is the Gitea repository an index reads (a *gitea.Client).
type Source interface {
	Repository(ctx context.Context) (*gitea.Repository, error)
	Tree(ctx context.Context, ref string) (*gitea.Tree, error)
	Tags(ctx context.Context, maxPages int) ([]gitea.Tag, error)
	CommitSHA(ctx context.Context, sha string) (string, error)
	RawFile(ctx context.Context, ref, path string) ([]byte, error)
	Assignees(ctx context.Context) ([]gitea.User, error)
}

// maxTagPages bounds the tag listing (5,000 tags at Gitea's default page).
const maxTagPages = 100

// Options configure an index.
type Options struct {
	Mappings []Mapping // explicit code mappings, of every project
	Assign   bool      // read CODEOWNERS and the assignees
}

// Index answers, for the events of one run, where their frames live and
// who owns them. Each ref's tree, the tags, the CODEOWNERS file and the
// assignees are read at most once per index, on first need; an index
// lives for one run. It is safe for concurrent use.
type Index struct {
	src Source
	opt Options

	repo      lazy[*gitea.Repository]
	tags      lazy[[]gitea.Tag]
	owners    lazy[*CodeOwners]
	assignees lazy[map[string]string] // lower-case login → login

	mu       sync.Mutex
	releases map[string]*lazy[Ref]
	trees    map[string]*lazy[*Files] // by commit id
	notes    []string
	noted    map[string]bool
	projects map[string]*projectStats
}

type projectStats struct{ inApp, found, ambiguous int }

// New returns an index over src. It reads nothing yet.
func New(src Source, opt Options) *Index {
	return &Index{src: src, opt: opt, releases: map[string]*lazy[Ref]{}, trees: map[string]*lazy[*Files]{},
		noted: map[string]bool{}, projects: map[string]*projectStats{}}
}

// lazy computes a value once, on first need.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(f func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = f() })
	return l.v, l.err
}

// note records a run-level note once.
func (x *Index) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.noted[s] {
		x.noted[s] = true
		x.notes = append(x.notes, s)
	}
}

// Frame is what the index needs of a stack frame. Paths are the frame's
// file names to try, in order (abs_path, then filename).
type Frame struct {
	Paths []string
	Line  int
	InApp bool
}

// Link is where a frame lives: a repository path and line, and the web
// URL of both at the located ref. Path is "" when the frame was not found.
type Link struct {
	Path string
	Line int
	URL  string
}

// Located is what the index knows of one event.
type Located struct {
	RepoURL  string
	FullName string // owner/repo
	Ref      Ref
	// FromRelease says the ref is the event's release (a tag or commit of
	// the repository); otherwise it is the default branch.
	FromRelease bool
	// Links holds one entry per frame given, in their order.
	Links []Link
	// Owners are the assignable owners (CODEOWNERS) of the first in-app
	// frame found; empty when assigning is off or nobody applies.
	Owners []string
}

// Found is the number of frames linked.
func (l *Located) Found() int {
	n := 0
	for _, k := range l.Links {
		if k.Path != "" {
			n++
		}
	}
	return n
}

// Locate finds an event's frames in the repository at the revision its
// release names (else the default branch). Frames are given innermost
// first; the owners are those of the first in-app frame found. It returns
// nil when the repository cannot be read this run (the reason is a note).
func (x *Index) Locate(ctx context.Context, project, release string, frames []Frame) *Located {
	repo, err := x.repo.get(func() (*gitea.Repository, error) { return x.src.Repository(ctx) })
	switch {
	case gitea.IsRepoNotFound(err) || gitea.IsUnauthorized(err):
		return nil // the run fails on it at its first write, and says so there
	case err != nil || repo.HTMLURL == "" || repo.DefaultBranch == "":
		x.note("code links are off this run: the repository could not be read (%v)", errOr(err, "it names no web URL or default branch"))
		return nil
	}
	ref, err := x.releaseRef(ctx, repo, release)
	if err != nil {
		x.note("code links are off this run: %v", err)
		return nil
	}
	files, err := x.tree(ctx, ref)
	if err != nil {
		x.note("code links at %s are off this run: %v", ref.Name, err)
		return nil
	}
	loc := &Located{RepoURL: repo.HTMLURL, FullName: repo.FullName, Ref: ref, FromRelease: ref.Kind != Branch,
		Links: make([]Link, len(frames))}
	maps := x.projectMappings(project)
	st := x.stats(project)
	for i, f := range frames {
		if !f.InApp {
			continue
		}
		path, m := findAny(files, f.Paths, maps)
		x.count(st, m)
		if m != Found {
			continue
		}
		line := f.Line
		if line < 0 || line > MaxLine {
			line = 0
		}
		loc.Links[i] = Link{Path: path, Line: line, URL: ref.FileURL(repo.HTMLURL, path, line)}
		if loc.Owners == nil && x.opt.Assign {
			loc.Owners = x.assignable(ctx, repo, path)
		}
	}
	return loc
}

// findAny tries a frame's paths in order: the first found wins; several
// files fitting one of them equally is ambiguous unless another is found.
func findAny(files *Files, paths []string, maps []Mapping) (string, Match) {
	res := NotFound
	for _, p := range paths {
		if p == "" {
			continue
		}
		path, m := files.Find(p, maps)
		if m == Found {
			return path, Found
		}
		if m == Ambiguous {
			res = Ambiguous
		}
	}
	return "", res
}

func errOr(err error, text string) any {
	if err != nil {
		return err
	}
	return text
}

func (x *Index) projectMappings(project string) []Mapping {
	var out []Mapping
	for _, m := range x.opt.Mappings {
		if m.Project == project {
			out = append(out, m)
		}
	}
	return out
}

func (x *Index) stats(project string) *projectStats {
	x.mu.Lock()
	defer x.mu.Unlock()
	st := x.projects[project]
	if st == nil {
		st = &projectStats{}
		x.projects[project] = st
	}
	return st
}

func (x *Index) count(st *projectStats, m Match) {
	x.mu.Lock()
	defer x.mu.Unlock()
	st.inApp++
	switch m {
	case Found:
		st.found++
	case Ambiguous:
		st.ambiguous++
	}
}

// releaseRef resolves a release to a tag, a commit, or the default branch
// (once per release and run).
func (x *Index) releaseRef(ctx context.Context, repo *gitea.Repository, release string) (Ref, error) {
	x.mu.Lock()
	l := x.releases[release]
	if l == nil {
		l = &lazy[Ref]{}
		x.releases[release] = l
	}
	x.mu.Unlock()
	return l.get(func() (Ref, error) { return x.resolveRelease(ctx, repo, release) })
}

func (x *Index) resolveRelease(ctx context.Context, repo *gitea.Repository, release string) (Ref, error) {
	if cands := releaseCandidates(release); len(cands) > 0 {
		tags, err := x.tags.get(func() ([]gitea.Tag, error) { return x.src.Tags(ctx, maxTagPages) })
		if err != nil {
			x.note("the repository's tags could not be read, so frames are linked at the default branch: %v", err)
		}
		for _, c := range cands {
			for _, t := range tags {
				if t.Name == c && t.Commit.SHA != "" {
					return Ref{Kind: Tag, Name: t.Name, SHA: t.Commit.SHA}, nil
				}
			}
		}
		if c := commitCandidate(release); c != "" {
			sha, err := x.src.CommitSHA(ctx, c)
			switch {
			case err == nil:
				return Ref{Kind: Commit, Name: sha, SHA: sha}, nil
			case !errors.Is(err, gitea.ErrRefNotFound):
				x.note("a release's commit could not be looked up, so its frames are linked at the default branch: %v", err)
			}
		}
		x.note("release %s names no tag or commit of %s: its frames are linked at the default branch %s",
			quote(release), repo.FullName, repo.DefaultBranch)
	}
	t, err := x.src.Tree(ctx, repo.DefaultBranch)
	if errors.Is(err, gitea.ErrRefNotFound) {
		return Ref{}, fmt.Errorf("%s has no commit on its default branch %s", repo.FullName, repo.DefaultBranch)
	}
	if err != nil {
		return Ref{}, fmt.Errorf("the default branch %s could not be read: %w", repo.DefaultBranch, err)
	}
	x.storeTree(t)
	return Ref{Kind: Branch, Name: repo.DefaultBranch, SHA: t.SHA}, nil
}

// quote shows a release in a note: cut short, on one line, in quotes. The
// notes go to the run report and the log, never into Gitea.
func quote(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "…"
	}
	return fmt.Sprintf("%q", s)
}

// storeTree keeps a tree read while resolving a ref.
func (x *Index) storeTree(t *gitea.Tree) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.trees[t.SHA] == nil {
		l := &lazy[*Files]{}
		l.get(func() (*Files, error) { return NewFiles(t.Files), nil })
		x.trees[t.SHA] = l
	}
}

// tree returns the files of a ref's commit, read once per run.
func (x *Index) tree(ctx context.Context, ref Ref) (*Files, error) {
	x.mu.Lock()
	l := x.trees[ref.SHA]
	if l == nil {
		l = &lazy[*Files]{}
		x.trees[ref.SHA] = l
	}
	x.mu.Unlock()
	return l.get(func() (*Files, error) {
		t, err := x.src.Tree(ctx, ref.SHA)
		if err != nil {
			return nil, err
		}
		return NewFiles(t.Files), nil
	})
}
