#!/usr/bin/env node
/**
 * `pnpm bench:sim-speed`: the simulator's speed check (issue 10). Every policy on every
 * site in sites/ replays the whole trace that site is benchmarked with (openb for openb-*,
 * Philly otherwise; washington-* at `--load-scale 8`), through the command users run
 * (`packages/sim/dist/main.js --json`), ONE RUN AT A TIME, each in its own process.
 * Prints one JSON line per run: the child's CPU s (user + sys, process.resourceUsage in
 * the child: startup and trace parsing included), wall s, peak RSS, the load average when
 * it ended, the ramp excursions where the site has a ramp limit, and a sha-256 of its report without `wallS` (equal digests: identical reports);
 * then a table. The target: under 60 s of CPU per run.
 *
 *   node scripts/sim-speed.mjs [--only washington-18mw,philly-slice] [--policy wattpack,fifo] [--out runs.jsonl]
 *
 * Needs the built simulator (tsc -b packages/sim) and packages/sim/data/traces.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/sim/dist/cli.js');
const POLICIES = ['fifo', 'backfill', 'wattpack-static', 'wattpack'];
const TARGET_CPU_S = 60;
const RUSAGE_TAG = 'sim-speed-rusage:';

let o;
try {
  o = parseArgs({ options: { only: { type: 'string' }, policy: { type: 'string' }, out: { type: 'string' } } }).values;
} catch (err) {
  console.error(`sim-speed: ${err.message} (flags: --only <sites>, --policy <policies>, --out <file>)`);
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error('sim-speed: build the simulator first (npx tsc -b packages/sim)');
  process.exit(1);
}
const allSites = readdirSync(join(root, 'sites')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
const sites = pick('--only', o.only, allSites);
const policies = pick('--policy', o.policy, POLICIES);

/** The trace and scale each site is benchmarked with (docs/benchmarks.md, "Simulator speed"). */
function workload(site) {
  if (site.startsWith('openb-')) return { trace: 'openb', loadScale: 1 };
  return { trace: 'philly', loadScale: site.startsWith('washington-') ? 8 : 1 };
}

function pick(flag, list, allowed) {
  if (list === undefined) return allowed;
  const wanted = list.split(',').filter(Boolean);
  const bad = wanted.filter((x) => !allowed.includes(x));
  if (bad.length) {
    console.error(`sim-speed: ${flag}: ${bad.join(', ')} not one of ${allowed.join(', ')}`);
    process.exit(2);
  }
  return wanted;
}

// The child (its flags after "--": node would take --trace as its own) runs the CLI's own entry, then reports its resource usage on stderr: Node has
// no rusage of a child, and this keeps the figure the same as `/usr/bin/time` would give.
const childSource = `
const { main } = await import(${JSON.stringify(pathToFileURL(cli).href)});
process.exitCode = await main(process.argv.slice(1));
const u = process.resourceUsage();
process.stderr.write(${JSON.stringify(RUSAGE_TAG)} + JSON.stringify({ user: u.userCPUTime, sys: u.systemCPUTime, maxRssKb: u.maxRSS }) + '\\n');
`;

function runOne(site, policy) {
  const { trace, loadScale } = workload(site);
  const args = ['--trace', trace, '--site', site, '--policy', policy, '--json', ...(loadScale !== 1 ? ['--load-scale', String(loadScale)] : [])];
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', childSource, '--', ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const wallS = (performance.now() - t0) / 1000;
  const usageLine = child.stderr.split('\n').find((l) => l.startsWith(RUSAGE_TAG));
  if (child.status !== 0 || !usageLine) {
    console.error(`sim-speed: ${site} ${policy} failed (exit ${child.status ?? child.signal}):\n${child.stderr.slice(-2000)}`);
    return undefined;
  }
  const usage = JSON.parse(usageLine.slice(RUSAGE_TAG.length));
  const { wallS: simWallS, ...report } = JSON.parse(child.stdout);
  return {
    site,
    policy,
    trace,
    loadScale,
    passes: report.planPasses,
    cpuS: +((usage.user + usage.sys) / 1e6).toFixed(1),
    userS: +(usage.user / 1e6).toFixed(1),
    sysS: +(usage.sys / 1e6).toFixed(1),
    wallS: +wallS.toFixed(1),
    simWallS: +simWallS.toFixed(1),
    peakRssMb: Math.round(usage.maxRssKb / 1024),
    load1: +loadavg()[0].toFixed(1),
    // Sites with a ramp limit: the rises over it (packages/sim/src/metrics.ts), to check the core keeps to it.
    ...(report.rampExcursions !== undefined ? { rampExcursions: report.rampExcursions } : {}),
    report: createHash('sha256').update(JSON.stringify(report)).digest('hex').slice(0, 16),
  };
}

const runs = [];
for (const site of sites) {
  for (const policy of policies) {
    const run = runOne(site, policy);
    if (!run) continue;
    runs.push(run);
    console.log(JSON.stringify(run));
    if (o.out) appendFileSync(o.out, `${JSON.stringify(run)}\n`);
  }
}

console.log('\n| site | trace | policy | passes | CPU s | wall s | load | peak RSS MB |\n|---|---|---|---:|---:|---:|---:|---:|');
for (const r of runs) {
  const trace = `${r.trace}${r.loadScale !== 1 ? ` ×${r.loadScale}` : ''}`;
  console.log(`| ${r.site} | ${trace} | ${r.policy} | ${r.passes.toLocaleString('en-US')} | ${r.cpuS} | ${r.wallS} | ${r.load1} | ${r.peakRssMb} |`);
}
const over = runs.filter((r) => r.cpuS >= TARGET_CPU_S);
const failed = sites.length * policies.length - runs.length;
console.log(`\n${runs.length} runs; ${over.length ? `over ${TARGET_CPU_S} s of CPU: ${over.map((r) => `${r.site}/${r.policy}`).join(', ')}` : `all under ${TARGET_CPU_S} s of CPU`}${failed ? `; ${failed} failed` : ''}`);
process.exitCode = over.length || failed ? 1 : 0;
