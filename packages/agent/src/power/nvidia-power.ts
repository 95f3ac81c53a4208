import { WattpackError, type GpuInfo, type Logger } from '@wattpack/common/daemon';
import type { PowerWatcher } from '../collectors/nvidia/collector.js';
import { firstLine, type SmiRunner } from '../collectors/nvidia/nvidia-smi.js';
import type { SmiGpuRow } from '../collectors/nvidia/parse-query-gpu.js';
import { powerLimitRefusal } from '../collectors/nvidia/parse-set-power.js';
import { checkGpuLimitRequest, type GpuPowerControl } from './power-control.js';

/** Limits are printed with two decimals; anything closer than this is the same limit. */
const TOLERANCE_W = 0.5;
/** How often a GPU whose limit could not be applied is tried again. */
const DEFAULT_RETRY_MS = 60_000;

export interface NvidiaPowerOptions {
  smi: SmiRunner;
  gpus: readonly GpuInfo[];
  /** Reads the requested and enforced limits of some GPUs now. */
  readLimits(indices: readonly number[]): Promise<SmiGpuRow[]>;
  logger: Logger;
  retryMs?: number;
}

/**
 * GPU power limits through `nvidia-smi -i <ids> -pl <W>`. A limit counts as applied only
 * when nvidia-smi then reports it as power.limit and enforced.power.limit is not above it.
 * What failed stays a condition of the GPU (its health is FAILED with the reason, so the
 * scheduler places nothing there) until a later apply succeeds.
 *
 * Limits reset when the driver reloads: every sample is compared with what was set (the
 * default where no job runs) and a drifted GPU is set again.
 */
export class NvidiaPowerLimits implements GpuPowerControl, PowerWatcher {
  /** Limits set for running jobs; a GPU not here should be at its default. */
  private readonly wanted = new Map<number, number>();
  private readonly problems = new Map<number, { message: string; at: number }>();
  /** One change at a time, so that a re-apply never overtakes a newer limit. */
  private queue: Promise<void> = Promise.resolve();
  private reapplying = false;
  /** setGpuLimits calls under way. */
  private changing = 0;
  /** GPUs seen off their limit in the last sample: a second sample in a row re-applies it. */
  private drifting = new Set<number>();
  private readonly log: Logger;

  constructor(private readonly opts: NvidiaPowerOptions) {
    this.log = opts.logger.child({ component: 'nvidia-power' });
  }

  async setGpuLimits(indices: number[], watts: number): Promise<void> {
    const gpus = checkGpuLimitRequest(this.opts.gpus, indices, watts);
    const targets = new Map(gpus.map((g) => [g.index, watts === 0 ? g.defaultPowerLimitW : watts]));
    this.changing++;
    try {
      await this.serialized(() => this.apply(targets));
      for (const g of gpus) {
        if (watts === 0) this.wanted.delete(g.index);
        else this.wanted.set(g.index, watts);
      }
    } finally {
      this.changing--;
      this.drifting.clear();
    }
  }

  conditions(index: number): string[] {
    const p = this.problems.get(index);
    return p ? [`power limit not applied: ${p.message}`] : [];
  }

  /**
   * Re-applies, in the background, the limit of any GPU off its limit in two samples in a
   * row (one may have been read while a change was being made), or that failed a while ago.
   */
  observe(rows: readonly SmiGpuRow[]): void {
    // While a limit changes, samples show it half-way: neither what was nor what will be wanted.
    if (this.reapplying || this.changing) return;
    const now = Date.now();
    const targets = new Map<number, number>();
    const drifting = new Set<number>();
    for (const row of rows) {
      const gpu = this.opts.gpus.find((g) => g.index === row.index);
      if (!gpu) continue;
      const want = this.wanted.get(gpu.index) ?? gpu.defaultPowerLimitW;
      if (row.requestedLimitW !== undefined && Math.abs(row.requestedLimitW - want) > TOLERANCE_W) drifting.add(gpu.index);
      const problem = this.problems.get(gpu.index);
      if ((drifting.has(gpu.index) && this.drifting.has(gpu.index)) || (problem && now - problem.at >= (this.opts.retryMs ?? DEFAULT_RETRY_MS))) targets.set(gpu.index, want);
    }
    this.drifting = drifting;
    if (!targets.size) return;
    this.reapplying = true;
    this.log.warn({ gpus: Object.fromEntries(targets) }, 'GPU power limits differ from what was set (driver reloaded?) or failed before: applying again');
    void this.serialized(() => this.apply(targets))
      .then(() => this.log.info({ gpus: [...targets.keys()] }, 'GPU power limits applied again'))
      .catch((err: Error) => this.log.error({ err: err.message }, 'applying GPU power limits again failed'))
      .finally(() => (this.reapplying = false));
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Sets each GPU to its target and verifies; rejects naming the GPUs that did not take it. */
  private async apply(targets: Map<number, number>): Promise<void> {
    const byWatts = new Map<number, number[]>();
    for (const [index, w] of targets) byWatts.set(w, [...(byWatts.get(w) ?? []), index]);
    const failures: string[] = [];
    for (const [watts, indices] of byWatts) {
      const message = await this.setAndVerify(indices, watts);
      for (const index of indices) {
        const own = message?.get(index);
        if (own) this.problems.set(index, { message: own, at: Date.now() });
        else this.problems.delete(index);
      }
      if (message) failures.push(...new Set(message.values()));
    }
    if (failures.length) throw new WattpackError('FAILED_PRECONDITION', failures.join('; '));
  }

  /** undefined when all took `watts`; otherwise each failed GPU's reason. */
  private async setAndVerify(indices: number[], watts: number): Promise<Map<number, string> | undefined> {
    const all = (message: string) => new Map(indices.map((i) => [i, message]));
    const label = `GPU ${indices.join(', ')}`;
    let refusal: string | undefined;
    try {
      const out = await this.opts.smi(['-i', indices.join(','), '-pl', watts.toFixed(2)]);
      refusal = powerLimitRefusal(out);
      if (refusal) this.log.warn({ gpus: indices, watts, output: firstLine(out) }, 'nvidia-smi refused the power limit');
    } catch (err) {
      refusal = (err as Error).message;
    }
    if (refusal) return all(`${label}: ${watts} W: ${refusal}`);

    let rows: SmiGpuRow[];
    try {
      rows = await this.opts.readLimits(indices);
    } catch (err) {
      return all(`${label}: cannot verify the ${watts} W limit: ${(err as Error).message}`);
    }
    const failed = new Map<number, string>();
    for (const index of indices) {
      const row = rows.find((r) => r.index === index);
      const requested = row?.requestedLimitW;
      const enforced = row?.enforcedLimitW;
      if (requested === undefined && enforced === undefined) failed.set(index, `GPU ${index}: cannot verify the ${watts} W limit: nvidia-smi reports no limit`);
      else if ((requested !== undefined && Math.abs(requested - watts) > TOLERANCE_W) || (enforced !== undefined && enforced > watts + TOLERANCE_W)) {
        failed.set(index, `GPU ${index}: asked for ${watts} W, nvidia-smi reports power.limit ${requested ?? 'unknown'} W, enforced.power.limit ${enforced ?? 'unknown'} W`);
      }
    }
    return failed.size ? failed : undefined;
  }
}
