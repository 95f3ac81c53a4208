import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exitCodeOf, parseDuration, parseYamlText, readAsset, WattpackError } from '@wattpack/common';
import { policyFromSite, POLICY_NAMES, type PolicyName } from '@wattpack/scheduler/core';
import { chartSvg } from './chart.js';
import { Engine, type EngineOptions, type JobRecord } from './engine.js';
import { buildResult, seriesCsv, summaryText, type SimResult } from './report.js';
import type { SeriesPoint } from './series.js';
import { loadSiteFile, parseSiteFile, type SiteFile } from './site-file.js';
import { loadTrace, type CsvMapping, type Trace } from './traces/index.js';

export type { SimResult } from './report.js';
export { downsample, type SeriesPoint } from './series.js';
export type { JobRecord, Planner } from './engine.js';
export { Engine } from './engine.js';
export { buildResult, summaryText, jain } from './report.js';
export { percentile } from '@wattpack/scheduler/core';
export { chartSvg } from './chart.js';
export { loadSiteFile, parseSiteFile, siteFileSchema, type SiteFile } from './site-file.js';
export { addSimOptions } from './cli.js';
export { loadTrace, tracesDir, repoRoot, parsePhilly, parseOpenb, parseGenericCsv, NAMED_TRACES, type Trace, type TraceJob, type CsvMapping } from './traces/index.js';

