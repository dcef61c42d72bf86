package main

import (
	"fmt"
	"os"
	"testing"
)

// nopTB lets the benchmark use redistest helpers outside a test.
type nopTB struct{ testing.TB }

func (nopTB) Helper()                   {}
func (nopTB) Cleanup(func())            {}
func (nopTB) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }
