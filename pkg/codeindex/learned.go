package codeindex

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"bsync/pkg/gitea"
)

// Learned is a code mapping a project earned in the repository: the
// frames of one of its events ended in exactly one repository file each
// by at least MinSuffixSegments path segments, all through the same
// "stack prefix → source prefix", and every frame of that event under the
// stack prefix was a file of the repository there. It is remembered (per
// project and repository) so that one odd event cannot move it: a later
// event that suggests another source prefix for the same stack prefix is
// not heard while this one is trusted.
type Learned struct {
	StackPrefix  string `json:"stack_prefix"`
	SourcePrefix string `json:"source_prefix"`
	// Example is one frame path linked through it, and ExampleFile the
	// repository file it was linked to (shown by doctor).
	Example     string `json:"example"`
	ExampleFile string `json:"example_file"`
	// Hits counts frames linked through it; Misses frames under its stack
	// prefix whose file was shorter than the frame's line, and events with
	// a frame whose file was missing through it but ended in exactly one
	// other repository file (at most one such miss per event). It is
	// trusted while Misses ≤ Hits.
	Hits   int       `json:"hits"`
	Misses int       `json:"misses"`
	Since  time.Time `json:"since"`
}

// Trusted reports whether frames are linked through the mapping.
func (l Learned) Trusted() bool { return l.Misses <= l.Hits }

func (l Learned) mapping() Mapping {
	return Mapping{StackPrefix: l.StackPrefix, SourcePrefix: l.SourcePrefix}
}

// MappingStore remembers the mappings each project earned in a
// repository (syncstate.Store in Redis).
type MappingStore interface {
	LearnedMappings(ctx context.Context, repo, project string) ([]Learned, error)
	SaveLearnedMappings(ctx context.Context, repo, project string, ms []Learned) error
}

// Remember makes the index read the mappings projects earned from s and,
// when write is set, keep what it learns there. Without it an index
// learns for the run only.
func (x *Index) Remember(s MappingStore, write bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.store, x.writeStore = s, write
}

// projectMaps is what the index knows of one project's earned mappings.
type projectMaps struct {
	loaded bool
	noSave bool // the store could not be read: nothing is written over it
	list   []Learned
	dirty  bool
	// charged holds the stack prefixes a frame of the event being linked
	// already counted against because its file lay elsewhere.
	charged map[string]bool
}

// learnedFor returns the project's earned mappings, read from the store
// on first need. The caller holds x.learnMu.
func (x *Index) learnedFor(ctx context.Context, repo, project string) *projectMaps {
	pm := x.learned[project]
	if pm == nil {
		pm = &projectMaps{}
		x.learned[project] = pm
	}
	if pm.loaded {
		return pm
	}
	pm.loaded = true
	x.mu.Lock()
	store := x.store
	x.mu.Unlock()
	if store == nil {
		return pm
	}
	list, err := store.LearnedMappings(ctx, repo, project)
	if err != nil {
		pm.noSave = true
		x.note("project %s: the code mappings it earned could not be read (%v): it learns for this run only", project, err)
		return pm
	}
	pm.list = list
	return pm
}

// saveLearned writes a project's earned mappings back when they changed.
// The caller holds x.learnMu.
func (x *Index) saveLearned(ctx context.Context, repo, project string, pm *projectMaps) {
	x.mu.Lock()
	store, write := x.store, x.writeStore
	x.mu.Unlock()
	if !pm.dirty || store == nil || !write || pm.noSave {
		return
	}
	pm.dirty = false
	if err := store.SaveLearnedMappings(ctx, repo, project, pm.list); err != nil {
		x.note("project %s: the code mappings it earned could not be saved (%v)", project, err)
	}
}

// covering returns the index of the trusted earned mapping with the
// longest stack prefix a frame path starts with (-1: none).
func (pm *projectMaps) covering(path string) int {
	p, ok := normPath(path)
	best := -1
	for i, l := range pm.list {
		if ok && l.Trusted() && hasPathPrefix(p, l.StackPrefix) &&
			(best < 0 || len(l.StackPrefix) > len(pm.list[best].StackPrefix)) {
			best = i
		}
	}
	return best
}

