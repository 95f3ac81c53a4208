import type { Job, SiteConfig } from '@wattpack/common/daemon';
import { ThroughputCurve } from '../core/limits.js';
import { H200_TRAIN_CURVE } from '../core/policy.js';

const INTERVAL_MS = 60_000;
/** Events kept in memory, newest last (a restart starts the record again). */
const KEPT = 20;

interface Interval {
  startMs: number;
  targetW: number;
  sumW: number;
  n: number;
  maxW: number;
}

interface EventRecord {
  startMs: number;
  durationS: number;
  targetW: number;
  baselineW?: number;
  reachedAfterS?: number;
  intervals: Interval[];
}

export interface EventReport {
  startMs: number;
  durationS: number;
  targetW: number;
  baselineW?: number;
  reachedAfterS?: number;
  intervals: { startMs: number; targetW: number; meanW: number; maxW: number }[];
  slowed: { jobId: string; fromW: number; toW: number; throughputKept: number }[];
}

/**
 * The compliance record of grid events: for each event, what the trusted meter read per
 * minute against the target, when it first read at or under it, and (when asked) which
 * jobs the site slowed to get there. Memory only: what a utility asks for is the last
 * events, and the meter's own log is the record of truth.
 */
export class Compliance {
  private readonly records: EventRecord[] = [];

  /** One trusted meter reading at `now`. */
  observe(site: Pick<SiteConfig, 'gridEvents'>, now: number, meteredW: number): void {
    for (const e of site.gridEvents) {
      if (now < e.startMs || now >= e.startMs + e.durationS * 1000) continue;
      let r = this.records.find((x) => x.startMs === e.startMs && x.durationS === e.durationS);
      if (!r) {
        r = { startMs: e.startMs, durationS: e.durationS, targetW: e.capMw * 1e6, ...(e.baselineW !== undefined ? { baselineW: e.baselineW } : {}), intervals: [] };
        this.records.push(r);
        if (this.records.length > KEPT) this.records.shift();
      }
      if (r.reachedAfterS === undefined && meteredW <= r.targetW) r.reachedAfterS = (now - e.startMs) / 1000;
      const startMs = e.startMs + Math.floor((now - e.startMs) / INTERVAL_MS) * INTERVAL_MS;
      let i = r.intervals.at(-1);
      if (i?.startMs !== startMs) r.intervals.push((i = { startMs, targetW: r.targetW, sumW: 0, n: 0, maxW: 0 }));
      i.sumW += meteredW;
      i.n++;
      i.maxW = Math.max(i.maxW, meteredW);
    }
  }

  /** Every recorded event, with the jobs whose limits were shed during it and what they kept. */
  reports(jobs: Iterable<Job>): EventReport[] {
    if (this.records.length === 0) return [];
    const curve = ThroughputCurve.of(H200_TRAIN_CURVE);
    const all = [...jobs];
    return this.records.map((r) => {
      const endMs = r.startMs + r.durationS * 1000;
      const slowed: EventReport['slowed'] = [];
      for (const job of all) {
        const history = job.limitHistory ?? [];
        const shed = history.filter((c) => c.why === 'shed' && c.at >= r.startMs && c.at < endMs);
        if (shed.length === 0) continue;
        const before = [...history].reverse().find((c) => c.at < shed[0]!.at)?.limitW ?? job.spec.power.maxWatts ?? shed[0]!.limitW;
        const toW = Math.min(...shed.map((c) => c.limitW));
        // Against the GPU's max as the curve's top (the job's own max when it set one).
        const maxW = job.spec.power.maxWatts ?? 700;
        slowed.push({ jobId: job.id, fromW: before, toW, throughputKept: curve.at(toW, maxW) / curve.at(before, maxW) });
      }
      return {
        startMs: r.startMs,
        durationS: r.durationS,
        targetW: r.targetW,
        ...(r.baselineW !== undefined ? { baselineW: r.baselineW } : {}),
        ...(r.reachedAfterS !== undefined ? { reachedAfterS: r.reachedAfterS } : {}),
        intervals: r.intervals.map((i) => ({ startMs: i.startMs, targetW: i.targetW, meanW: i.sumW / i.n, maxW: i.maxW })),
        slowed,
      };
    });
  }
}
