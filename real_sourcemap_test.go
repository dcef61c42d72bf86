package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/peertest"
)

// bundleDir holds the minified bundle the recorded node*-request-minified
// events were thrown in, its source map and the original source.
const bundleDir = "scripts/record-events/bundle"

// bundleDebugID is the debug id the bundle registers (and the recorded
// events name in debug_meta).
const bundleDebugID = "5d3f7b2a-9c1e-4f6a-8b0d-2e4c6a8f1b3d"

// sentryCLI returns the sentry-cli that scripts/test-real.sh installs
// (BSYNC_TEST_SENTRY_CLI), or skips the test (fails it under CI=true).
func sentryCLI(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("BSYNC_TEST_SENTRY_CLI")
	if bin == "" {
		msg := "sentry-cli not configured (BSYNC_TEST_SENTRY_CLI unset): run scripts/test-real.sh, which installs it"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// TestRealSourceMapsFromTheServer uploads the bundle's source map to the
// real Bugsink as users do (sentry-cli, through Bugsink's chunk-upload and
// artifact-bundle endpoints), ingests the recorded event thrown in that
// bundle, and checks that Bugsink's own stacktrace_md shows the original
// file, lines and functions, that the fake's port renders the same text
// from the same map, and that the Gitea issue bsync makes shows them.
func TestRealSourceMapsFromTheServer(t *testing.T) {
	cli := sentryCLI(t)
	t.Parallel()
	const proj = "flyer-crawler-frontend"
	b := peertest.BugsinkServer(t)
	p := newRealPair(t, b, proj)

	// The bundle as a build leaves it: the debug id comment Sentry's
	// bundler plugins append, and its map beside it.
	dist := t.TempDir()
	js := readFile(t, filepath.Join(bundleDir, "main.3f2a9c.js"))
	js = append(js, []byte("//# debugId="+bundleDebugID+"\n//# sourceMappingURL=main.3f2a9c.js.map\n")...)
	mapRaw := readFile(t, filepath.Join(bundleDir, "main.3f2a9c.js.map"))
	for name, b := range map[string][]byte{"main.3f2a9c.js": js, "main.3f2a9c.js.map": mapRaw} {
		if err := os.WriteFile(filepath.Join(dist, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	up := exec.Command(cli, "--url", b.URL, "--auth-token", b.Token, "sourcemaps", "upload",
		"--org", "bsync", "--project", p.projects[proj].Slug, dist)
	up.Env = append(os.Environ(), "SENTRY_NO_PROGRESS_BAR=1", "SENTRY_DISABLE_UPDATE_CHECK=true")
	if out, err := up.CombinedOutput(); err != nil {
		t.Fatalf("sentry-cli sourcemaps upload: %v\n%s", err, out)
	}

	var event recordedEvent
	for _, e := range recordedEvents(t) {
		if e.Name == "node11-request-minified" {
			event = e
		}
	}
	p.ingest(t, proj, event)
	is := p.issueOfType(t, proj, event.Type)
	data, md := p.latestEvent(t, is.ID)
	for _, want := range []string{
		"### src/cart.js:4 in `prices` [in-app]", "▶  4 |   return items.map(function (item) {",
		"### src/cart.js:10 in `cartPrices` [in-app]", "### src/cart.js:15 in `renderCart` [in-app]",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Bugsink's stacktrace_md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "no sourcemap") || strings.Contains(md, "main.3f2a9c.js") {
		t.Errorf("Bugsink's stacktrace_md still shows the minified frames:\n%s", md)
	}

	sm, err := bugsinktest.ParseSourceMap(mapRaw)
	if err != nil {
		t.Fatal(err)
	}
	port := bugsinktest.StacktraceMarkdown(data, bugsinktest.Title(is.Type, is.Value), map[string]bugsinktest.SourceMap{bundleDebugID: sm})
	if port != md {
		t.Errorf("the fake's port renders another stacktrace_md than Bugsink\n--- port ---\n%s\n--- bugsink ---\n%s", port, md)
	}

	p.sync(t)
	gi := p.giteaIssueOf(t, is.ID)
	for _, want := range []string{"src/cart.js", "prices", "cartPrices", "renderCart", "return items.map(function (item) {"} {
		if !strings.Contains(gi.Body, want) {
			t.Errorf("gitea #%d lacks %q of the mapped trace:\n%s", gi.Number, want, gi.Body)
		}
	}
}
