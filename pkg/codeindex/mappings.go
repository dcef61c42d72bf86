// Package codeindex finds where a stack frame lives in the Gitea
// repository that receives the issues, at which revision to link it, and
// who owns it by the repository's CODEOWNERS. It reads the repository
// once per run and ref (tree, tags, CODEOWNERS, assignees) and answers
// every issue of the run from that.
package codeindex

import (
	"fmt"
	"regexp"
	"strings"
)

// Mapping is an explicit code mapping of one project, as Sentry's code
// mappings: a frame path that starts with StackPrefix lives in the
// repository at SourcePrefix followed by the rest of the frame path.
type Mapping struct {
	Project      string
	StackPrefix  string
	SourcePrefix string
}

var reMappingSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ParseMappings reads BSYNC_CODE_MAPPINGS: "slug:stack-prefix=source-prefix"
// entries separated by ';'. The stack prefix is matched as written, up to a
// path segment ("/srv/app" is the folder, with or without its slash); the
// source prefix is a repository directory ("" or "." for its root).
func ParseMappings(s string) ([]Mapping, error) {
	var out []Mapping
	for _, entry := range strings.Split(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		slug, rest, ok := strings.Cut(entry, ":")
		if !ok || !reMappingSlug.MatchString(strings.TrimSpace(slug)) {
			return nil, fmt.Errorf("entry %q: want slug:stack-prefix=source-prefix", entry)
		}
		i := strings.LastIndex(rest, "=")
		if i < 0 {
			return nil, fmt.Errorf("entry %q: want slug:stack-prefix=source-prefix", entry)
		}
		stack, source := strings.TrimSpace(rest[:i]), strings.TrimSpace(rest[i+1:])
		if stack == "" {
			return nil, fmt.Errorf("entry %q: the stack prefix is empty", entry)
		}
		src, ok := cleanRepoDir(source)
		if !ok {
			return nil, fmt.Errorf("entry %q: the source prefix must be a directory inside the repository", entry)
		}
		out = append(out, Mapping{Project: strings.TrimSpace(slug), StackPrefix: stack, SourcePrefix: src})
	}
	return out, nil
}

// cleanRepoDir turns a repository directory as a person writes it ("src/",
// "./src", "/", ".") into "" or "dir/"; ".." is refused.
func cleanRepoDir(s string) (string, bool) {
	var segs []string
	for _, seg := range strings.Split(strings.ReplaceAll(s, `\`, "/"), "/") {
		switch seg {
		case "", ".":
		case "..":
			return "", false
		default:
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return "", true
	}
	return strings.Join(segs, "/") + "/", true
}
