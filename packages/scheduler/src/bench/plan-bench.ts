/**
 * `pnpm bench`: throughput of the packing core. Prints JSON.
 * Site: 2,000 nodes x 8 H100; queue: 100,000 jobs (mostly 1-8 GPUs, some gangs),
 * the shape of the Philly trace. A pass on the empty site measures placements per
 * second; passes on the full site measure the cost of a pass with a long queue.
 * Usage: node dist/bench/plan-bench.js [fifo|backfill|wattpack]
 */
import { performance } from 'node:perf_hooks';
import { plan } from '../core/plan.js';
import { defaultPolicy, type PolicyName } from '../core/policy.js';
import type { QueuedJob, SiteSnapshot } from '../core/snapshot.js';
import { buildJob, buildSite } from '../testing/index.js';

const NODES = 2000;
const JOBS = 100_000;

function queue(): QueuedJob[] {
  let rng = 7;
  const rand = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: JOBS }, (_, i) => {
    const r = rand();
    const [gpus, nodes] = r < 0.93 ? [1, 1] : r < 0.95 ? [2, 1] : r < 0.97 ? [4, 1] : r < 0.99 ? [8, 1] : [8, 2 + Math.floor(rand() * 3)];
    return buildJob({ gpus, nodes, submittedAt: i, priority: rand() < 0.1 ? 200 : 100 });
  });
}

/** Every node busy with one 8-GPU job, ending over the next hours. */
function fill(site: SiteSnapshot): SiteSnapshot {
  const full = structuredClone(site);
  full.nodes.forEach((n, i) => {
    if (n.gpus.length === 0) return;
    const id = `busy-${i}`;
    for (const g of n.gpus) Object.assign(g, { jobId: id, limitW: 700 });
    full.running.push({ id, team: 'default', priority: 100, startedAt: 0, expectedEndAt: 3600_000 + i * 1000, gpus: 8, nodes: 1, powerLimitW: 700, preemptible: true });
  });
  return full;
}

/** Wall and CPU ms of each run, each sorted: on a shared machine the CPU time is the steadier figure. */
function time(fn: (run: number) => void, runs: number): { wall: number[]; cpu: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    fn(i);
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
/** The median pass, wall and CPU, in ms. */
const passMs = (t: { wall: number[]; cpu: number[] }) => ({ medianPassMs: +median(t.wall).toFixed(1), medianPassCpuMs: +median(t.cpu).toFixed(1) });

// A cap that holds the whole site at full power, so the bench measures packing, not the cap.
const empty = buildSite({ nodes: NODES, capW: 100e6 });
const full = fill(empty);
const jobs = queue();
const sorted = [...jobs].sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt);

let placed = 0;
const policy = defaultPolicy((process.argv[2] as PolicyName | undefined) ?? 'wattpack');
const emptyMs = time(() => (placed = plan(empty, sorted, policy).placements.length), 5);
const fullMs = time(() => plan(full, sorted, policy), 5);
const unsortedMs = time(() => plan(full, jobs, policy), 3);

// washington-18mw: 1,200 nodes (half H100, half H200), 2,000 S19 XP miners, 18 MW cap.
const washington = buildSite({ nodes: 600, capW: 18e6, racks: 75 });
const h200 = buildSite({ nodes: 600, model: 'H200', racks: 75 });
washington.nodes.push(...h200.nodes.map((n, i) => ({ ...n, id: `h200-${i}` })));
washington.nodes.push({
  id: 'miners', labels: {}, schedulable: true, hostIdleW: 0, hostBusyW: 0, gpus: [],
  miners: Array.from({ length: 2000 }, (_, i) => ({ id: `m${i}`, nameplateW: 3010, hashrateThs: 140, curtailed: false })),
});
let wPlaced = 0;
const wEmptyMs = time(() => (wPlaced = plan(washington, sorted, policy).placements.length), 5);
const wFull = fill(washington);
// Busy at full power, the GPUs leave room for few miners: curtailed, as wattpack would have them.
for (const m of wFull.nodes.at(-1)!.miners) m.curtailed = true;
const wFullMs = time(() => plan(wFull, sorted, policy), 5);
// Fresh views every pass (the live loop's snapshots): the working site is built from nothing each time.
const fresh = Array.from({ length: 5 }, () => structuredClone(wFull));
const wFreshMs = time((i) => plan(fresh[i]!, sorted, policy), 5);

console.log(
  JSON.stringify(
    {
      bench: 'plan',
      policy: policy.name,
      nodes: NODES,
      gpus: NODES * 8,
      queuedJobs: JOBS,
      emptySite: { placements: placed, ...passMs(emptyMs), placementsPerSecond: Math.round(placed / (median(emptyMs.wall) / 1000)) },
      fullSite: passMs(fullMs),
      fullSiteUnsortedQueue: passMs(unsortedMs),
      washington18mw: {
        gpus: 9600,
        miners: 2000,
        emptySite: { placements: wPlaced, ...passMs(wEmptyMs), placementsPerSecond: Math.round(wPlaced / (median(wEmptyMs.wall) / 1000)) },
        fullSite: passMs(wFullMs),
        fullSiteFreshViews: passMs(wFreshMs),
      },
      node: process.version,
    },
    null,
    2,
  ),
);
