import { toleranceFloor } from './flex.js';
import { Kept } from './kept.js';
import type { Flex, Pass } from './pass.js';
import type { RunningJob } from './snapshot.js';
import { facilityOf } from './watts.js';

/**
 * Flexible jobs (wattpack): running jobs whose limits may move, right-sizing them to
 * their measured draw, and shaving them to make room for a blocked job.
 */

/**
 * Running jobs whose limit wattpack may move, built once per pass when first needed.
 * A job already at its maximum with no room below (floor = max) is left out early.
 */
export function flexJobs(pass: Pass): Flex[] {
  if (pass.flex) return pass.flex;
  pass.flex = runningFlex(pass).slice();
  for (const f of pass.placedFlex) pass.flex.push(f);
  return pass.flex;
}

/** What a running job's Flex was made from: the same again gives the same Flex. */
interface FlexInputs {
  r: RunningJob;
  stopping: boolean | undefined;
  telemetryLost: boolean | undefined;
  minW: number | undefined;
  maxW: number | undefined;
  p99W: number | undefined;
  heldFraction: number | undefined;
  /** Its flexibility class (% slowdown tolerated), which floors its limit. */
  flexClass: number | undefined;
  bounds: Readonly<{ gpus: number; minW: number; maxW: number; limitW: number; pos: number; model: string }> | undefined;
  flex: Flex | undefined;
}

/**
 * The running jobs' Flex of the last pass over the same running list, policy and site
 * base: a driver that keeps its running list (the simulator) has most of them unchanged
 * from pass to pass, so only the jobs that changed are worked out again. `inputs` is in
 * the running list's order of the last pass; a job that moved or is new is looked up in
 * `byId`, kept across passes: built from the last list, it cost a walk of all running
 * jobs in every pass where one started or ended (most passes of a busy site). An entry
 * from an earlier pass is as good as the last one: `unchanged` compares everything a
 * Flex is made of.
 */
interface FlexCache {
  policy: Pass['policy'];
  base: object;
  inputs: FlexInputs[];
  byId: Map<string, FlexInputs>;
  list: Flex[];
}
const kept = new Kept<readonly RunningJob[], FlexCache>();

function runningFlex(pass: Pass): Flex[] {
  const running = pass.site.running;
  let cache = kept.get(running);
  const base = pass.work.baseKey;
  if (!cache || cache.policy !== pass.policy || cache.base !== base) {
    cache = { policy: pass.policy, base, inputs: [], byId: new Map(), list: [] };
    kept.set(running, cache);
  }
  const { inputs: last, byId } = cache;
  const inputs: FlexInputs[] = new Array(running.length);
  const list: Flex[] = [];
  let same = true;
  for (let i = 0; i < running.length; i++) {
    const r = running[i]!;
    const b = pass.work.boundsOf(r.id);
    let was = last[i]?.r === r ? last[i] : byId.get(r.id);
    if (!was || !unchanged(was, r, b)) byId.set(r.id, (was = inputsOf(r, b, b && flexOf(pass, r, b))));
    inputs[i] = was;
    if (!was.flex) continue;
    if (cache.list[list.length] !== was.flex) same = false;
    list.push(was.flex);
  }
  cache.inputs = inputs;
  // Jobs that ended stay in byId until it holds twice the running list: then only these.
  if (byId.size > 2 * inputs.length + 64) cache.byId = new Map(inputs.map((x) => [x.r.id, x]));
  if (same && list.length === cache.list.length) return cache.list;
  return (cache.list = list);
}

/** One literal with every field, so that V8 keeps one fast shape for all of them. */
function inputsOf(r: RunningJob, b: FlexInputs['bounds'], flex: Flex | undefined): FlexInputs {
  const bounds = b && { gpus: b.gpus, minW: b.minW, maxW: b.maxW, limitW: b.limitW, pos: b.pos, model: b.model };
  return { r, stopping: r.stopping, telemetryLost: r.telemetryLost, minW: r.minW, maxW: r.maxW, p99W: r.power?.p99W, heldFraction: r.power?.heldFraction, flexClass: r.flex, bounds, flex };
}

function unchanged(was: FlexInputs, r: RunningJob, b: FlexInputs['bounds']): boolean {
  const a = was.bounds;
  const sameBounds = a === b || (a !== undefined && b !== undefined && a.gpus === b.gpus && a.minW === b.minW && a.maxW === b.maxW && a.limitW === b.limitW && a.pos === b.pos && a.model === b.model);
  return sameBounds && was.stopping === r.stopping && was.telemetryLost === r.telemetryLost && was.minW === r.minW && was.maxW === r.maxW && was.p99W === r.power?.p99W && was.heldFraction === r.power?.heldFraction && was.flexClass === r.flex;
}

