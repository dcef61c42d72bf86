package bugsinktest

import (
	"net/http"
	"strconv"
	"strings"
)

// find resolves an issue reference as issues/models.py issue_lookup_kwargs
// does: anything Python's uuid.UUID() accepts is an id, else SLUG-N with
// the slug matched case-insensitively. It returns "" for a reference that
// is neither ("Invalid issue identifier.") and nil for no such issue.
func (s *Server) find(ref string) (*issueState, string) {
	if id, ok := canonicalUUID(ref); ok {
		return s.issues[id], id
	}
	slug, n, ok := strings.Cut(reverse(ref), "-")
	if !ok {
		return nil, ""
	}
	order, err := strconv.Atoi(reverse(slug))
	if err != nil {
		return nil, ""
	}
	projectSlug := reverse(n)
	for _, p := range s.projects {
		if !strings.EqualFold(p.Slug, projectSlug) {
			continue
		}
		for _, id := range s.order {
			if is := s.issues[id]; is.Project == p.ID && is.DigestOrder == order {
				return is, ref
			}
		}
	}
	return nil, ref
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// canonicalUUID accepts the spellings Python's uuid.UUID() does (hex with
// or without hyphens, either case, in braces, with a urn:uuid: prefix) and
// returns the lowercase hyphenated form.
func canonicalUUID(ref string) (string, bool) {
	h := strings.TrimPrefix(strings.TrimPrefix(ref, "urn:"), "uuid:")
	h = strings.Trim(h, "{}")
	h = strings.ReplaceAll(h, "-", "")
	if len(h) != 32 {
		return "", false
	}
	h = strings.ToLower(h)
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}

// lookup finds the issue of a detail route; ok false has been answered.
func (s *Server) lookup(w http.ResponseWriter, ref string) (*issueState, bool) {
	is, key := s.find(ref)
	switch {
	case key == "":
		writeJSON(w, 400, []string{"Invalid issue identifier."})
	case is == nil:
		writeJSON(w, 404, detail("No Issue matches the given query."))
	default:
		return is, true
	}
	return nil, false
}
