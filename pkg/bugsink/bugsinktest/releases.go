package bugsinktest

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// How a release comes to be, as Bugsink 2.5 makes it: the digest of an
// event calls releases/models.py create_release_if_needed with the
// payload's release (events/models.py: str(data.get("release", ""))[:250],
// so an event that names none makes the release ""), and a release is
// made once, dated at that first event. A new release other than ""
// turns every "resolved by next release" issue of the project into
// "fixed at" it; "" never does (the check there is version != "").

// noteRelease records that an event of project pid naming version was
// digested at at, making the release when it is new, and reports whether
// it was. The caller holds s.mu.
func (s *Server) noteRelease(pid int, version string, at time.Time) bool {
	key := releaseKey(pid, version)
	if _, ok := s.releasedAt[key]; ok {
		return false
	}
	if s.releasedAt == nil {
		s.releasedAt = map[string]time.Time{}
	}
	s.releasedAt[key] = at.UTC()
	if version == "" {
		return true // listed, but no release line: s.releases keeps versions only
	}
	if s.releases == nil {
		s.releases = map[int][]string{}
	}
	s.releases[pid] = append(s.releases[pid], version)
	for _, other := range s.issues {
		if other.Project == pid && other.IsResolvedByNext {
			other.fixedAt = append(other.fixedAt, version)
			other.IsResolvedByNext = false
		}
	}
	return true
}

// payloadRelease is the release an event payload names, as Bugsink reads
// it: a string as it is, a number as its text, cut to 250 characters;
// "" when there is none.
func payloadRelease(data json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	raw, ok := m["release"]
	if !ok {
		return ""
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		v = string(raw)
		if v == "null" {
			v = "None" // Python's str(None)
		}
	}
	r := []rune(v)
	return string(r[:min(len(r), 250)])
}

// releaseVersions is the versions project pid lists: those named by
// events, and "" once an event named none.
func (s *Server) releaseVersions(pid int) []string {
	out := slices.Clone(s.releases[pid])
	if _, ok := s.releasedAt[releaseKey(pid, "")]; ok {
		out = append(out, "")
	}
	return out
}

func releaseKey(project int, version string) string { return strconv.Itoa(project) + "\x00" + version }
