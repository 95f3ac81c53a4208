import type { MeterSample } from '../meter/modbus-meter.js';
import { MeterTracker, type MeterStatus } from '../meter/tracker.js';
import { budgetW, siteSplit, siteWatts } from '../core/watts.js';
import { measuredNodes } from '../state/snapshot-builder.js';
import type { Cycle } from './cycle.js';
import type { LoopState } from './state.js';

/**
 * The facility meter's readings into the live state: each is judged against the model
 * (meter/tracker.ts), and the correction it gives is what the next snapshot counts. Over
 * the cap at the meter, a pass runs at once: shedding waits for no timer.
 */
export class Metering {
  private readonly tracker: MeterTracker | undefined;

  constructor(
    private readonly state: LoopState,
    private readonly cycle: Cycle,
  ) {
    const { meter } = state.site;
    this.tracker = meter ? new MeterTracker(meter) : undefined;
  }

  sample(s: MeterSample): MeterStatus | undefined {
    if (!this.tracker) return undefined;
    const before = this.state.meterStatus?.factor ?? 1;
    const snapshot = this.state.snapshot();
    const modeledW = siteSplit(snapshot).facilityW;
    const status = this.tracker.sample(s, modeledW);
    this.state.meterStatus = status;
    // A reading the meter is trusted with goes into the record of grid events.
    if (s.ok && status.trusted && status.measuredAt === s.at) this.state.compliance.observe(this.state.site, s.at, s.watts);
    const over = modeledW * status.factor > budgetW(snapshot);
    // A change worth a pass: over the cap now, or the factor moved by more than 0.5 %.
    if (over || Math.abs(status.factor - before) > 0.005) this.cycle.request();
    return status;
  }
}

/**
 * The site's measured facility power now: the meter's last good reading while it is
 * trusted, else what the agents measured (hosts by their BMCs, or as the model counts them).
 * Relative grid events (--reduce 25%) are taken against it.
 */
export function measuredBaselineW(state: LoopState): number {
  const m = state.meterStatus;
  if (m?.trusted && m.measuredW !== undefined) return m.measuredW;
  return siteWatts(state.snapshot(), measuredNodes(state.nodes.values()), new Set()).measured.facilityW;
}
