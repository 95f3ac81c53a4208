#!/usr/bin/env bash
# One-time (and idempotent) set-up for a fresh machine with Node >= 20:
# pnpm, nats-server (JetStream), the workspace's packages.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  say "Node.js 20 or later is needed (found $(node --version 2>/dev/null || echo none))"
  exit 1
fi

if ! command -v pnpm >/dev/null 2>&1; then
  say "installing pnpm 10 with npm"
  npm install -g pnpm@10 >/dev/null
fi

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing nats-server (Debian package)"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  else
    say "nats-server is missing: install nats-server 2.9 or later and put it on PATH"
    exit 1
  fi
fi
# Container tests (packages/agent): rootful podman with runc (crun fails on hybrid
# cgroups), catatonit for --init, a static busybox for the locally built test image. The
# tests write their own containers.conf (runc and ulimits). The distributed-training test
# runs Debian's CPU PyTorch (python3-torch, for /usr/bin/python3); the accounting tests
# start their own PostgreSQL; the dashboard test drives Debian's chromium (no browser
# download works everywhere); the shell completion test sources its script in a real zsh.
# Only where apt is available.
if command -v apt-get >/dev/null 2>&1; then
  need=""
  for p in podman runc catatonit busybox-static python3-torch postgresql chromium zsh; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
  if [ -n "$need" ]; then
    say "installing$need (container tests)"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi

# Debian installs it in /usr/sbin, which is not on every user's PATH.
command -v nats-server >/dev/null 2>&1 || export PATH="$PATH:/usr/sbin"

if [ ! -d node_modules/.pnpm ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  say "installing packages"
  pnpm install --frozen-lockfile >/dev/null
fi
