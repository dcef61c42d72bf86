#!/usr/bin/env bash
# Regenerates the recorded SDK events in pkg/render/testdata/events/ (see the
# README there). Needs Debian's python3-sentry-sdk (apt-get install
# python3-sentry-sdk), node and npm. The npm packages are installed into a
# temporary folder, never into the repository. Nothing is sent anywhere: the
# SDKs report to a transport function or to a listener on 127.0.0.1.
#
#   scripts/record-events/record.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../.." && pwd)/pkg/render/testdata/events
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The recorded paths name the temporary folder; they are rewritten to a
# plausible deployment path so the files do not change with each run's folder.
app=/srv/shop

mkdir -p "$work/app/out" "$out"
cp -r "$here/record_python.py" "$here/record_node.js" "$here/bundle" "$work/app/"

/usr/bin/python3 -c 'import sentry_sdk; print("python sentry-sdk", sentry_sdk.VERSION)'
(cd "$work/app" && /usr/bin/python3 record_python.py out)

for spec in node6:@sentry/node@6.19.7 node7:@sentry/node@7.120.4 node11:@sentry/node@11.12.0; do
	name=${spec%%:*} pkg=${spec#*:}
	mkdir -p "$work/$name"
	(cd "$work/$name" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "$pkg" >/dev/null)
	echo "$pkg"
	(cd "$work/app" && NODE_PATH="$work/$name/node_modules" node record_node.js out "$name" 2>/dev/null)
done

for f in "$work/app/out"/*.json; do
	sed -e "s#$work/app#$app#g" -e "s#$work/node[0-9]*#$app#g" "$f" >"$out/$(basename "$f")"
done
ls "$out"
