#!/usr/bin/env bash
# Benchmark: the real binary against the fakes with 5 ms per API call and a
# real redis-server: first syncs of 100, 1,000 and 10,000 issues, the no-op
# cases and `bsync status` over 100,000 mappings. Takes about two minutes.
#   scripts/bench.sh
#   scripts/bench.sh -sizes 1000 -concurrency 1,2,4,8
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh
exec go run ./scripts/bench "$@"
