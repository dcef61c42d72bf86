#!/usr/bin/env bash
# Benchmark: the real binary against the fakes with 5 ms per API call and a
# real redis-server: first syncs of 100, 1,000 and 10,000 issues, the no-op
# full passes and `bsync status` over 100,000 mappings; then the incremental
# no-op pass and one with 15 changes over 100,000 issues in 6 projects, a
# first sync of 1,000 at 20 ms per Gitea call, and the peak memory of a full
# pass over 1,000,000 listed issues. Takes about five minutes.
# Optionally (-real-gitea N, off by default) a first sync of N issues against
# the real Gitea 1.25.4 started from the peers folder (-peers, or
# BSYNC_PEERS_DIR, or ../shared/peers), the Bugsink side still the fake,
# beside a bare client replaying the same issues at 1, 4 and 8 connections,
# with each process's CPU, Gitea's busy cores beside every wall, and bsync's
# Gitea requests and Redis round trips per issue; about ten minutes on a
# quiet machine.
#   scripts/bench.sh
#   scripts/bench.sh -sizes 1000 -concurrency 1,2,4,8
#   scripts/bench.sh -sizes "" -status-mappings 0          # the last four only
#   scripts/bench.sh -sizes "" -status-mappings 0 -rss 0 -history 0 -env BSYNC_BUGSINK_CONCURRENCY=4
#   scripts/bench.sh -sizes "" -status-mappings 0 -history 0 -rss 0 -gitea-bound 0 -real-gitea 250
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh
exec go run ./scripts/bench "$@"
