#!/usr/bin/env bash
# The demo: a whole local site (nats-server, scheduler, two simulated 8×H100 nodes and
# a host with four S19 XP miners), sample jobs run to completion, then everything stops.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
export WATTPACK_DEV_DIR="${WATTPACK_DEV_DIR:-$(mktemp -d)}"
# The demo's own CLI context (dev writes one): your ~/.config/wattpack is left as it is.
export WATTPACK_CONFIG="${WATTPACK_CONFIG:-$WATTPACK_DEV_DIR/config.yaml}"
wattpack() { node packages/cli/bin/wattpack.js "$@"; }
trap 'wattpack dev down >/dev/null 2>&1 || true' EXIT

wattpack dev --detach

echo; echo "== wattpack nodes"; wattpack nodes
echo; echo "== submitting the examples"
hello=$(wattpack submit examples/hello.yaml -o json | node -p 'JSON.parse(require("fs").readFileSync(0)).id')
gang=$(wattpack submit examples/gang-2x8.yaml -o json | node -p 'JSON.parse(require("fs").readFileSync(0)).id')
wattpack submit examples/train-h100.yaml --wait
echo; echo "== wattpack logs $hello"; wattpack logs "$hello" -f
echo; echo "== wattpack logs $gang"; wattpack logs "$gang" -f
echo; echo "== wattpack jobs"; wattpack jobs
echo; echo "== wattpack site"; wattpack site
echo; echo "== stopping the site"
