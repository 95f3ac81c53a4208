#!/usr/bin/env node
/**
 * One simulator run, reduced to digests that tell whether a change to the core or the
 * simulator changed anything it decides: sha-256 of every plan the core returned (in
 * order), of the result without its wall time, and of the chart's series; with the
 * run's CPU and wall seconds. Run it on two checkouts and compare the digests.
 *
 *   node scripts/sim-digest.mjs --trace philly --site washington-18mw --load-scale 8 --policy wattpack
 *
 * Needs the built simulator (tsc -b packages/sim).
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const options = { trace: { type: 'string' }, site: { type: 'string' }, policy: { type: 'string', default: 'wattpack' }, 'load-scale': { type: 'string' }, until: { type: 'string' } };
let o;
try {
  o = parseArgs({ options }).values;
} catch (err) {
  console.error(`sim-digest: ${err.message} (flags: ${Object.keys(options).map((k) => `--${k}`).join(', ')})`);
  process.exit(2);
}
if (!o.trace || !o.site) {
  console.error('sim-digest: --trace and --site are required (e.g. --trace philly --site philly-slice)');
  process.exit(2);
}
const sim = await import(join(root, 'packages/sim/dist/index.js'));
const core = await import(join(root, 'packages/scheduler/dist/core/index.js'));

const plans = createHash('sha256');
let passes = 0;
const planner = (site, queue, policy) => {
  const p = core.plan(site, queue, policy);
  plans.update(JSON.stringify(p));
  passes++;
  return p;
};
const sha = (x) => createHash('sha256').update(JSON.stringify(x)).digest('hex');
const cpu0 = process.cpuUsage();
let run;
try {
  run = sim.runSimulation({
    trace: o.trace,
    site: o.site,
    policy: o.policy,
    planner,
    ...(o['load-scale'] ? { loadScale: Number(o['load-scale']) } : {}),
    ...(o.until ? { until: o.until } : {}),
  });
} catch (err) {
  console.error(`sim-digest: ${err.message}`);
  process.exit(1);
}
const cpu = process.cpuUsage(cpu0);
const { wallS, ...result } = run.result;
console.log(JSON.stringify({ ...o, passes, plans: plans.digest('hex'), result: sha(result), series: sha(run.series), cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2), wallS }));
