// Command bsync turns every unresolved error in a Bugsink error tracker into
// a Gitea issue. See the README for configuration and operation.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"bsync/cmd"
)

// version and commit may be set at build time:
// go build -ldflags "-X main.version=1.2.3 -X main.commit=abc123"
// Left empty, bsync reports what the Go toolchain recorded (module version,
// VCS revision).
var (
	version string
	commit  string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Main(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr, version, commit)
	stop()
	os.Exit(code)
}
