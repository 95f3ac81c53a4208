#!/usr/bin/env node
/**
 * The best weighted job performance any scheduler could reach in a site's first grid
 * event (issue 15; packages/sim/src/event-bound.ts): replays the trace under wattpack to
 * the pass that first plans for the event's cap, takes the running jobs and servers there,
 * and prints JSON: the dual upper bound and a schedule that meets the target, at the
 * event's start and over it, each with jobs where they are or moved for free, and with
 * flex-0 jobs free to slow or kept at full speed.
 *
 *   node scripts/event-bound.mjs [--site washington-18mw-no-miners-reduce25] [--trace philly] [--load-scale 30] [--at 48h] [--reduce-pct 25]
 *
 * The replay runs on to the event's end, so wattpack's own figures for it (`wattpack`, as
 * the simulator reports them) come in the same JSON.
 *
 * Needs the built simulator (tsc -b packages/sim) and packages/sim/data/traces.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'packages/sim/dist');
let o;
try {
  o = parseArgs({
    options: {
      site: { type: 'string', default: 'washington-18mw-no-miners-reduce25' },
      trace: { type: 'string', default: 'philly' },
      'load-scale': { type: 'string', default: '30' },
      'slice-s': { type: 'string', default: '900' },
      at: { type: 'string' },
      'reduce-pct': { type: 'string' },
    },
  }).values;
} catch (err) {
  console.error(`event-bound: ${err.message} (flags: --site, --trace, --load-scale, --slice-s, --at, --reduce-pct)`);
  process.exit(2);
}
const loadScale = Number(o['load-scale']);
const sliceS = Number(o['slice-s']);
const { parseDuration } = await import(pathToFileURL(join(root, 'packages/common/dist/index.js')).href);
const atS = o.at === undefined ? undefined : (parseDuration(o.at) ?? NaN);
const reducePct = o['reduce-pct'] === undefined ? undefined : Number(o['reduce-pct']);
if (!(loadScale > 0) || !(sliceS > 0) || (atS !== undefined && !(atS > 0)) || (reducePct !== undefined && !(reducePct > 0 && reducePct < 100))) {
  console.error('event-bound: --load-scale and --slice-s must be positive numbers, --at a duration such as 33h, --reduce-pct a % between 0 and 100');
  process.exit(2);
}
if (!existsSync(join(dist, 'event-bound-run.js'))) {
  console.error('event-bound: build the simulator first (npx tsc -b packages/sim)');
  process.exit(1);
}
const sim = await import(pathToFileURL(join(dist, 'index.js')).href);
const { boundAtEvent } = await import(pathToFileURL(join(dist, 'event-bound-run.js')).href);
const t0 = process.cpuUsage();
const report = boundAtEvent({ site: sim.loadSite(o.site), trace: sim.loadTrace(o.trace), loadScale, sliceS, ...(atS !== undefined ? { atS } : {}), ...(reducePct !== undefined ? { reducePct } : {}) });
const cpu = process.cpuUsage(t0);
console.log(JSON.stringify({ ...report, cpuS: Math.round((cpu.user + cpu.system) / 1e4) / 100 }, null, 2));
