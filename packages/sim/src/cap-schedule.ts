import type { SiteFile } from './site-file.js';

export interface CapChange {
  atS: number;
  capW: number;
}

/**
 * Cap changes from the grid events: at each boundary, the lowest cap of the events in
 * force. With `leadS`, an event counts from up to `leadS` before it starts, as far as
 * its notice allows: the cap to plan against.
 */
export function capSchedule(site: SiteFile, leadS = 0): CapChange[] {
  const base = site.facility.capMw * 1e6;
  const from = (e: SiteFile['gridEvents'][number]) => Math.max(0, e.atS - Math.min(e.noticeS, leadS));
  const instants = [...new Set(site.gridEvents.flatMap((e) => [from(e), e.atS + e.durationS]))].sort((a, b) => a - b);
  const out: CapChange[] = [];
  let current = base;
  for (const at of instants) {
    let cap = base;
    for (const e of site.gridEvents) if (from(e) <= at && at < e.atS + e.durationS) cap = Math.min(cap, e.capMw * 1e6);
    if (cap !== current) out.push({ atS: at, capW: cap });
    current = cap;
  }
  return out;
}

/**
 * The two caps over virtual time: the one the facility is held to (`capW`: grid events as
 * they start and end), and the one the core plans against (`planCapW`: an announced drop
 * shows up to `leadS` early, as in the live scheduler).
 */
export class CapClock {
  capW: number;
  planCapW: number;
  private readonly changes: CapChange[];
  private readonly planChanges: CapChange[];
  private next = 0;
  private nextPlan = 0;

  constructor(site: SiteFile, leadS: number) {
    this.capW = site.facility.capMw * 1e6;
    this.planCapW = this.capW;
    this.changes = capSchedule(site);
    this.planChanges = capSchedule(site, leadS);
  }

  /** When either cap changes next (Infinity: never again). */
  nextAtS(): number {
    return Math.min(
      this.next < this.changes.length ? this.changes[this.next]!.atS : Infinity,
      this.nextPlan < this.planChanges.length ? this.planChanges[this.nextPlan]!.atS : Infinity,
    );
  }

  /** Takes every change due by `t`; true if either cap changed. */
  advanceTo(t: number): boolean {
    let changed = false;
    while (this.next < this.changes.length && this.changes[this.next]!.atS <= t) {
      this.capW = this.changes[this.next++]!.capW;
      changed = true;
    }
    while (this.nextPlan < this.planChanges.length && this.planChanges[this.nextPlan]!.atS <= t) {
      this.planCapW = this.planChanges[this.nextPlan++]!.capW;
      changed = true;
    }
    return changed;
  }
}
