#!/usr/bin/env bash
# Builds bsync and installs it, an example env file and the systemd units.
#   sudo scripts/install.sh            # binary to /usr/local/bin, env to /etc/bsync
#   PREFIX=$HOME/.local scripts/install.sh   # binary only, no root needed
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
go build -trimpath -ldflags "-s -w -X main.version=$version -X main.commit=$commit" -o bsync .
install -d "$PREFIX/bin"
install -m 0755 bsync "$PREFIX/bin/bsync"
rm -f bsync
echo "installed $PREFIX/bin/bsync ($version)"
if [ "$(id -u)" -eq 0 ] && [ "$PREFIX" = /usr/local ]; then
  install -d -m 0750 /etc/bsync
  if [ ! -e /etc/bsync/bsync.env ]; then
    install -m 0600 scripts/bsync.env.example /etc/bsync/bsync.env
    echo "wrote /etc/bsync/bsync.env: fill it in, then run: bsync doctor --env-file /etc/bsync/bsync.env"
  fi
  if [ -d /etc/systemd/system ]; then
    install -m 0644 scripts/systemd/bsync.service scripts/systemd/bsync.timer /etc/systemd/system/
    echo "installed bsync.service and bsync.timer: create the bsync user, then systemctl enable --now bsync.timer"
  fi
fi
