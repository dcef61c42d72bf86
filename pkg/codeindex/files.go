package codeindex

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Files is the set of file paths of one revision, with their sizes,
// indexed by file name for suffix matching.
type Files struct {
	size     map[string]int64
	symlinks map[string]bool       // symbolic links: in the revision, never linked
	byBase   map[string][][]string // file name → the paths with it, split
}

// NewFiles indexes the file paths of a tree; sizes, when given, are the
// files' sizes in bytes in the same order (an unknown size is -1).
func NewFiles(paths []string, sizes []int64) *Files {
	f := &Files{size: make(map[string]int64, len(paths)), byBase: map[string][][]string{}}
	for i, p := range paths {
		if _, dup := f.size[p]; dup || !validRepoPath(p) {
			continue
		}
		f.size[p] = -1
		if i < len(sizes) {
			f.size[p] = sizes[i]
		}
		segs := strings.Split(p, "/")
		base := segs[len(segs)-1]
		f.byBase[base] = append(f.byBase[base], segs)
	}
	return f
}

// Len is the number of files.
func (f *Files) Len() int { return len(f.size) }

// Has reports whether path is a file of the revision.
func (f *Files) Has(path string) bool { _, ok := f.size[path]; return ok }

// Through returns the repository file a frame path names through a
// mapping whose stack prefix it starts with: the source prefix followed
// by the rest of the frame path. It is "" when the path does not start
// with the prefix or the file is not in the revision: a mapping decides
// alone, nothing else is tried.
func (f *Files) Through(framePath string, m Mapping) string {
	repoPath := m.repoPath(framePath)
	if !f.Has(repoPath) {
		return ""
	}
	return repoPath
}

// isSymlinkThrough reports whether a frame path names a symbolic link of
// the revision through m: code runs through it, but a link is not linked.
func (f *Files) isSymlinkThrough(framePath string, m Mapping) bool {
	p := m.repoPath(framePath)
	return p != "" && f.symlinks[p]
}

// withSymlinks records the revision's symbolic links.
func (f *Files) withSymlinks(paths []string) *Files {
	f.symlinks = make(map[string]bool, len(paths))
	for _, p := range paths {
		f.symlinks[p] = true
	}
	return f
}

