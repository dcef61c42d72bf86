#!/usr/bin/env bash
# The test command: formatting, vet, and every test with the race detector
# (unit, client, engine and command tests, end-to-end tests on the built
# binary, and the fuzz seed corpus). Tests that need Redis start their own
# redis-server on a free loopback port and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -count=1 "$@" ./...
# The crash test: 100 SIGKILLs of the real binary, then exactly-once checks.
go test -tags crash -count=1 -run '^TestCrash$' .
