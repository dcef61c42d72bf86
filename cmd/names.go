package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Names bsync does not know. A variable a letter or two away from one it
// knows (BUGSINK_SYNC_ENABLE) is a typo that would silently leave a
// setting at its default, e.g. the sync off: it is named beside the right
// name. Other programs' GITEA_* and REDIS_* variables are left alone
// unless they are that close.

// maxTypo is how many letters (inserted, deleted, changed or swapped) make
// a name a typo of another.
const maxTypo = 2

// nameFindings are the unknown names of one configuration: errors (typos
// of a name bsync reads, in the env file or under bsync's own prefixes in
// the environment) and warnings (the rest worth naming).
type nameFindings struct {
	errors   []string
	warnings []string
}

// otherPrograms are the prefixes other programs share with bsync's names.
var otherPrograms = []string{"GITEA_", "REDIS_"}

// checkNames looks at the env file's keys (file, read from path) and the
// environment's names for names bsync does not read.
func checkNames(file map[string]string, path string, environ []string) nameFindings {
	var f nameFindings
	keys := make([]string, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch near := nearestSetting(k); {
		case near == k:
		case near != "":
			f.errors = append(f.errors, fmt.Sprintf("%s in %s is not a bsync variable: did you mean %s?", k, path, near))
		case !hasPrefix(k, otherPrograms):
			f.warnings = append(f.warnings, fmt.Sprintf("%s in %s is not a bsync variable; it is ignored", k, path))
		}
	}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		near := nearestSetting(k)
		if near == "" || near == k {
			continue
		}
		msg := fmt.Sprintf("the environment sets %s, which bsync does not read: did you mean %s?", k, near)
		if hasPrefix(k, otherPrograms) {
			f.warnings = append(f.warnings, msg)
		} else {
			f.errors = append(f.errors, msg)
		}
	}
	return f
}

func hasPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

// nearestSetting returns name itself when bsync reads it, the setting it
// is a typo of, or "".
func nearestSetting(name string) string {
	best, bestD := "", maxTypo+1
	for i := range settings {
		env := settings[i].env
		if env == name {
			return name
		}
		if d := typoDistance(name, env); d < bestD {
			best, bestD = env, d
		}
	}
	return best
}

// typoDistance is the optimal string alignment distance of a and b
// (insertions, deletions, changes, swaps of neighbours), capped above
// maxTypo.
func typoDistance(a, b string) int {
	if d := len(a) - len(b); d > maxTypo || -d > maxTypo {
		return maxTypo + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// configOrigin says where the configuration came from when nothing was
// read: no env file, and no variable of bsync's in the environment. It is
// "" when something was read.
func configOrigin(file map[string]string, path string, named bool, lookup func(string) (string, bool), flags map[string]string) string {
	if file != nil || len(flags) > 0 {
		return ""
	}
	for i := range settings {
		if _, ok := lookup(settings[i].env); ok {
			return ""
		}
	}
	where := path
	if !filepath.IsAbs(path) {
		if wd, err := os.Getwd(); err == nil {
			where = filepath.Join(wd, path)
		}
	}
	if named {
		return fmt.Sprintf("no configuration was read: %s is empty and the environment sets no bsync variable", where)
	}
	return fmt.Sprintf("no configuration was read: there is no %s and the environment sets no bsync variable; name the env file with --env-file (e.g. --env-file /etc/bsync/bsync.env)", where)
}