// learn adds the mappings an event's frames agree on (see Learned) for
// frames no mapping covers yet. paths are the frames' paths, lines their
// lines. A mapping that lost trust gives way to a new one for its prefix.
func (x *Index) learn(pm *projectMaps, files *Files, paths []string, lines []int, now time.Time) {
	sources := map[string]string{} // stack prefix → source prefix; "\x00" when the frames disagree
	for _, p := range paths {
		i := pm.covering(p)
		if i >= 0 && files.Through(p, pm.list[i].mapping()) != "" {
			continue
		}
		if m, _, ok := files.suggest(p); ok && (i < 0 || longerPrefix(m.StackPrefix, pm.list[i].StackPrefix)) {
			if s, seen := sources[m.StackPrefix]; seen && s != m.SourcePrefix {
				sources[m.StackPrefix] = "\x00"
			} else {
				sources[m.StackPrefix] = m.SourcePrefix
			}
		}
	}
	prefixes := make([]string, 0, len(sources))
	for s := range sources {
		prefixes = append(prefixes, s)
	}
	sort.Strings(prefixes)
	for _, stack := range prefixes {
		m := Mapping{StackPrefix: stack, SourcePrefix: sources[stack]}
		if m.SourcePrefix == "\x00" || !consistent(files, m, paths, lines, pm) {
			continue
		}
		pm.list = slices.DeleteFunc(pm.list, func(l Learned) bool { return l.StackPrefix == stack })
		pm.list = append(pm.list, Learned{StackPrefix: stack, SourcePrefix: m.SourcePrefix, Since: now})
		pm.dirty = true
	}
}

// consistent reports whether every frame under m's stack prefix that no
// trusted mapping with a prefix as long covers is a file of the revision
// through m, at a line its size can hold (m would take over the frames of
// a shorter mapping).
func consistent(files *Files, m Mapping, paths []string, lines []int, pm *projectMaps) bool {
	n := 0
	for i, p := range paths {
		if q, ok := normPath(p); !ok || !hasPathPrefix(q, m.StackPrefix) {
			continue
		}
		if c := pm.covering(p); c >= 0 && !longerPrefix(m.StackPrefix, pm.list[c].StackPrefix) {
			continue
		}
		if files.isSymlinkThrough(p, m) {
			continue // in the revision, but never linked
		}
		file := files.Through(p, m)
		if file == "" || !files.mayHoldLine(file, lines[i]) {
			return false
		}
		n++
	}
	return n > 0
}

// longerPrefix reports whether stack prefix a is longer than b: a frame
// that a shorter earned mapping covers but cannot resolve ("" covers every
// path) may still earn a longer one, which then covers it.
func longerPrefix(a, b string) bool { return len(normPrefix(a)) > len(normPrefix(b)) }

// DescribeMapping shows a mapping for doctor: stack prefix → source
// prefix.
func DescribeMapping(m Mapping) string {
	src := m.SourcePrefix
	if src == "" {
		src = "(the repository's root)"
	}
	return quote(m.StackPrefix) + " → " + src
}

// Describe shows an earned mapping for doctor, with one frame it linked.
func (l Learned) Describe() string {
	s := DescribeMapping(l.mapping())
	if l.Example != "" {
		s += ", e.g. " + quote(l.Example) + " → " + l.ExampleFile
	}
	if !l.Trusted() {
		s += fmt.Sprintf(" (not trusted: %d frame(s) missed, %d linked)", l.Misses, l.Hits)
	}
	return s
}

// Mappings returns the mappings a project earned in the repository: those
// remembered, with what this run learned.
func (x *Index) Mappings(ctx context.Context, project string) ([]Learned, error) {
	repo, err := x.repo.get(func() (*gitea.Repository, error) { return x.src.Repository(ctx) })
	if err != nil {
		return nil, err
	}
	x.learnMu.Lock()
	defer x.learnMu.Unlock()
	return slices.Clone(x.learnedFor(ctx, repo.FullName, project).list), nil
}
