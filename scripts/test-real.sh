#!/usr/bin/env bash
# The real-server tests: bsync, its fakes and its end-to-end scenarios held to
# a real Gitea and a real Bugsink.
#
#   scripts/test-real.sh [go test flags]
#
# Servers: when BSYNC_TEST_GITEA_URL, BSYNC_TEST_GITEA_ADMIN_TOKEN,
# BSYNC_TEST_BUGSINK_URL and BSYNC_TEST_BUGSINK_TOKEN are all set, the tests
# use those servers (your own test instances: see the README). Otherwise the
# script starts the bundled Gitea 1.25.4 and Bugsink 2.5.0 from the peers
# folder (../shared/peers beside the checkout, or BSYNC_PEERS_DIR) in fresh
# state directories on free loopback ports, plus the same Bugsink under
# Django's development server, and stops them when done. With neither, it
# says so in one line and exits 0, or 1 under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${BSYNC_PEERS_DIR:-../shared/peers}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

given=0
for v in BSYNC_TEST_GITEA_URL BSYNC_TEST_GITEA_ADMIN_TOKEN BSYNC_TEST_BUGSINK_URL BSYNC_TEST_BUGSINK_TOKEN; do
  [ -n "${!v:-}" ] && given=$((given + 1))
done
if [ "$given" -ne 4 ] && [ "$given" -ne 0 ]; then
  echo "test-real: set all four of BSYNC_TEST_GITEA_URL, BSYNC_TEST_GITEA_ADMIN_TOKEN, BSYNC_TEST_BUGSINK_URL, BSYNC_TEST_BUGSINK_TOKEN, or none" >&2
  exit 2
fi

if [ "$given" -eq 0 ]; then
  if [ ! -x "$peers/start-gitea.sh" ] && [ ! -f "$peers/start-gitea.sh" ]; then
    echo "test-real: skipped: no real servers (no $peers/start-gitea.sh and no BSYNC_TEST_* variables)"
    [ "${CI:-}" = true ] && exit 1
    exit 0
  fi
  state=$(mktemp -d "${TMPDIR:-/tmp}/bsync-peers.XXXXXX")
  pids=()
  stop() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # gunicorn's workers and Gitea's children end with their parent; give them a moment.
    sleep 1
    rm -rf "$state"
  }
  trap stop EXIT
  gport=$(free_port); bport=$(free_port); dport=$(free_port)
  echo "test-real: starting Gitea on :$gport and Bugsink on :$bport (and its development server on :$dport)"
  genv=$(bash "$peers/start-gitea.sh" "$state/gitea" "$gport")
  pids+=("$(cat "$state/gitea/gitea.pid")")
  benv=$(bash "$peers/start-bugsink.sh" "$state/bugsink" "$bport")
  pids+=("$(cat "$state/bugsink/bugsink.pid")")
  # The development server shares the installation (its database), so it
  # costs no second setup; it refuses chunked request bodies, as operators'
  # `bugsink-manage runserver` does.
  MODE=runserver bash "$peers/start-bugsink.sh" "$state/bugsink" "$dport" >/dev/null
  pids+=("$(cat "$state/bugsink/bugsink.pid")")
  # shellcheck disable=SC1090
  BSYNC_TEST_GITEA_URL=$(. "$genv"; echo "$GITEA_URL")
  BSYNC_TEST_GITEA_ADMIN_TOKEN=$(. "$genv"; echo "$GITEA_TOKEN_ALL")
  BSYNC_TEST_BUGSINK_URL=$(. "$benv"; echo "$BUGSINK_URL")
  BSYNC_TEST_BUGSINK_TOKEN=$(. "$benv"; echo "$BUGSINK_API_TOKEN")
  BSYNC_TEST_BUGSINK_DEV_URL="http://127.0.0.1:$dport"
  BSYNC_TEST_PEERS_DIR=$(cd "$peers" && pwd)
  export BSYNC_TEST_GITEA_URL BSYNC_TEST_GITEA_ADMIN_TOKEN BSYNC_TEST_BUGSINK_URL BSYNC_TEST_BUGSINK_TOKEN \
    BSYNC_TEST_BUGSINK_DEV_URL BSYNC_TEST_PEERS_DIR
fi

# sentry-cli (npm @sentry/cli), for the source-map scenario: installed once
# into a cache directory outside the checkout, then reused. Without npm the
# scenario skips (fails under CI=true). BSYNC_TEST_SENTRY_CLI names your own.
sentry_cli_version=3.8.0
if [ -z "${BSYNC_TEST_SENTRY_CLI:-}" ] && command -v npm >/dev/null; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/bsync-test/sentry-cli-$sentry_cli_version"
  if [ ! -x "$cache/node_modules/.bin/sentry-cli" ]; then
    echo "test-real: installing @sentry/cli@$sentry_cli_version into $cache"
    mkdir -p "$cache"
    npm install --no-audit --no-fund --silent --prefix "$cache" "@sentry/cli@$sentry_cli_version" >/dev/null
  fi
  export BSYNC_TEST_SENTRY_CLI="$cache/node_modules/.bin/sentry-cli"
fi

# Every real-server test is named TestReal…; the rest of the suite ran in scripts/test.sh.
go test -race -count=1 -run '^TestReal' "$@" ./...
