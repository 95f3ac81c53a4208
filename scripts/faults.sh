#!/usr/bin/env bash
# pnpm faults: every fault scenario (test/faults, files in parallel), then one table of
# all of them. Exits non-zero when any scenario lost or duplicated a job (vitest fails it).
set -u
rows=$(mktemp)
WATTPACK_FAULTS_ROWS="$rows" npx vitest run test/faults
status=$?
pnpm --filter @wattpack/e2e exec tsx faults/print-table.ts "$rows"
rm -f "$rows"
exit "$status"
