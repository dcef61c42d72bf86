package codeindex

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// RefKind says what a link's revision is.
type RefKind int

// The kinds of revision a link can point at.
const (
	Branch RefKind = iota // the default branch: the release named none the repository has
	Tag                   // the tag the event's release names
	Commit                // the commit the event's release names
)

// Ref is the revision links point at.
type Ref struct {
	Kind RefKind
	Name string // branch or tag name, or the full commit id
	SHA  string // the commit it resolved to
}

func (r Ref) kindName() string {
	switch r.Kind {
	case Tag:
		return "tag"
	case Commit:
		return "commit"
	}
	return "branch"
}

// webPath is the ref's part of a Gitea web URL: src/tag/<tag> or
// src/commit/<sha> (routers/web/web.go). The default branch is linked at
// the commit it pointed to when the issue was written, so a line link
// keeps showing the line the frame named after the branch moves on.
func (r Ref) webPath() string {
	switch {
	case r.Kind == Tag:
		return "src/tag/" + escapeSegments(r.Name)
	case r.SHA != "":
		return "src/commit/" + url.PathEscape(r.SHA)
	}
	return "src/branch/" + escapeSegments(r.Name)
}

// MaxLine is the largest line number a link points at.
const MaxLine = 10_000_000

// FileURL is the web URL of a repository file at the ref and line (no
// anchor when line is not in 1..MaxLine). Every part comes from bsync's
// own knowledge: the repository's URL, the ref, a path of its tree and an
// integer.
func (r Ref) FileURL(repoURL, path string, line int) string {
	u := strings.TrimRight(repoURL, "/") + "/" + r.webPath() + "/" + escapeSegments(path)
	if line > 0 && line <= MaxLine {
		u += "#L" + strconv.Itoa(line)
	}
	return u
}

// RefURL is the web page of the ref: the tree at the tag or commit.
func (r Ref) RefURL(repoURL string) string {
	return strings.TrimRight(repoURL, "/") + "/" + r.webPath()
}

// escapeSegments escapes each segment of a slash-separated path, which
// escapes every character a Markdown link could end on ("(", ")", "<",
// ">", space) as well.
func escapeSegments(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

var reCommitish = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)

// releaseCandidates are the tag names a release can stand for, best
// first: the release as given, then the version of Sentry's
// "package@version" form, each also with its "v" added or dropped, and
// then the same without build metadata ("flyer-crawler@1.4.2+b5" →
// "flyer-crawler@1.4.2+b5", "1.4.2+b5", "v1.4.2+b5", "flyer-crawler@1.4.2",
// "1.4.2", "v1.4.2").
func releaseCandidates(release string) []string {
	release = strings.TrimSpace(release)
	if release == "" || len(release) > 200 {
		return nil
	}
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	full := []string{release}
	if i := strings.IndexByte(release, '+'); i > 0 {
		full = append(full, release[:i])
	}
	for _, r := range full {
		bases := []string{r}
		if i := strings.LastIndex(r, "@"); i > 0 && i < len(r)-1 {
			bases = append(bases, r[i+1:])
		}
		for _, b := range bases {
			add(b)
			if len(b) > 1 && b[0] == 'v' && isDigit(b[1]) {
				add(b[1:])
			} else if isDigit(b[0]) {
				add("v" + b)
			}
		}
	}
	return out
}

// commitCandidate is the release's commit id, if it looks like one (7 to
// 40 hex digits, as given or after "package@").
func commitCandidate(release string) string {
	for _, c := range releaseCandidates(release) {
		if reCommitish.MatchString(c) {
			return strings.ToLower(c)
		}
	}
	return ""
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// ReleaseRefs are the refs a release can stand for in the repository,
// best first: the tag names of releaseCandidates, among them a commit id
// when the release is one. Empty for an empty release or one over 200
// characters.
func ReleaseRefs(release string) []string { return releaseCandidates(release) }
