#!/usr/bin/env bash
# Crash test: kills the real bsync binary with SIGKILL at random moments
# (CRASH_KILLS times, default 100) over a seeded data set (CRASH_SEED,
# default 1) against the fakes with latency and a real redis-server, then
# checks exactly-once: one Gitea issue per wanted Bugsink issue, every
# mapping valid, no reservation left behind.
#   scripts/crashtest.sh
#   CRASH_KILLS=300 CRASH_SEED=7 scripts/crashtest.sh
#   CRASH_WINDOW_MS=600 scripts/crashtest.sh   (kill within 600 ms rather than 150 ms: runs get further)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh || exit 1
go test -tags crash -count=1 -run '^TestCrash$' -v .
