package peertest

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Differences are the deliberate differences between a fake and its real
// server, as the fake's package comment lists them: one list item each,
// "  - name: why". A contract test leaves a difference out of a comparison
// (or skips a case) only by a name on that list.
type Differences struct {
	doc string
}

// ReadDifferences reads the package comment of the Go package in dir (a
// contract test passes ".", its own package: the fake's).
func ReadDifferences(tb testing.TB, dir string) *Differences {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("peertest: no Go files in %s (%v)", dir, err)
	}
	d := &Differences{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			tb.Fatalf("peertest: read the package comment of %s: %v", name, err)
		}
		if f.Doc != nil {
			d.doc += f.Doc.Text()
		}
	}
	return d
}

// has reports whether the package comment lists name.
func (d *Differences) has(name string) bool {
	return regexp.MustCompile(`(?m)^\s*- ` + regexp.QuoteMeta(name) + `:`).MatchString(d.doc)
}

// listed fails the test unless the package comment lists name.
func (d *Differences) listed(tb testing.TB, name string) {
	tb.Helper()
	if !d.has(name) {
		tb.Fatalf("deliberate difference %q is not listed in the fake's package comment", name)
	}
}

// Ignore leaves paths (and everything under them) out of a comparison,
// under the listed deliberate difference name.
func (d *Differences) Ignore(tb testing.TB, name string, paths ...string) Option {
	tb.Helper()
	d.listed(tb, name)
	return ignore(name, paths...)
}

// Subset lets the fake's answer lack fields the real server's has, under
// the listed deliberate difference name; the fields it serves must still
// have the real types.
func (d *Differences) Subset(tb testing.TB, name string) Option {
	tb.Helper()
	d.listed(tb, name)
	return subsetOf(name)
}

// Skip skips the test (or subtest) under the listed deliberate difference
// name.
func (d *Differences) Skip(tb testing.TB, name string) {
	tb.Helper()
	d.listed(tb, name)
	tb.Skipf("deliberate difference %q (listed in the fake's package comment)", name)
}
