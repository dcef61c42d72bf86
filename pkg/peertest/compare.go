package peertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Side is one server's answer to a request, with the server's base URL
// (replaced by BASE in the answer before it is compared).
type Side struct {
	Base string
	*Response
}

// Option adjusts what Compare holds equal.
type Option func(*options)

type options struct {
	values  []string          // paths whose values must be equal, in order
	exact   bool              // the whole body must be equal
	ignored map[string]string // path (and everything under it) → the deliberate difference's name
	subset  string            // non-empty: the fake may lack paths the real server has (the name)
	sorted  []sortSpec
	fits    []fitSpec
}

type sortSpec struct {
	path string
	desc bool
}

// Values makes the values at each path part of the contract: equal on both
// sides, in the same order (the ordering of a list, by a field that has
// the same value on both servers).
func Values(paths ...string) Option {
	return func(o *options) { o.values = append(o.values, paths...) }
}

// Exact makes the whole body part of the contract (error bodies the fake
// copies from the server): the same JSON value, or the same text.
func Exact() Option { return func(o *options) { o.exact = true } }

// Sorted checks that the values at path are in ascending (or descending)
// order on both sides, for lists whose members differ between the servers.
func Sorted(path string, desc bool) Option {
	return func(o *options) { o.sorted = append(o.sorted, sortSpec{path, desc}) }
}

// ignore leaves paths out of the comparison under a deliberate
// difference's name; Differences.Ignore is how tests reach it, so that
// every name is one the fake's package comment lists.
func ignore(name string, paths ...string) Option {
	return func(o *options) {
		if o.ignored == nil {
			o.ignored = map[string]string{}
		}
		for _, p := range paths {
			o.ignored[p] = name
		}
	}
}

// subsetOf lets the fake's answer lack paths the real one has (a fake that
// serves fewer fields), under a deliberate difference's name: every path
// the fake does serve must still have the real types.
func subsetOf(name string) Option { return func(o *options) { o.subset = name } }

// Compare fails the test when the fake's answer differs from the real
// one's, showing both answers side by side.
func Compare(tb testing.TB, what string, real, fake Side, opts ...Option) {
	tb.Helper()
	if d := Diff(real, fake, opts...); d != "" {
		tb.Errorf("%s: the fake differs from the real server\n%s", what, d)
	}
}

