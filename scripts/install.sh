#!/usr/bin/env bash
# Builds bsync and installs it, the env file and the systemd units.
#   sudo useradd --system --no-create-home bsync   # first: the service's user and group
#   sudo scripts/install.sh                        # binary to /usr/local/bin, env to /etc/bsync
#   PREFIX=$HOME/.local scripts/install.sh         # binary only, no root needed
#   DESTDIR=/tmp/root scripts/install.sh           # everything under another root (packaging, tests)
#   BSYNC_BIN=./bsync scripts/install.sh           # install a binary built already
#
# The env file holds two API tokens. It is installed owned by root and
# readable by the bsync group only (0640, in a 0750 directory): the service,
# a cron job running as bsync and `bsync doctor --env-file` all read the same
# file with the same parser, and the service cannot change its own secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
GROUP=${BSYNC_GROUP:-bsync}
install -d "$DESTDIR$PREFIX/bin"
if [ -n "${BSYNC_BIN:-}" ]; then
  install -m 0755 "$BSYNC_BIN" "$DESTDIR$PREFIX/bin/bsync"
else
  # Without a tag, bsync reports the module version and VCS revision Go recorded.
  version=$(git describe --tags --exact-match 2>/dev/null || true)
  go build -buildvcs=auto -trimpath -ldflags "-s -w -X main.version=$version" -o bsync .
  install -m 0755 bsync "$DESTDIR$PREFIX/bin/bsync"
  rm -f bsync
fi
echo "installed $DESTDIR$PREFIX/bin/bsync"
if [ "$(id -u)" -ne 0 ] || [ "$PREFIX" != /usr/local ]; then
  exit 0
fi
if ! getent group "$GROUP" >/dev/null; then
  echo "group $GROUP does not exist: create the service user first (useradd --system --no-create-home $GROUP), then run this again" >&2
  exit 1
fi
etc="$DESTDIR/etc/bsync"
install -d -m 0750 -o root -g "$GROUP" "$etc"
if [ ! -e "$etc/bsync.env" ]; then
  install -m 0640 -o root -g "$GROUP" scripts/bsync.env.example "$etc/bsync.env"
  echo "wrote $etc/bsync.env: fill it in, then run: sudo -u $GROUP bsync doctor --env-file /etc/bsync/bsync.env"
else
  # An older install left it root-only (0600), which the service cannot read.
  chgrp "$GROUP" "$etc/bsync.env"
  chmod 0640 "$etc/bsync.env"
fi
if [ -d "$DESTDIR/etc/systemd/system" ] || [ -n "$DESTDIR" ]; then
  install -d "$DESTDIR/etc/systemd/system"
  install -m 0644 scripts/systemd/bsync.service scripts/systemd/bsync.timer "$DESTDIR/etc/systemd/system/"
  echo "installed bsync.service and bsync.timer: systemctl daemon-reload && systemctl enable --now bsync.timer"
fi
