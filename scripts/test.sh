#!/usr/bin/env bash
# The test command: formatting, vet, staticcheck, deadcode, function length,
# actionlint, the systemd units, and every test with the race detector (unit, client, engine
# and command tests, end-to-end tests on the built binary, the fuzz seed
# corpus), then the tests against a real Gitea and a real Bugsink
# (scripts/test-real.sh), then the crash test. Tests that need Redis start their own
# redis-server on a free loopback port and stop it. Missing tools are
# installed (pinned versions) with go install, redis-server with apt.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh

# Linters, pinned to versions that build with the Go in go.mod.
gobin=$(go env GOBIN)
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"
tool() { # tool NAME MODULE/PATH@VERSION
  if ! command -v "$1" >/dev/null 2>&1 || ! go version -m "$(command -v "$1")" | grep -q "${2##*@}"; then
    echo "installing $2" >&2
    go install "$2"
  fi
}
tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
tool deadcode golang.org/x/tools/cmd/deadcode@v0.52.0
tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

unformatted=$(gofmt -l $(find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
staticcheck ./...
# Every function is reachable from main or a test. Nothing is allowed to be
# listed today; a deliberate safety net (e.g. a redacting String method that
# nothing calls) would be named here, with why, and filtered out.
dead=$(deadcode -test ./...)
if [ -n "$dead" ]; then
  echo "deadcode: unreachable functions:" >&2
  echo "$dead" >&2
  exit 1
fi
# No non-test function over 60 lines.
go run ./scripts/funclen -max 60 .
actionlint scripts/gitea-actions/*.yml
# systemd checks the units, with the binary the unit names built in place.
if command -v systemd-analyze >/dev/null 2>&1; then
  units=$(mktemp -d)
  trap 'rm -rf "$units"' EXIT
  go build -o "$units/bsync" .
  sed "s#/usr/local/bin/bsync#$units/bsync#" scripts/systemd/bsync.service >"$units/bsync.service"
  cp scripts/systemd/bsync.timer "$units/"
  systemd-analyze verify "$units/bsync.service" "$units/bsync.timer"
fi
# The real-server tests (TestReal…) run next, with their servers, in scripts/test-real.sh.
go test -race -count=1 -skip '^TestReal' "$@" ./...
# The real-server tests: the bundled Gitea and Bugsink (or yours), see scripts/test-real.sh.
scripts/test-real.sh
# The crash test: 100 SIGKILLs of the real binary, then exactly-once checks.
go test -tags crash -count=1 -run '^TestCrash$' .
