package codeindex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Files is the set of file paths of one revision, indexed by file name
// for suffix matching.
type Files struct {
	all    map[string]bool
	byBase map[string][][]string // file name → the paths with it, split
}

// NewFiles indexes the file paths of a tree.
func NewFiles(paths []string) *Files {
	f := &Files{all: make(map[string]bool, len(paths)), byBase: map[string][][]string{}}
	for _, p := range paths {
		if !validRepoPath(p) || f.all[p] {
			continue
		}
		f.all[p] = true
		segs := strings.Split(p, "/")
		base := segs[len(segs)-1]
		f.byBase[base] = append(f.byBase[base], segs)
	}
	return f
}

// Len is the number of files.
func (f *Files) Len() int { return len(f.all) }

// Has reports whether path is a file of the revision.
func (f *Files) Has(path string) bool { return f.all[path] }

// Match is what a frame path came to.
type Match int

// What a frame path came to.
const (
	NotFound  Match = iota // no file of the repository is it
	Found                  // one file is
	Ambiguous              // several files fit equally well: not guessed
)

// Find returns the repository file a frame path names. An explicit
// mapping whose stack prefix the path starts with decides alone (the
// longest such prefix): the mapped path is the file or nothing. Otherwise
// the file is the one sharing the longest run of trailing path segments
// with the frame, where the shared part is the whole of one of them (a
// repository path that ends the frame's, "/srv/app/src/a.ts" for
// "src/a.ts", or a frame path that ends the repository's, "a/b.ts" for
// "src/a/b.ts"). Two files tied at the longest are ambiguous.
func (f *Files) Find(framePath string, maps []Mapping) (string, Match) {
	raw := strings.ReplaceAll(framePath, `\`, "/")
	if !utf8.ValidString(raw) || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return "", NotFound
	}
	if m, ok := longestMapping(raw, maps); ok {
		p := m.SourcePrefix + strings.Join(frameSegments(strings.TrimPrefix(raw, m.StackPrefix)), "/")
		if f.all[p] {
			return p, Found
		}
		return "", NotFound
	}
	segs := frameSegments(raw)
	if len(segs) == 0 {
		return "", NotFound
	}
	best, ties, bestPath := 0, 0, ""
	for _, cand := range f.byBase[segs[len(segs)-1]] {
		k := commonTail(segs, cand)
		if k != len(cand) && k != len(segs) {
			continue
		}
		switch {
		case k > best:
			best, ties, bestPath = k, 1, strings.Join(cand, "/")
		case k == best:
			ties++
		}
	}
	switch {
	case ties == 0:
		return "", NotFound
	case ties > 1:
		return "", Ambiguous
	}
	return bestPath, Found
}

func longestMapping(raw string, maps []Mapping) (Mapping, bool) {
	var best Mapping
	found := false
	for _, m := range maps {
		if strings.HasPrefix(raw, m.StackPrefix) && (!found || len(m.StackPrefix) > len(best.StackPrefix)) {
			best, found = m, true
		}
	}
	return best, found
}

func commonTail(a, b []string) int {
	k := 0
	for k < len(a) && k < len(b) && a[len(a)-1-k] == b[len(b)-1-k] {
		k++
	}
	return k
}

// frameSegments reduces a frame's file name or URL to its path segments:
// no scheme or host ("https://host/", "webpack://name/", "app:///"), no
// query or fragment, no drive letter, and no ".", ".." or "~" segments
// (a relative path from a source map cannot be resolved, only matched by
// its tail).
func frameSegments(p string) []string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = ""
		}
	}
	if len(p) >= 2 && p[1] == ':' && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z' {
		p = p[2:]
	}
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".", "..", "~":
		default:
			out = append(out, seg)
		}
	}
	return out
}

// validRepoPath reports whether a tree path is one bsync links to:
// valid UTF-8 without control characters, no empty, "." or ".." segment.
func validRepoPath(p string) bool {
	if p == "" || !utf8.ValidString(p) || strings.IndexFunc(p, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}) >= 0 {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
