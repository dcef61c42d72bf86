package codeindex

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"bsync/pkg/gitea"
	"bsync/pkg/redact"
)

// Source is the Gitea repository an index reads (a *gitea.Client).
type Source interface {
	Repository(ctx context.Context) (*gitea.Repository, error)
	Tree(ctx context.Context, ref string, maxEntries int) (*gitea.Tree, error)
	TagSHA(ctx context.Context, name string) (string, error)
	BranchSHA(ctx context.Context, name string) (string, error)
	CommitSHA(ctx context.Context, sha string) (string, error)
	RawFile(ctx context.Context, ref, path string) ([]byte, error)
	Assignees(ctx context.Context) ([]gitea.User, error)
}

// DefaultMaxTreeEntries is the largest tree (files and directories) a run
// reads: 250 pages of Gitea's default 1,000 entries.
const DefaultMaxTreeEntries = 250_000

// Options configure an index.
type Options struct {
	Mappings []Mapping // explicit code mappings, of every project
	Assign   bool      // read CODEOWNERS and the assignees
	// MaxTreeEntries bounds the tree a run reads (0: DefaultMaxTreeEntries);
	// a larger revision links nothing, and the run says so once.
	MaxTreeEntries int
	Now            func() time.Time // when a mapping is earned (time.Now)
}

// Index answers, for the events of one run, where their frames live and
// who owns them. Each revision's tree, each release's ref, the CODEOWNERS
// file and the assignees are read at most once per index, on first need;
// an index lives for one run. It is safe for concurrent use.
type Index struct {
	src Source
	opt Options

	repo      lazy[*gitea.Repository]
	branch    lazy[Ref]
	owners    lazy[*CodeOwners]
	assignees lazy[map[string]string] // lower-case login → login

	mu         sync.Mutex
	releases   map[string]*lazy[Ref]
	trees      map[string]*lazy[*Files] // by commit id
	lines      map[string]*lazy[int]    // by commit id and path
	notes      []string
	noted      map[string]bool
	projects   map[string]*projectStats
	store      MappingStore
	writeStore bool

	learnMu sync.Mutex // held while a project's earned mappings are read or changed
	learned map[string]*projectMaps
}

// projectStats counts a project's frames over the run, for the hint when
// none was linked.
type projectStats struct {
	eligible, linked, unmapped int
	example                    string // a frame path no mapping covered
	// suggestedBy is a frame path no mapping covered that suggested
	// suggested; blockedBy a frame of its event under that stack prefix
	// that is not a file there (why nothing was earned).
	suggested              Mapping
	suggestedBy, blockedBy string
}