// repoPath is the repository path a frame path names through m ("" when
// it does not start with the stack prefix or climbs out of it).
func (m Mapping) repoPath(framePath string) string {
	p, ok := normPath(framePath)
	if !ok || !hasPathPrefix(p, m.StackPrefix) {
		return ""
	}
	rest := p[len(normPrefix(m.StackPrefix)):]
	var segs []string
	for _, seg := range strings.Split(rest, "/") {
		switch seg {
		case "", ".":
		case "..":
			return ""
		default:
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return ""
	}
	return m.SourcePrefix + strings.Join(segs, "/")
}

// MinSuffixSegments is how many trailing path segments a frame path must
// share with exactly one repository file to suggest a code mapping: a
// file name alone ("tasks.py", "__init__.py") says nothing of where the
// code lives.
const MinSuffixSegments = 2

// suggest returns the mapping a frame path suggests: the one file of
// the revision sharing the most trailing path segments with it, at least
// MinSuffixSegments, turned into "stack prefix → source prefix" (the
// frame's path and the file's without the shared part). ok is false when
// no file shares that many or two share the most (nothing is guessed).
func (f *Files) suggest(framePath string) (m Mapping, file string, ok bool) {
	p, valid := normPath(framePath)
	segs := frameSegments(p)
	if !valid || len(segs) < MinSuffixSegments {
		return Mapping{}, "", false
	}
	best, ties, bestPath := 0, 0, []string(nil)
	for _, cand := range f.byBase[segs[len(segs)-1]] {
		switch k := commonTail(segs, cand); {
		case k > best:
			best, ties, bestPath = k, 1, cand
		case k == best:
			ties++
		}
	}
	if best < MinSuffixSegments || ties != 1 {
		return Mapping{}, "", false
	}
	tail := strings.Join(bestPath[len(bestPath)-best:], "/")
	if p != tail && !strings.HasSuffix(p, "/"+tail) {
		return Mapping{}, "", false // "." or ".." inside the shared part: not a plain prefix
	}
	file = strings.Join(bestPath, "/")
	return Mapping{StackPrefix: p[:len(p)-len(tail)], SourcePrefix: file[:len(file)-len(tail)]}, file, true
}

func commonTail(a, b []string) int {
	k := 0
	for k < len(a) && k < len(b) && a[len(a)-1-k] == b[len(b)-1-k] {
		k++
	}
	return k
}

// normPath makes a frame's path comparable with a stack prefix:
// backslashes become slashes (a Windows path matches as written) and a
// query or fragment is cut. ok is false for a path bsync never links (not
// UTF-8, control characters).
func normPath(p string) (string, bool) {
	if p == "" || !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return "", false
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return p, p != ""
}

// normPrefix is a stack prefix as normPath leaves a frame path.
func normPrefix(prefix string) string { return strings.ReplaceAll(prefix, `\`, "/") }

// hasPathPrefix reports whether a normalised frame path starts with a
// stack prefix; a Windows path (a drive letter) compares without case, as
// Windows does. A prefix ends at a path segment: "/srv/api" is the folder
// /srv/api (or a file of that name), never /srv/api2.
func hasPathPrefix(p, prefix string) bool {
	prefix = normPrefix(prefix)
	if len(p) < len(prefix) {
		return false
	}
	if n := len(prefix); n > 0 && prefix[n-1] != '/' && len(p) > n && p[n] != '/' {
		return false
	}
	if hasDrive(p) {
		return strings.EqualFold(p[:len(prefix)], prefix)
	}
	return strings.HasPrefix(p, prefix)
}

func hasDrive(p string) bool {
	return len(p) >= 3 && p[1] == ':' && p[2] == '/' && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z'
}

// frameSegments reduces a frame's file name or URL to its path segments:
// no scheme or host ("https://host/", "webpack://name/", "app:///"), no
// drive letter, and no ".", ".." or "~" segments.
func frameSegments(p string) []string {
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = ""
		}
	}
	if hasDrive(p) {
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

// libraryMarks are the folders of interpreters and package managers: a
// frame in one is never the application's code, whatever the SDK's in_app
// says (sentry-python 1.x marks the standard library in-app when the app
// runs from /usr/lib).
var libraryMarks = []string{"/site-packages/", "/dist-packages/", "/node_modules/", "/.venv/", "/vendor/bundle/"}

// remoteModules are the schemes and hosts of Deno's built-in, registry
// and CDN modules: code fetched by URL is never the repository's.
var remoteModules = []string{"ext:", "jsr:", "npm:", "https://deno.land/", "https://jsr.io/", "https://esm.sh/"}

// reWindowsPython is the standard library of a Windows Python install
// (C:\Python312\Lib, …\Programs\Python\Python312\Lib), lower case.
var reWindowsPython = regexp.MustCompile(`^[a-z]:/(.*/)?python[23][0-9]*/lib/`)

// IsLibraryPath reports whether a frame path lies in an interpreter's or
// a package manager's folder: /usr/lib/python3*, /usr/local/lib/python3*,
// site-packages, dist-packages, node_modules, or a Node.js built-in
// ("node:internal/…"), or any "lib/python3.x" or "lib64/python3.x"
// folder (a virtualenv's or pyenv's interpreter, Fedora's standard
// library), a Windows install's Lib folder, or a Deno module fetched by
// URL or built in.
func IsLibraryPath(path string) bool {
	p := strings.ToLower(strings.ReplaceAll(path, `\`, "/"))
	if strings.HasPrefix(p, "node:") || strings.HasPrefix(p, "<frozen ") || reWindowsPython.MatchString(p) {
		return true
	}
	for _, r := range remoteModules {
		if strings.HasPrefix(p, r) {
			return true
		}
	}
	for _, m := range libraryMarks {
		if strings.Contains(p, m) || strings.HasPrefix(p, m[1:]) {
			return true
		}
	}
	for _, dir := range []string{"/usr/lib/python", "/usr/local/lib/python"} {
		if strings.HasPrefix(p, dir) {
			return true
		}
	}
	for _, dir := range []string{"/lib/python3.", "/lib/python2.", "/lib64/python3.", "/lib64/python2."} {
		if strings.Contains(p, dir) {
			return true
		}
	}
	return false
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
