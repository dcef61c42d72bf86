// Command funclen lists the functions (and function literals) of non-test Go
// files below a folder that are longer than a limit, counted from the func
// keyword to the closing brace, and exits 1 when it lists any.
//
//	go run ./scripts/funclen -max 60 .
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	limit := flag.Int("max", 60, "the longest a function may be, in lines")
	flag.Parse()
	root := flag.Arg(0)
	if root == "" {
		root = "."
	}
	long, err := longFunctions(root, *limit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "funclen:", err)
		os.Exit(2)
	}
	for _, l := range long {
		fmt.Println(l)
	}
	if len(long) > 0 {
		fmt.Fprintf(os.Stderr, "funclen: %d function(s) over %d lines\n", len(long), *limit)
		os.Exit(1)
	}
}

// longFunctions returns "file:line name N lines" for each function over limit.
func longFunctions(root string, limit int) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			name := "func literal"
			switch x := n.(type) {
			case *ast.FuncDecl:
				if x.Body == nil {
					return true
				}
				name = x.Name.Name
			case *ast.FuncLit:
			default:
				return true
			}
			start, end := fset.Position(n.Pos()), fset.Position(n.End())
			if lines := end.Line - start.Line + 1; lines > limit {
				out = append(out, fmt.Sprintf("%s:%d %s %d lines", path, start.Line, name, lines))
			}
			return true
		})
		return nil
	})
	return out, err
}