// Diff compares two answers: status, media type, and for JSON the paths
// with their types (plus the values and orderings asked for), otherwise
// the text. It returns "" when they agree, else what differs followed by
// both answers side by side.
func Diff(real, fake Side, opts ...Option) string {
	o := options{}
	for _, f := range opts {
		f(&o)
	}
	var out []string
	if real.Status != fake.Status {
		out = append(out, fmt.Sprintf("status: real %d, fake %d", real.Status, fake.Status))
	}
	if rm, fm := mediaType(real.ContentType), mediaType(fake.ContentType); rm != fm {
		out = append(out, fmt.Sprintf("content type: real %q, fake %q", rm, fm))
	}
	rs, rok := parseShape(real.Body, real.Base)
	fs, fok := parseShape(fake.Body, fake.Base)
	switch {
	case rok && fok:
		out = append(out, o.shapeDiff(rs, fs)...)
		out = append(out, o.valueDiff(rs, fs)...)
		for _, f := range o.fits {
			for _, m := range misfits(rs, f.path, f.typ) {
				out = append(out, "real does not fit bsync: "+m)
			}
			for _, m := range misfits(fs, f.path, f.typ) {
				out = append(out, "fake does not fit bsync: "+m)
			}
		}
	case rok != fok:
		out = append(out, fmt.Sprintf("body: real is JSON: %v, fake is JSON: %v", rok, fok))
	default:
		rt, ft := rebaseText(real), rebaseText(fake)
		if rt != ft {
			out = append(out, fmt.Sprintf("text: real %q, fake %q", clip(rt, 200), clip(ft, 200)))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "  " + strings.Join(out, "\n  ") + "\n" + sideBySide(real, fake)
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

func rebaseText(s Side) string {
	t := strings.TrimSpace(string(s.Body))
	if s.Base != "" {
		t = strings.ReplaceAll(t, s.Base, "BASE")
	}
	return t
}

// ignoredBy returns the name of the deliberate difference that covers
// path, or "".
func (o *options) ignoredBy(path string) string {
	for p, name := range o.ignored {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[]") {
			return name
		}
	}
	return ""
}

// shapeDiff lists the paths whose types differ, as a table.
func (o *options) shapeDiff(rs, fs *shape) []string {
	var rows [][3]string
	for _, p := range union(rs, fs) {
		if o.ignoredBy(p) != "" {
			continue
		}
		rt, ft := rs.typeSet(p), fs.typeSet(p)
		if rt == ft || (o.subset != "" && ft == "-") {
			continue
		}
		rows = append(rows, [3]string{orRoot(p), rt, ft})
	}
	if len(rows) == 0 {
		return nil
	}
	return []string{"shape:\n" + table([3]string{"path", "real", "fake"}, rows)}
}

// union is every path of either shape, the real one's first.
func union(rs, fs *shape) []string {
	paths := append([]string(nil), rs.paths...)
	for _, p := range fs.paths {
		if rs.types[p] == nil {
			paths = append(paths, p)
		}
	}
	return paths
}

func orRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// valueDiff checks the values and orderings asked for.
func (o *options) valueDiff(rs, fs *shape) []string {
	var out []string
	if o.exact {
		for _, p := range union(rs, fs) {
			if o.ignoredBy(p) == "" && !reflect.DeepEqual(rs.values[p], fs.values[p]) {
				out = append(out, fmt.Sprintf("value at %s:\n    real %s\n    fake %s", orRoot(p), show(rs.values[p]), show(fs.values[p])))
			}
		}
	}
	for _, p := range o.values {
		if o.ignoredBy(p) != "" {
			continue
		}
		if rv, fv := rs.values[p], fs.values[p]; !reflect.DeepEqual(rv, fv) {
			out = append(out, fmt.Sprintf("values at %s:\n    real %s\n    fake %s%s", p, show(rv), show(fv), where(rv, fv)))
		}
	}
	for _, sp := range o.sorted {
		for side, s := range map[string]*shape{"real": rs, "fake": fs} {
			if !isSorted(s.values[sp.path], sp.desc) {
				out = append(out, fmt.Sprintf("%s: values at %s are not sorted (desc=%v): %s", side, sp.path, sp.desc, show(s.values[sp.path])))
			}
		}
	}
	slices.Sort(out)
	return out
}

// where points at the first difference between two lists of values of
// the same length, within the first differing element (long texts).
func where(rv, fv []any) string {
	if len(rv) != len(fv) {
		return ""
	}
	for i := range rv {
		if reflect.DeepEqual(rv[i], fv[i]) {
			continue
		}
		a, b := fmt.Sprint(rv[i]), fmt.Sprint(fv[i])
		n := 0
		for n < len(a) && n < len(b) && a[n] == b[n] {
			n++
		}
		from := max(0, n-80)
		return fmt.Sprintf("\n    first difference: element %d, byte %d:\n      real …%q\n      fake …%q",
			i, n, a[from:min(len(a), n+120)], b[from:min(len(b), n+120)])
	}
	return ""
}

func isSorted(vs []any, desc bool) bool {
	for i := 1; i < len(vs); i++ {
		a, b := fmt.Sprint(vs[i-1]), fmt.Sprint(vs[i])
		if (!desc && a > b) || (desc && a < b) {
			return false
		}
	}
	return true
}

func show(vs []any) string {
	b, _ := json.Marshal(vs)
	return clip(string(b), 600)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func table(head [3]string, rows [][3]string) string {
	w := [3]int{}
	for _, r := range append([][3]string{head}, rows...) {
		for i, c := range r {
			w[i] = max(w[i], len(c))
		}
	}
	var b strings.Builder
	for _, r := range append([][3]string{head}, rows...) {
		fmt.Fprintf(&b, "    %-*s  %-*s  %s\n", w[0], r[0], w[1], r[1], r[2])
	}
	return strings.TrimRight(b.String(), "\n")
}

// sideBySide shows both answers in two columns: status, content type and
// the body (JSON indented), each clipped.
func sideBySide(real, fake Side) string {
	const width, height = 70, 60
	col := func(s Side) []string {
		lines := []string{fmt.Sprintf("%d %s", s.Status, s.ContentType)}
		body := s.Body
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			body = buf.Bytes()
		}
		text := string(body)
		if s.Base != "" {
			text = strings.ReplaceAll(text, s.Base, "BASE")
		}
		for _, l := range strings.Split(text, "\n") {
			for len(l) > width {
				lines = append(lines, l[:width])
				l = l[width:]
			}
			lines = append(lines, l)
		}
		if len(lines) > height {
			lines = append(lines[:height], fmt.Sprintf("… (%d more lines)", len(lines)-height))
		}
		return lines
	}
	l, r := col(real), col(fake)
	var b strings.Builder
	fmt.Fprintf(&b, "  %-*s | %s\n", width, "REAL", "FAKE")
	for i := 0; i < max(len(l), len(r)); i++ {
		var a, c string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			c = r[i]
		}
		fmt.Fprintf(&b, "  %-*s | %s\n", width, a, c)
	}
	return b.String()
}
