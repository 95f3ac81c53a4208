import type { MeterConfig } from '@wattpack/common/daemon';
import type { MeterSample } from './modbus-meter.js';

/** What `wattpack site` shows of the meter, and the correction the core counts. */
export interface MeterStatus {
  /** The meter's readings are counted (a good one within staleAfterMs). */
  trusted: boolean;
  /** Why the last reading was not used, or why the meter is not trusted; '' when all is well. */
  reason: string;
  /** The last good reading, W, and when (ms). */
  measuredW?: number;
  measuredAt?: number;
  /** The model's facility watts at the last reading. */
  modeledW: number;
  /** Measured minus modeled at the last good reading, W. */
  errorW?: number;
  /** What the core multiplies the model's facility watts by (>= 1), and the watts that adds now. */
  factor: number;
  correctionW: number;
}

type Config = Pick<MeterConfig, 'staleAfterMs' | 'jumpFactor' | 'window' | 'fallbackMarginFraction'>;

/**
 * Judges the meter's readings and turns them into the correction the core counts: a
 * factor on the model's facility watts, the median of the last few good readings'
 * measured/modeled (noise and single spikes do not move it). A factor, not an offset: the
 * model's errors (host power, PUE) grow with the load, and a job about to start must be
 * counted with its share of the error, or it starts, the meter shows it over, and it is
 * shed again. Never below 1 (a model above the meter is kept: limits can be drawn any moment). A reading that is no number, negative, or a jump by `jumpFactor` against the
 * model or the last good reading is refused with its reason. Without a good reading for
 * staleAfterMs the meter is not trusted: the model plus a margin, or the last factor if
 * larger (the last safe state), until good readings come back.
 */
export class MeterTracker {
  private ratios: number[] = [];
  private last: { w: number; at: number } | undefined;
  /** The factor the last good reading gave. */
  private goodFactor = 1;
  private status: MeterStatus;

  constructor(private readonly config: Config) {
    this.status = { trusted: false, reason: 'no reading yet', modeledW: 0, factor: 1, correctionW: 0 };
  }

  get current(): MeterStatus {
    return this.status;
  }

  /** One sample against the model's facility watts at the same moment. */
  sample(s: MeterSample, modeledW: number): MeterStatus {
    const refused = s.ok ? this.judge(s.watts, modeledW, s.at) : s.reason;
    if (refused === undefined && s.ok) {
      this.last = { w: s.watts, at: s.at };
      if (modeledW > 0) this.ratios = [...this.ratios, s.watts / modeledW].slice(-this.config.window);
      this.goodFactor = Math.max(1, this.ratios.length ? median(this.ratios) : 1);
      this.status = { trusted: true, reason: '', measuredW: s.watts, measuredAt: s.at, modeledW, errorW: s.watts - modeledW, ...counted(this.goodFactor, modeledW) };
      return this.status;
    }
    const fresh = this.last !== undefined && s.at - this.last.at <= this.config.staleAfterMs;
    const { measuredW, measuredAt, errorW } = this.status;
    const kept = { ...(measuredW !== undefined ? { measuredW, measuredAt, errorW } : {}) };
    if (fresh) {
      // A glitch between good readings: hold what the good ones said.
      this.status = { ...kept, trusted: true, reason: refused ?? '', modeledW, ...counted(this.goodFactor, modeledW) };
    } else {
      const since = this.last ? `no good reading for ${Math.round((s.at - this.last.at) / 1000)}s` : 'no good reading yet';
      this.status = {
        ...kept,
        trusted: false,
        reason: `${refused}; ${since}: counting the model plus ${Math.round(this.config.fallbackMarginFraction * 100)} %`,
        modeledW,
        ...counted(Math.max(1 + this.config.fallbackMarginFraction, this.goodFactor), modeledW),
      };
    }
    return this.status;
  }

  /** Why a reading cannot be right, or undefined when it may be. */
  private judge(w: number, modeledW: number, at: number): string | undefined {
    if (!Number.isFinite(w) || w < 0) return `meter answered garbage (${w} W)`;
    const f = this.config.jumpFactor;
    const mw = (x: number) => `${(x / 1e6).toFixed(3)} MW`;
    if (modeledW > 0 && (w > f * modeledW || w < modeledW / f)) return `meter reads ${mw(w)}, more than ${f}x off the model's ${mw(modeledW)}: ignored`;
    const prev = this.last;
    if (prev && at - prev.at <= this.config.staleAfterMs && prev.w > 0 && (w > f * prev.w || w < prev.w / f)) {
      return `meter jumped from ${mw(prev.w)} to ${mw(w)}: ignored`;
    }
    return undefined;
  }
}

const counted = (factor: number, modeledW: number) => ({ factor, correctionW: (factor - 1) * modeledW });

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
