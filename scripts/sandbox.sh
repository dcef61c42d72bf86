#!/usr/bin/env bash
# Runs bsync against a local sandbox: a fake Bugsink seeded with realistic
# errors, a fake Gitea and a throwaway redis-server, all on loopback.
# Pass -keep to leave the sandbox running and print its environment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh
exec go run ./scripts/sandbox "$@"