// New returns an index over src. It reads nothing yet.
func New(src Source, opt Options) *Index {
	if opt.MaxTreeEntries <= 0 {
		opt.MaxTreeEntries = DefaultMaxTreeEntries
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Index{src: src, opt: opt, releases: map[string]*lazy[Ref]{}, trees: map[string]*lazy[*Files]{},
		lines: map[string]*lazy[int]{}, noted: map[string]bool{}, projects: map[string]*projectStats{},
		learned: map[string]*projectMaps{}}
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
// file names (abs_path, then filename): an explicit mapping may match
// either; an earned mapping is learned and matched on the first one given.
type Frame struct {
	Paths []string
	Line  int
	InApp bool
}

// primary is the path a frame is learned and matched by.
func (f Frame) primary() string {
	for _, p := range f.Paths {
		if p != "" {
			return p
		}
	}
	return ""
}

// eligible reports whether a frame may be linked at all: in-app by the
// SDK, and not in an interpreter's or package manager's folder.
func (f Frame) eligible() bool {
	if !f.InApp || f.primary() == "" {
		return false
	}
	for _, p := range f.Paths {
		if p != "" && IsLibraryPath(p) {
			return false
		}
	}
	return true
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
	// Owners are the assignable owners (CODEOWNERS) of the first frame
	// linked; empty when assigning is off, nothing was linked or nobody
	// applies.
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

// Locate links an event's frames to the repository at the revision its
// release names (else the default branch), each only through a code
// mapping of the project: an explicit one (BSYNC_CODE_MAPPINGS), which
// decides alone, or one the project earned (see Learned). Frames are
// given innermost first; the owners are those of the first frame linked.
// It returns nil when the repository cannot be read this run (the reason
// is a note).
func (x *Index) Locate(ctx context.Context, project, release string, frames []Frame) *Located {
	repo, ref, files := x.open(ctx, release)
	if files == nil {
		return nil
	}
	loc := &Located{RepoURL: repo.HTMLURL, FullName: repo.FullName, Ref: ref, FromRelease: ref.Kind != Branch,
		Links: make([]Link, len(frames))}
	x.learnMu.Lock()
	pm := x.learnedFor(ctx, repo.FullName, project)
	explicit := x.projectMappings(project)
	paths, lines := learnable(frames, explicit)
	x.learn(pm, files, paths, lines, x.opt.Now().UTC())
	pm.charged = map[string]bool{}
	st := x.stats(project)
	for i, f := range frames {
		if f.eligible() {
			loc.Links[i] = x.linkFrame(ctx, files, ref, repo.HTMLURL, f, explicit, pm, st)
		}
	}
	x.noteBlocker(st, files, paths, lines)
	x.saveLearned(ctx, repo.FullName, project, pm)
	x.learnMu.Unlock()
	for _, l := range loc.Links {
		if l.Path != "" && x.opt.Assign {
			loc.Owners = x.assignable(ctx, repo, l.Path)
			break
		}
	}
	return loc
}

// open reads what every event needs: the repository, the release's ref
// and that revision's files (nil when any cannot be read; the reason is a
// note).
func (x *Index) open(ctx context.Context, release string) (*gitea.Repository, Ref, *Files) {
	repo, err := x.repo.get(func() (*gitea.Repository, error) { return x.src.Repository(ctx) })
	switch {
	case gitea.IsRepoNotFound(err) || gitea.IsUnauthorized(err):
		return nil, Ref{}, nil // the run fails on it at its first write, and says so there
	case err != nil || repo.HTMLURL == "" || repo.DefaultBranch == "":
		x.note("code links are off this run: the repository could not be read (%v)", errOr(err, "it names no web URL or default branch"))
		return nil, Ref{}, nil
	}
	ref, err := x.releaseRef(ctx, repo, release)
	if err != nil {
		x.note("code links are off this run: %v", err)
		return nil, Ref{}, nil
	}
	files, err := x.tree(ctx, ref)
	if err != nil {
		x.note("code links at %s %s are off this run: %v", ref.kindName(), ref.Name, err)
		return nil, Ref{}, nil
	}
	return repo, ref, files
}

// linkFrame links one eligible frame through the mapping that covers it:
// the explicit one with the longest stack prefix, else the trusted earned
// one. A frame whose file is missing there is not linked; one whose file
// is shorter than its line is not linked either, and counts against an
// earned mapping (the file at that revision is not the code that ran).
func (x *Index) linkFrame(ctx context.Context, files *Files, ref Ref, repoURL string, f Frame,
	explicit []Mapping, pm *projectMaps, st *projectStats) Link {
	x.mu.Lock()
	st.eligible++
	x.mu.Unlock()
	if m, path, ok := longestExplicit(f.Paths, explicit); ok {
		file := files.Through(path, m)
		if file == "" || !x.holdsLine(ctx, files, ref, file, f.Line) {
			return Link{}
		}
		return x.linked(st, ref, repoURL, file, f.Line)
	}
	i := pm.covering(f.primary())
	if i < 0 {
		x.mu.Lock()
		st.unmapped++
		if st.example == "" {
			st.example = f.primary()
		}
		if m, _, ok := files.suggest(f.primary()); ok && st.suggestedBy == "" {
			st.suggested, st.suggestedBy = m, f.primary()
		}
		x.mu.Unlock()
		return Link{}
	}
	l := &pm.list[i]
	file := files.Through(f.primary(), l.mapping())
	if file == "" {
		// A file the repository does not hold (a build's output, say) is not
		// linked; one that ends in exactly one other file counts against the
		// mapping (the code moved, or the mapping was wrong).
		if files.isSymlinkThrough(f.primary(), l.mapping()) {
			return Link{}
		}
		if _, _, ok := files.suggest(f.primary()); ok && !pm.charged[l.StackPrefix] {
			l.Misses++
			pm.dirty = true
			pm.charged[l.StackPrefix] = true // once per event: one odd event cannot untrust a mapping that linked
		}
		return Link{}
	}
	if !x.holdsLine(ctx, files, ref, file, f.Line) {
		l.Misses++
		pm.dirty = true
		return Link{}
	}
	l.Hits++
	if l.Example == "" {
		l.Example, l.ExampleFile = f.primary(), file
	}
	pm.dirty = true
	return x.linked(st, ref, repoURL, file, f.Line)
}

// noteBlocker finds, once per project and run, the frame of an event
// that kept the mapping its other frame suggested from being earned: one
// under the stack prefix that is not a file there, or is shorter than its
// line.
func (x *Index) noteBlocker(st *projectStats, files *Files, paths []string, lines []int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if st.suggestedBy == "" || st.blockedBy != "" || !slices.Contains(paths, st.suggestedBy) {
		return
	}
	for i, p := range paths {
		q, ok := normPath(p)
		if !ok || !hasPathPrefix(q, st.suggested.StackPrefix) || files.isSymlinkThrough(p, st.suggested) {
			continue
		}
		if file := files.Through(p, st.suggested); file == "" || !files.mayHoldLine(file, lines[i]) {
			st.blockedBy = p
			return
		}
	}
}

func (x *Index) linked(st *projectStats, ref Ref, repoURL, file string, line int) Link {
	x.mu.Lock()
	st.linked++
	x.mu.Unlock()
	if line < 0 || line > MaxLine {
		line = 0
	}
	return Link{Path: file, Line: line, URL: ref.FileURL(repoURL, file, line)}
}

// learnable returns the paths and lines of the eligible frames no
// explicit mapping covers: an explicit mapping says where its frames
// live, so they are no evidence for a mapping of their own.
func learnable(frames []Frame, explicit []Mapping) (paths []string, lines []int) {
	for _, f := range frames {
		if _, _, covered := longestExplicit(f.Paths, explicit); f.eligible() && !covered {
			paths, lines = append(paths, f.primary()), append(lines, f.Line)
		}
	}
	return paths, lines
}

// longestExplicit returns the explicit mapping with the longest stack
// prefix one of the frame's paths starts with, and that path.
func longestExplicit(paths []string, maps []Mapping) (Mapping, string, bool) {
	var best Mapping
	bestPath, found := "", false
	for _, path := range paths {
		p, ok := normPath(path)
		if !ok {
			continue
		}
		for _, m := range maps {
			if hasPathPrefix(p, m.StackPrefix) && (!found || len(normPrefix(m.StackPrefix)) > len(normPrefix(best.StackPrefix))) {
				best, bestPath, found = m, path, true
			}
		}
	}
	return best, bestPath, found
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

// dropJoiners removes zero-width joiners, which would split a token's
// shape so its secret reads through (the text drops those between
// ASCII characters; a note has no emoji or script to keep them for).
func dropJoiners(s string) string {
	return strings.NewReplacer("\u200c", "", "\u200d", "").Replace(s)
}

// quote shows event text or a release in a note: cut short, on one line,
// in quotes. The notes go to the run report and the log, never into Gitea.
func quote(s string) string {
	// A frame's path is the application's text: a credential in it is
	// redacted before it is cut, as in the issue.
	s = redact.Text(strings.Join(strings.Fields(strings.ToValidUTF8(dropJoiners(s), "?")), " "))
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "…"
	}
	return fmt.Sprintf("%q", s)
}
