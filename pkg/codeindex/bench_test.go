package codeindex

import (
	"fmt"
	"testing"
)

// bigTree is a repository of n files in 1,000 directories, every file name
// used in 100 of them (the worst case for matching by file name).
func bigTree(n int) []string {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = fmt.Sprintf("src/pkg%03d/sub/file%04d.ts", i%1000, i/1000)
	}
	return paths
}

// BenchmarkNewFiles indexes a 100,000-file tree (once per run and ref).
func BenchmarkNewFiles(b *testing.B) {
	paths := bigTree(100_000)
	for b.Loop() {
		NewFiles(paths, nil)
	}
}

// BenchmarkSuggest finds the file one frame path ends in, in a
// 100,000-file tree whose file name is shared by 100 files.
func BenchmarkSuggest(b *testing.B) {
	f := NewFiles(bigTree(100_000), nil)
	for b.Loop() {
		if _, _, ok := f.suggest("/srv/app/src/pkg123/sub/file0042.ts"); !ok {
			b.Fatal("not found")
		}
	}
}
