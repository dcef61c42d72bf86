package peertest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A shape is a JSON answer flattened into paths: every path that occurs
// ("results[].id", "detail", "[]" for a root array's elements) with the set
// of value types seen there, and the values in document order. Two answers
// of the same shape have the same keys at every depth, each holding the
// same types, whatever the values.
type shape struct {
	types  map[string]map[string]bool
	values map[string][]any
	paths  []string // in first-seen order
}

var (
	reUUID   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reDigits = regexp.MustCompile(`[0-9]+`)
)

// parseShape reads body as JSON, with base (the side's own server URL)
// replaced by BASE in every string; ok is false when the body is not JSON.
func parseShape(body []byte, base string) (*shape, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil || d.More() {
		return nil, false
	}
	s := &shape{types: map[string]map[string]bool{}, values: map[string][]any{}}
	s.walk("", rebase(v, base))
	return s, true
}

// rebase replaces base by BASE in every string of v, so that URLs built
// from each server's own address compare equal.
func rebase(v any, base string) any {
	switch x := v.(type) {
	case string:
		if base != "" {
			return strings.ReplaceAll(x, base, "BASE")
		}
		return x
	case []any:
		for i := range x {
			x[i] = rebase(x[i], base)
		}
	case map[string]any:
		for k := range x {
			x[k] = rebase(x[k], base)
		}
	}
	return v
}

func (s *shape) add(path, typ string, v any) {
	if s.types[path] == nil {
		s.types[path] = map[string]bool{}
		s.paths = append(s.paths, path)
	}
	s.types[path][typ] = true
	s.values[path] = append(s.values[path], v)
}

func (s *shape) walk(path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		s.add(path, "object", nil)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			s.walk(join(path, k), x[k])
		}
	case []any:
		s.add(path, "array", nil)
		for _, e := range x {
			s.walk(path+"[]", e)
		}
	default:
		s.add(path, typeOf(v), v)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeOf names a JSON scalar's type, strings by the form they take:
// uuid (lowercase, hyphenated), datetime (RFC 3339), url(…) (a link to the
// server itself shows its path, numbers as N, and its query's keys) or
// string; numbers are int or number.
func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return "int"
		}
		return "number"
	case string:
		return stringType(x)
	}
	return "?"
}

func stringType(s string) string {
	switch {
	case reUUID.MatchString(s):
		return "uuid"
	case strings.HasPrefix(s, "BASE"):
		return urlType(s)
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return "url(elsewhere)"
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return "datetime"
	}
	return "string"
}

// urlType describes a link to the server: its path with numbers as N and
// the keys of its query, sorted.
func urlType(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "url(unreadable)"
	}
	keys := []string{}
	for k := range u.Query() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := "url(" + reDigits.ReplaceAllString(u.Path, "N")
	if len(keys) > 0 {
		out += "?" + strings.Join(keys, ",")
	}
	return out + ")"
}

// typeSet is the types seen at a path, sorted and joined with |, or "-"
// for a path that does not occur.
func (s *shape) typeSet(path string) string {
	set := s.types[path]
	if len(set) == 0 {
		return "-"
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, "|")
}
