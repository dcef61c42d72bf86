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

// panicTB lets the real-Gitea case use peertest's helpers: a failure
// panics, and account turns the panic into an error, so that the Gitea the
// benchmark started is still stopped.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                   {}
func (panicTB) Fatal(a ...any)            { panic(fmt.Sprint(a...)) }
func (panicTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
