package codeindex

import (
	"fmt"
	"regexp"
	"strings"
)

// CodeOwnersPaths are where Gitea looks for a CODEOWNERS file on the
// default branch, in order; the first one present is used
// (services/issue/pull.go).
var CodeOwnersPaths = []string{"CODEOWNERS", "docs/CODEOWNERS", ".gitea/CODEOWNERS"}

// CodeOwners is a parsed CODEOWNERS file, read with Gitea's rules
// (models/issues/pull.go GetCodeOwnersFromContent, ParseCodeOwnersLine,
// TokenizeCodeOwnersLine, checked against Gitea 1.25's source):
//   - a line is split on spaces and tabs; a backslash takes the next
//     character as it is; an unescaped '#' ends the line;
//   - a line with fewer than two tokens is skipped with a warning;
//   - the first token is a Go regular expression anchored at both ends
//     ("^" + pattern + "$"); a leading '!' makes the rule negative, and
//     a negative rule applies to every path its pattern does NOT match;
//   - the other tokens are owners, a leading '@' dropped: a user, or an
//     "org/team" (a token with one slash);
//   - a path's owners are those of EVERY rule that applies to it, in file
//     order (Gitea collects them all: no rule overrides another; this is
//     not GitHub's "last match wins").
//
// Gitea drops owners that are not users or teams of the server; bsync
// cannot tell them apart here and leaves that to the assignee check.
type CodeOwners struct {
	Path     string // where it was found
	rules    []ownerRule
	Warnings []string
}

type ownerRule struct {
	re       *regexp.Regexp
	negative bool
	owners   []string
}

// ParseCodeOwners reads a CODEOWNERS file's content.
func ParseCodeOwners(path, content string) *CodeOwners {
	co := &CodeOwners{Path: path}
	for i, line := range strings.Split(content, "\n") {
		tokens := tokenizeOwnersLine(line)
		if len(tokens) == 0 {
			continue
		}
		if len(tokens) < 2 {
			co.Warnings = append(co.Warnings, fmt.Sprintf("line %d: incorrect format", i+1))
			continue
		}
		neg := strings.HasPrefix(tokens[0], "!")
		re, err := regexp.Compile("^" + strings.TrimPrefix(tokens[0], "!") + "$")
		if err != nil {
			co.Warnings = append(co.Warnings, fmt.Sprintf("line %d: incorrect codeowner regexp: %v", i+1, err))
			continue
		}
		r := ownerRule{re: re, negative: neg}
		for _, o := range tokens[1:] {
			o = strings.TrimPrefix(o, "@")
			if strings.Count(o, "/") > 1 || o == "" || strings.HasPrefix(o, "/") || strings.HasSuffix(o, "/") {
				co.Warnings = append(co.Warnings, fmt.Sprintf("line %d: incorrect codeowner group: %s", i+1, o))
				continue
			}
			r.owners = append(r.owners, o)
		}
		if len(r.owners) == 0 {
			co.Warnings = append(co.Warnings, fmt.Sprintf("line %d: no users/groups matched", i+1))
			continue
		}
		co.rules = append(co.rules, r)
	}
	return co
}

// tokenizeOwnersLine splits a line as Gitea's TokenizeCodeOwnersLine does.
func tokenizeOwnersLine(line string) []string {
	line = strings.ReplaceAll(strings.TrimSpace(line), "\t", " ")
	var tokens []string
	var tok strings.Builder
	escape := false
scan:
	for _, c := range line {
		switch {
		case escape:
			tok.WriteRune(c)
			escape = false
		case c == '\\':
			escape = true
		case c == '#':
			break scan
		case c == ' ':
			if tok.Len() > 0 {
				tokens = append(tokens, tok.String())
				tok.Reset()
			}
		default:
			tok.WriteRune(c)
		}
	}
	if tok.Len() > 0 {
		tokens = append(tokens, tok.String())
	}
	return tokens
}

// Rules is the number of rules read.
func (co *CodeOwners) Rules() int { return len(co.rules) }

// Owners returns the owners of a repository path (no leading slash, as
// Gitea matches changed files): those of every rule that applies, in file
// order, each once (compared case-insensitively, as Gitea's logins are).
func (co *CodeOwners) Owners(path string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range co.rules {
		if r.re.MatchString(path) == r.negative {
			continue
		}
		for _, o := range r.owners {
			if k := strings.ToLower(o); !seen[k] {
				seen[k] = true
				out = append(out, o)
			}
		}
	}
	return out
}

// AllOwners lists every owner the file names, in file order, each once.
func (co *CodeOwners) AllOwners() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range co.rules {
		for _, o := range r.owners {
			if k := strings.ToLower(o); !seen[k] {
				seen[k] = true
				out = append(out, o)
			}
		}
	}
	return out
}
