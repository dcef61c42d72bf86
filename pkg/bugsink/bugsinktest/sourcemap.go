package bugsinktest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ParseSourceMap reads a source map file (ECMA-426, version 3) into what
// the fake's stacktrace_md reads of it, as Bugsink's apply_sourcemaps does
// with the ecma426 package: every mapping of "mappings" decoded, and the
// lines of each "sourcesContent" split as Python's str.splitlines splits
// them. Index maps ("sections") are not supported.
func ParseSourceMap(raw []byte) (SourceMap, error) {
	var f struct {
		Version        int       `json:"version"`
		Sources        []string  `json:"sources"`
		SourcesContent []*string `json:"sourcesContent"`
		Names          []string  `json:"names"`
		Mappings       string    `json:"mappings"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return SourceMap{}, fmt.Errorf("read source map: %w", err)
	}
	if f.Version != 3 {
		return SourceMap{}, fmt.Errorf("read source map: version %d, want 3", f.Version)
	}
	sm := SourceMap{Sources: map[string][]string{}}
	for i, src := range f.Sources {
		if i < len(f.SourcesContent) && f.SourcesContent[i] != nil {
			sm.Sources[src] = splitLines(*f.SourcesContent[i])
		}
	}
	var st [5]int // generated column, source, line, column, name: each relative to the previous
	for genLine, line := range strings.Split(f.Mappings, ";") {
		st[0] = 0
		for _, seg := range strings.Split(line, ",") {
			if seg == "" {
				continue
			}
			fields, err := decodeVLQ(seg)
			if err != nil {
				return SourceMap{}, fmt.Errorf("read source map: line %d: %w", genLine+1, err)
			}
			for i, d := range fields {
				st[i] += d
			}
			if len(fields) < 4 {
				continue // a generated position without a source
			}
			if st[1] < 0 || st[1] >= len(f.Sources) || (len(fields) == 5 && (st[4] < 0 || st[4] >= len(f.Names))) {
				return SourceMap{}, fmt.Errorf("read source map: line %d: segment %q points outside sources or names", genLine+1, seg)
			}
			m := Mapping{GenLine: genLine, GenCol: st[0], Source: f.Sources[st[1]], Line: st[2], Col: st[3]}
			if len(fields) == 5 {
				m.Name = f.Names[st[4]]
			}
			sm.Mappings = append(sm.Mappings, m)
		}
	}
	return sm, nil
}

const base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// decodeVLQ decodes one segment's Base64 VLQ fields.
func decodeVLQ(seg string) ([]int, error) {
	var out []int
	v, shift := 0, 0
	for i := 0; i < len(seg); i++ {
		d := strings.IndexByte(base64Digits, seg[i])
		if d < 0 {
			return nil, fmt.Errorf("segment %q: %q is not a base64 digit", seg, seg[i])
		}
		v |= (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		n := v >> 1
		if v&1 == 1 {
			n = -n
		}
		out = append(out, n)
		v, shift = 0, 0
	}
	if shift != 0 {
		return nil, fmt.Errorf("segment %q ends inside a number", seg)
	}
	if len(out) != 1 && len(out) != 4 && len(out) != 5 {
		return nil, fmt.Errorf("segment %q has %d fields", seg, len(out))
	}
	return out, nil
}

// splitLines is Python's str.splitlines for the line ends source files
// use: no empty last line for a trailing line end.
func splitLines(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
