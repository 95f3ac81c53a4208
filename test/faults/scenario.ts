import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { LocalSite } from '../e2e/harness.js';
import { formatTable, type Row } from './table.js';
import { TracedWorkload } from './workload.js';

const rows: Row[] = [];
/** `pnpm faults` collects every file's rows in this file, to print one table at the end (scripts/faults.sh). */
const rowsFile = process.env['WATTPACK_FAULTS_ROWS'];

/** One fault scenario on its own site: traced jobs, the fault, then every job must succeed once. */
export async function scenario(
  name: string,
  site: LocalSite,
  run: (work: TracedWorkload) => Promise<number | undefined>,
  settleMs = 90_000,
): Promise<Row> {
  const work = new TracedWorkload(site);
  try {
    const recoveryMs = await run(work);
    const outcome = await work.settle(settleMs);
    const row = { scenario: name, submitted: outcome.submitted, finished: outcome.finished, lost: outcome.lost, duplicated: outcome.duplicated, recoveryS: recoveryMs === undefined ? '-' : (recoveryMs / 1000).toFixed(1) };
    rows.push(row);
    if (rowsFile) appendFileSync(rowsFile, `${JSON.stringify(row)}\n`);
    const notDone = outcome.jobs.filter((j) => j.state !== 'SUCCEEDED').map((j) => `${j.id} ${j.state} ${j.reason}`);
    expect(notDone, 'jobs that did not succeed').toEqual([]);
    expect(row.duplicated).toBe(0);
    return row;
  } finally {
    await site.stop();
  }
}

/** This file's scenarios (each test file prints its own; `pnpm faults` prints all of them once more). */
export function printTable(): void {
  console.log(formatTable(rows));
}