/** A running job's Flex, or undefined when its limit stays put. */
function flexOf(pass: Pass, r: RunningJob, b: NonNullable<FlexInputs['bounds']>): Flex | undefined {
  // Without telemetry a job's limit stays put: nothing is raised blind.
  if (r.stopping || r.telemetryLost) return undefined;
  const f: Flex = { jobId: r.id, model: b.model, gpus: b.gpus, maxW: b.maxW, ...pass.bounds(r, b.minW, b.maxW, b.pos, b.model) };
  measured(pass, r, f, b.minW);
  if (r.flex !== undefined) {
    // Never below what keeps the throughput its class promises.
    const topW = Math.min(f.maxW, r.maxW ?? f.maxW);
    f.flex = r.flex;
    f.floor = Math.min(f.want, Math.max(f.floor, toleranceFloor(pass.curveFor(b.model), r.flex, f.floor, topW, f.maxW, f.demandW)));
  }
  return f.floor >= f.want && b.limitW === f.want ? undefined : f;
}

/**
 * Right-sizing: a job its telemetry shows below its limit wants its p99 draw plus a
 * margin (never below its own or its GPUs' minimum); one held back keeps wanting its max.
 */
function measured(pass: Pass, r: RunningJob, f: Flex, gpuMin: number): void {
  const rs = pass.rightSizing;
  const p = r.power;
  if (!rs || !p) return;
  if (p.heldFraction >= rs.heldFraction) {
    f.held = true;
    return;
  }
  f.demandW = p.p99W;
  const target = Math.ceil(p.p99W + Math.max(rs.minMarginW, rs.marginFraction * p.p99W));
  f.want = Math.min(f.want, Math.max(target, gpuMin, Math.min(f.maxW, r.minW ?? 0)));
  f.floor = Math.min(f.floor, f.want);
}

/** The right-size phase: lower every job to what it wants; the watts free up when the hardware confirms. */
export function rightSize(pass: Pass): void {
  if (!pass.rightSizing) return;
  for (const f of flexJobs(pass)) {
    if (pass.limitNow(f) - f.want >= pass.policy.minLimitChangeW) pass.lower(f.jobId, f.want, 'right-size');
  }
}

/** What a blocked job asks of shaving: its facility watts at a limit, its limit range and GPUs. */
export interface ShaveAsk {
  need: (w: number) => number;
  floor: number;
  want: number;
  maxW: number;
  model: string;
  gpus: number;
  avail: number;
}

/**
 * Lowers every flexible job to one common level (never below its floor) so that a
 * blocked job fits at that level too, if the work it adds outweighs the work the
 * others lose (each job's loss from the curve and its measured draw). Jobs placed in
 * this pass have not started: their watts are free at once. Running jobs' watts count
 * until telemetry confirms their lower limits, so then the job waits for a later pass.
 * Returns the job's limit, how many running jobs it lowers, or undefined (not worth it).
 */
export function shaveFor(pass: Pass, ask: ShaveAsk): { limitW: number } | { lowered: number } | undefined {
  if (pass.rescues >= pass.policy.maxRescuesPerPass) return undefined;
  pass.rescues++;
  const { need, floor, want, maxW, model, gpus, avail } = ask;
  const flex = flexJobs(pass).filter((f) => !pass.lowering.has(f.jobId));
  const own = (level: number) => Math.min(want, Math.max(floor, level));
  const fits = (level: number) => freedAt(pass, flex, level) + avail >= need(own(level));
  let lo = Math.min(floor, ...flex.map((f) => f.floor));
  if (!fits(lo)) return undefined;
  let hi = Math.max(want, ...flex.map((f) => pass.limitNow(f)));
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  const level = lo;
  const gain = gpus * pass.curveFor(model).at(own(level), maxW);
  if (gain <= lossAt(pass, flex, level)) return undefined;
  let lowered = 0;
  for (const f of flex) {
    const next = Math.max(level, f.floor);
    if (next >= pass.limitNow(f)) continue;
    if (pass.running.has(f.jobId)) {
      pass.lower(f.jobId, next, 'shave');
      lowered++;
    } else pass.setLimit(f.jobId, next, 'shave');
  }
  return lowered > 0 ? { lowered } : { limitW: own(level) };
}

/** Facility watts freed by lowering every flexible job to `level` (never below its floor). */
export function freedAt(pass: Pass, flex: readonly Flex[], level: number): number {
  return facilityOf(pass.work.pue, flex.reduce((s, f) => s + f.gpus * Math.max(0, pass.limitNow(f) - Math.max(level, f.floor)), 0));
}

/** The work flexible jobs lose when lowered to `level`, from each one's curve and measured draw. */
function lossAt(pass: Pass, flex: readonly Flex[], level: number): number {
  return flex.reduce((s, f) => {
    const now = pass.limitNow(f);
    const next = Math.max(level, f.floor);
    const curve = pass.curveFor(f.model);
    return next < now ? s + f.gpus * (curve.forJob(now, f.maxW, f.demandW) - curve.forJob(next, f.maxW, f.demandW)) : s;
  }, 0);
}
