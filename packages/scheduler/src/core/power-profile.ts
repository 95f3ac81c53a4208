import { percentile } from './percentile.js';
import type { JobPower } from './snapshot.js';

/** One telemetry sample of a running job: its hottest GPU's draw, and whether the limit held it back. */
export interface PowerSample {
  atMs: number;
  drawW: number;
  capped: boolean;
}

export interface ProfileOptions {
  /** Samples this long after the attempt starts are ignored: loading data and compiling draw little. */
  warmupS: number;
  /** The rolling window, in samples (at one report a second, 300 is five minutes). */
  window: number;
  /** Fewest samples after warm-up before the profile speaks for the job. */
  minSamples: number;
}

export const DEFAULT_PROFILE: ProfileOptions = { warmupS: 120, window: 300, minSamples: 10 };

/**
 * A job's rolling power profile: p50/p99 of its draw and the share of samples held back
 * at its limit, over the last `window` samples after warm-up. Pure: the live scheduler
 * feeds it agents' reports, the simulator its modelled draw.
 */
export class PowerProfile {
  private readonly draws: Float64Array;
  private readonly capped: Uint8Array;
  private count = 0;
  private next = 0;
  /** Samples in the window held back at the limit, kept as samples come and go. */
  private held = 0;
  private cached: JobPower | undefined;
  private dirty = false;

  constructor(
    private readonly startedAt: number,
    private readonly opts: ProfileOptions = DEFAULT_PROFILE,
  ) {
    this.draws = new Float64Array(opts.window);
    this.capped = new Uint8Array(opts.window);
  }

  add(s: PowerSample): void {
    if (s.atMs < this.startedAt + this.opts.warmupS * 1000 || !Number.isFinite(s.drawW)) return;
    if (this.count === this.opts.window) this.held -= this.capped[this.next]!;
    this.draws[this.next] = s.drawW;
    this.capped[this.next] = s.capped ? 1 : 0;
    this.held += this.capped[this.next]!;
    this.next = (this.next + 1) % this.opts.window;
    if (this.count < this.opts.window) this.count++;
    this.dirty = true;
  }

  /** Share of the window held back at the limit, or undefined while warming up; no sort, for every report. */
  heldFraction(): number | undefined {
    return this.count < this.opts.minSamples ? undefined : this.held / this.count;
  }

  /** The profile, or undefined while it has too few samples (warming up). */
  summary(): JobPower | undefined {
    if (this.count < this.opts.minSamples) return undefined;
    if (this.dirty || !this.cached) {
      const sorted = this.draws.slice(0, this.count).sort();
      this.cached = { p50W: percentile(sorted, 0.5), p99W: percentile(sorted, 0.99), heldFraction: this.held / this.count, samples: this.count };
      this.dirty = false;
    }
    return this.cached;
  }
}
