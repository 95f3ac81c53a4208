import { expect } from 'vitest';
import type { LocalSite } from '../e2e/harness.js';
import { TracedWorkload } from './workload.js';

/** One fault scenario on its own site: traced jobs, the fault, then every job must succeed once. */
interface Row {
  scenario: string;
  submitted: number;
  finished: number;
  lost: number;
  duplicated: number;
  recoveryS: string;
}

const rows: Row[] = [];

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
    const notDone = outcome.jobs.filter((j) => j.state !== 'SUCCEEDED').map((j) => `${j.id} ${j.state} ${j.reason}`);
    expect(notDone, 'jobs that did not succeed').toEqual([]);
    expect(row.duplicated).toBe(0);
    return row;
  } finally {
    await site.stop();
  }
}


/** The fault table: scenario, submitted, finished, lost, duplicated, recovery time. */
export function printTable(): void {
  const header = ['scenario', 'submitted', 'finished', 'lost', 'duplicated', 'recovery s'];
  const cells = rows.map((r) => [r.scenario, r.submitted, r.finished, r.lost, r.duplicated, r.recoveryS].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(['', line(header), ...cells.map(line), ''].join('\n'));
}
