/**
 * `pnpm soak` (a script, not a CI test): 20 simulated 8-GPU agents, 5,000 traced jobs
 * of random size and duration, with two drains, a cap drop and one kill -9 of the
 * scheduler on the way, all on this machine. Prints the fault table's row and the
 * scheduler's peak memory. Environment: SOAK_JOBS (default 5000), SOAK_AGENTS (20).
 * `pnpm soak:churn` (soak-churn.ts) is the other soak: 100,000 short jobs, memory over time.
 */
import type { Job__Output } from '@wattpack/common/proto/Job';
import { LocalSite, waitFor, type AgentSpec } from '../e2e/harness.js';
import { TracedWorkload } from '../faults/workload.js';
import { memoryMb } from './proc.js';

const JOBS = Number(process.env.SOAK_JOBS ?? 5000);
const AGENTS = Number(process.env.SOAK_AGENTS ?? 20);

const agents: AgentSpec[] = Array.from({ length: AGENTS }, (_, i) => ({ id: `gpu-${i + 1}`, profile: i % 2 ? 'h200x8' : 'h100x8', labels: `rack=r${Math.floor(i / 4) + 1}` }));

/** Peak resident memory of a process (VmHWM), MB. */
const peakMb = (pid: number | undefined): number => memoryMb(pid!).peakMb;

async function main(): Promise<void> {
  const started = Date.now();
  const site = await LocalSite.start({ agents });
  const work = new TracedWorkload(site);
  let rng = 1;
  const rand = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let peakBeforeKill = 0;
  let restartToPlacementS = '-';
  try {
    for (let i = 0; i < JOBS; i++) {
      await work.submit(1, { gpus: [1, 1, 2, 4, 8][Math.floor(rand() * 5)]!, seconds: 1 + Math.floor(rand() * 4), priority: Math.floor(rand() * 3) * 100 });
      if (i === Math.floor(JOBS * 0.2)) await site.cli(['drain', '--selector', 'rack=r1', '--reason', 'soak: rack r1 maintenance', '--deadline', '30s']);
      if (i === Math.floor(JOBS * 0.3)) await site.rpc('UpdateSite', { capMw: 0.25 });
      if (i === Math.floor(JOBS * 0.4)) await site.rpc('UpdateSite', { capMw: 18 });
      if (i === Math.floor(JOBS * 0.5)) await site.cli(['uncordon', '--selector', 'rack=r1']);
      if (i === Math.floor(JOBS * 0.6)) {
        peakBeforeKill = peakMb(site.scheduler?.pid);
        await site.killScheduler();
        const restarted = Date.now();
        await site.startScheduler();
        const first = await work.firstStartAfter(restarted, 60_000);
        if (first !== undefined) restartToPlacementS = ((first - restarted) / 1000).toFixed(1);
      }
      if (i === Math.floor(JOBS * 0.7)) await site.cli(['drain', 'gpu-5', '--reason', 'soak: GPU swap', '--force']);
      // Keep the queue from running far ahead of the site.
      if (i % 200 === 199) {
        await waitFor('the queue to drain a little', async () => {
          const pending = await site.rpc<{ jobs: Job__Output[] }>('ListJobs', { states: ['PENDING'] });
          return pending.jobs.length < 400;
        }, 600_000);
      }
    }
    const outcome = await work.settle(30 * 60_000);
    const peak = Math.max(peakBeforeKill, peakMb(site.scheduler?.pid));
    const row = {
      scenario: 'soak',
      agents: AGENTS,
      submitted: outcome.submitted,
      finished: outcome.finished,
      lost: outcome.lost,
      duplicated: outcome.duplicated,
      restartToFirstPlacementS: restartToPlacementS,
      schedulerPeakRssMb: peak,
      wallS: Math.round((Date.now() - started) / 1000),
    };
    console.log(JSON.stringify(row, null, 2));
    process.exitCode = outcome.lost === 0 && outcome.duplicated === 0 ? 0 : 1;
  } finally {
    await site.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
