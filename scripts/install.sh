#!/usr/bin/env bash
# Builds bsync and installs it, the env file, the log directory and the
# systemd units, then prints the next steps: doctor, a dry run, enabling.
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
# The log directory /var/log/bsync (the README's cron line appends to
# bsync.log there) belongs to the bsync user, mode 0750.
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
  # -v names each package as it is compiled: the first build downloads the
  # modules and compiles them, which takes minutes on a small machine.
  echo "building bsync (the first build downloads and compiles the modules: a few minutes)..."
  go build -v -buildvcs=auto -trimpath -ldflags "-s -w -X main.version=$version" -o bsync .
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
conf=/etc/bsync/bsync.env
etc="$DESTDIR/etc/bsync"
install -d -m 0750 -o root -g "$GROUP" "$etc"
if [ ! -e "$etc/bsync.env" ]; then
  install -m 0640 -o root -g "$GROUP" scripts/bsync.env.example "$etc/bsync.env"
  echo "wrote $etc/bsync.env (the sync is off in it: BUGSINK_SYNC_ENABLED=false)"
else
  # An older install left it root-only (0600), which the service cannot read.
  chgrp "$GROUP" "$etc/bsync.env"
  chmod 0640 "$etc/bsync.env"
fi
if [ -d "$DESTDIR/etc/systemd/system" ] || [ -n "$DESTDIR" ]; then
  install -d "$DESTDIR/etc/systemd/system"
  install -m 0644 scripts/systemd/bsync.service scripts/systemd/bsync.timer "$DESTDIR/etc/systemd/system/"
  echo "installed bsync.service and bsync.timer (not enabled)"
fi
# The cron line appends to /var/log/bsync/bsync.log: the directory must exist
# and be the service user's, or /bin/sh fails before bsync starts.
install -d -m 0750 -o "$GROUP" -g "$GROUP" "$DESTDIR/var/log/bsync"
echo "made $DESTDIR/var/log/bsync for the cron line's log (owner $GROUP)"
cat <<EOF

Next steps:
  1. fill in the URLs, tokens and repository:  sudoedit $conf
  2. check everything, writing nothing:        sudo -u $GROUP bsync doctor --env-file $conf
  3. see what the first sync would create:     sudo -u $GROUP bsync sync --dry-run --output table --env-file $conf
  4. set BUGSINK_SYNC_ENABLED=true in $conf, then start it, either
       cron:    sudo crontab -u $GROUP -e   (paste the line from crontab.example)
       systemd: sudo systemctl daemon-reload && sudo systemctl enable --now bsync.timer
EOF