export interface SimOptions {
  /** `philly`, `openb`, `openb-gpuspec33`, a CSV path, or a parsed trace. */
  trace: string | Trace;
  /** A site YAML path, a name under sites/ ("philly-slice"), or a parsed site. */
  site: string | SiteFile;
  policy: PolicyName;
  /** Arrival rate multiplier (inter-arrival times divided by k). Default 1. */
  loadScale?: number;
  /** Stop at this virtual time: seconds, or a duration such as "7d", "12h". */
  until?: number | string;
  /** Seconds between scheduling passes (default 30). */
  cycleS?: number;
  /** Checkpoint interval of every job, s (default 600). */
  checkpointS?: number;
  preemptGraceS?: number;
  skipQuietCycles?: boolean;
  idlePassS?: number;
  /** Most queued jobs a pass considers (default 500; 0: all); see EngineOptions.queueDepth. */
  queueDepth?: number;
  teamDepth?: number;
  /** Column mapping for a generic CSV trace. */
  mapping?: Partial<CsvMapping>;
  planner?: EngineOptions['planner'];
  recordJobs?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SimRun {
  result: SimResult;
  /** Facility MW (GPU servers, miners), cap and queue over time: at most 2,000 points. */
  series: SeriesPoint[];
  jobs?: JobRecord[];
}

/** `--site`: a path, or a bare name of a file in the repository's sites/ (embedded in the single executable). */
export function loadSite(site: string): SiteFile {
  if (existsSync(site)) return loadSiteFile(site);
  const named = `sites/${site.endsWith('.yaml') ? site : `${site}.yaml`}`;
  let text: string;
  try {
    text = readAsset(named);
  } catch {
    throw new WattpackError('NOT_FOUND', `site file not found: ${site} (nor ${named} of wattpack)`);
  }
  return parseSiteFile(parseYamlText(text, named), named);
}

export function parseUntil(until: number | string | undefined): number | undefined {
  if (until === undefined || until === '') return undefined;
  const s = typeof until === 'number' ? until : parseDuration(until);
  if (s === undefined || !(s > 0)) throw new WattpackError('INVALID_ARGUMENT', `--until: "${until}" is not a duration (e.g. 7d, 12h, 3600)`);
  return s;
}

export function parsePolicy(name: string): PolicyName {
  if (!(POLICY_NAMES as readonly string[]).includes(name)) {
    throw new WattpackError('INVALID_ARGUMENT', `--policy: "${name}" is not one of ${POLICY_NAMES.join(', ')}`);
  }
  return name as PolicyName;
}

/** Replays a trace on a site under one policy, through the core's plan(). */
export function runSimulation(options: SimOptions): SimRun {
  const policyName = parsePolicy(options.policy);
  const site = typeof options.site === 'string' ? loadSite(options.site) : options.site;
  const trace = typeof options.trace === 'string' ? loadTrace(options.trace, options.mapping, options.env) : options.trace;
  const untilS = parseUntil(options.until);
  const loadScale = options.loadScale ?? 1;
  const cycleS = options.cycleS ?? 30;
  const checkpointS = options.checkpointS ?? 600;
  const policy = policyFromSite(policyName, {
    teams: site.teams,
    checkpointIntervalS: checkpointS,
    powerSaving: site.powerSaving,
    // The ramp limit is wattpack's; the baselines know nothing of it.
    ...(policyName === 'wattpack' && site.facility.rampMwPerMin !== undefined ? { rampMwPerMin: site.facility.rampMwPerMin } : {}),
  });
  const t0 = performance.now();
  const engine = new Engine({
    site,
    trace,
    policy,
    loadScale,
    cycleS,
    checkpointS,
    ...(untilS !== undefined ? { untilS } : {}),
    ...(options.preemptGraceS !== undefined ? { preemptGraceS: options.preemptGraceS } : {}),
    ...(options.skipQuietCycles !== undefined ? { skipQuietCycles: options.skipQuietCycles } : {}),
    ...(options.idlePassS !== undefined ? { idlePassS: options.idlePassS } : {}),
    ...(options.queueDepth !== undefined ? { queueDepth: options.queueDepth } : {}),
    ...(options.teamDepth !== undefined ? { teamDepth: options.teamDepth } : {}),
    ...(options.planner ? { planner: options.planner } : {}),
    ...(options.recordJobs ? { recordJobs: true } : {}),
  });
  const stats = engine.run();
  const wallS = (performance.now() - t0) / 1000;
  const result = buildResult(stats, { policy: policyName, site, trace: trace.name, loadScale, cycleS, ...(untilS !== undefined ? { untilS } : {}), wallS });
  return { result, series: stats.series.points(2000), ...(stats.jobs ? { jobs: stats.jobs } : {}) };
}

/** The flags of `wattpack sim`, as commander hands them over (strings or numbers). */
export interface SimFlags {
  trace: string;
  site: string;
  policy: string;
  loadScale?: number | string;
  until?: number | string;
  json?: boolean;
  out?: string;
  submitCol?: string;
  durationCol?: string;
  gpusCol?: string;
  teamCol?: string;
  timeFormat?: string;
  cycleS?: number | string;
  queueDepth?: number | string;
}

export interface SimIo {
  out(text: string): void;
  err(text: string): void;
  env?: NodeJS.ProcessEnv;
}

const processIo: SimIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function positive(flag: string, v: number | string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new WattpackError('INVALID_ARGUMENT', `${flag}: "${v}" is not a positive number`);
  return n;
}

/**
 * `wattpack sim`: runs one simulation and prints the result (JSON with --json, else a
 * summary); with --out DIR also writes result.json, series.csv and chart.svg there.
 * Returns the exit code (0 ok, 1 failed, 2 bad input, 3 not found); never throws.
 */
export async function simCommand(flags: SimFlags, io: SimIo = processIo): Promise<number> {
  try {
    if (!flags.trace) throw new WattpackError('INVALID_ARGUMENT', '--trace is required (philly, openb or a CSV path)');
    if (!flags.site) throw new WattpackError('INVALID_ARGUMENT', '--site is required (a site YAML, e.g. sites/philly-slice.yaml)');
    const mapping: Partial<CsvMapping> = {};
    if (flags.submitCol) mapping.submitCol = flags.submitCol;
    if (flags.durationCol) mapping.durationCol = flags.durationCol;
    if (flags.gpusCol) mapping.gpusCol = flags.gpusCol;
    if (flags.teamCol) mapping.teamCol = flags.teamCol;
    if (flags.timeFormat) mapping.timeFormat = flags.timeFormat as CsvMapping['timeFormat'];
    const loadScale = positive('--load-scale', flags.loadScale);
    const cycleS = positive('--cycle-s', flags.cycleS);
    const queueDepth = flags.queueDepth === undefined || flags.queueDepth === '' ? undefined : Number(flags.queueDepth);
    if (queueDepth !== undefined && !(Number.isInteger(queueDepth) && queueDepth >= 0)) {
      throw new WattpackError('INVALID_ARGUMENT', `--queue-depth: "${flags.queueDepth}" is not a whole number (0: no limit)`);
    }
    const run = runSimulation({
      trace: flags.trace,
      site: flags.site,
      policy: parsePolicy(flags.policy ?? 'wattpack'),
      mapping,
      ...(loadScale !== undefined ? { loadScale } : {}),
      ...(cycleS !== undefined ? { cycleS } : {}),
      ...(queueDepth !== undefined ? { queueDepth } : {}),
      ...(flags.until !== undefined ? { until: flags.until } : {}),
      ...(io.env ? { env: io.env } : {}),
    });
    io.out(`${flags.json ? JSON.stringify(run.result) : summaryText(run.result)}\n`);
    if (flags.out) await writeOutputs(flags.out, run);
    return 0;
  } catch (err) {
    const e = WattpackError.from(err);
    io.err(`error: ${e.message}\n`);
    return exitCodeOf(e.code);
  }
}

/** result.json, series.csv and chart.svg in `dir` (created if missing). */
export async function writeOutputs(dir: string, run: SimRun): Promise<void> {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  const r = run.result;
  writeFileSync(join(path, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(path, 'series.csv'), seriesCsv(run.series));
  const title = `${r.policy} · ${r.site} · ${r.trace}${r.loadScale !== 1 ? ` ×${r.loadScale}` : ''}`;
  writeFileSync(join(path, 'chart.svg'), await chartSvg(run.series, title));
}
