#!/usr/bin/env bash
# scripts/perf-successor.sh <out.data> [seconds]: run beside `pnpm bench:fleet`; waits for
# the scheduler the bench starts after its kill -9 (the second process with `--id s1
# --listen`) and records it with perf (499 Hz, call graphs) for `seconds` (default 40)
# from its start. Split it with `node scripts/perf-split.mjs <out.data> --storm`. Needs
# perf (Debian: linux-perf), for profiling only.
set -eu
out=$1
secs=${2:-40}
first=""
while true; do
  pid=$(pgrep -f -- "--id s1 --listen" | sort -n | tail -1 || true)
  if [ -n "$pid" ]; then
    if [ -z "$first" ]; then first=$pid; elif [ "$pid" != "$first" ]; then break; fi
  fi
  sleep 0.05
done
exec perf record -F 499 -g -o "$out" -p "$pid" -- sleep "$secs"
