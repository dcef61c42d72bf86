#!/usr/bin/env bash
# Makes sure redis-server is on PATH: the tests and the sandbox start their
# own throwaway server on loopback (never an existing one). Installs it from
# Debian's packages when it is missing and we are root.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is missing; installing it from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # The package starts a system service; the tests do not use it.
  if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
  exit 0
fi
echo "redis-server is not installed: install it (e.g. sudo apt-get install redis-server) and run again" >&2
exit 1
