package syncer

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// The engine's shape (docs/development.md): small types that own their
// state. No type in the package has more than maxMethods methods, and no
// type with methods has more than maxFields fields; the options, the
// report and the data the JSON shows (every field tagged) are data, not
// parts.
const (
	maxMethods = 25
	maxFields  = 12
)

func TestTypesStaySmall(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]int{}
	fields := map[string]int{}
	data := map[string]bool{"Options": true, "Report": true}
	for _, de := range entries {
		name := de.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		countDecls(f, methods, fields, data)
	}
	if len(methods) == 0 {
		t.Fatal("no methods found: the check reads nothing")
	}
	for typ, n := range methods {
		if n > maxMethods {
			t.Errorf("%s has %d methods (at most %d)", typ, n, maxMethods)
		}
		if fields[typ] > maxFields && !data[typ] {
			t.Errorf("%s has %d fields and methods (at most %d fields)", typ, fields[typ], maxFields)
		}
	}
}

// countDecls adds f's methods per receiver type and fields per struct
// type; a struct whose every field carries a tag is data (JSON).
func countDecls(f *ast.File, methods, fields map[string]int, data map[string]bool) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) == 1 {
				methods[receiverType(d.Recv.List[0].Type)]++
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				n, tagged := 0, true
				for _, fl := range st.Fields.List {
					n += max(1, len(fl.Names))
					tagged = tagged && fl.Tag != nil
				}
				fields[ts.Name.Name] = n
				if tagged && n > 0 {
					data[ts.Name.Name] = true
				}
			}
		}
	}
}

func receiverType(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.StarExpr:
		return receiverType(x.X)
	case *ast.IndexExpr:
		return receiverType(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}
