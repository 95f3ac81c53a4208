import { capChanges, type CapChange, type CapEvent } from '@wattpack/scheduler/core';
import type { SiteFile } from './site-file.js';

/** The site file's grid events as the core's cap events (s from the simulation's start). */
export function capEvents(site: SiteFile): CapEvent[] {
  return site.gridEvents.map((e) => ({ start: e.atS, end: e.atS + e.durationS, capW: e.capMw * 1e6, notice: e.noticeS }));
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
    const events = capEvents(site);
    this.changes = capChanges(this.capW, events);
    this.planChanges = capChanges(this.capW, events, leadS);
  }

  /** When either cap changes next (Infinity: never again). */
  nextAtS(): number {
    return Math.min(
      this.next < this.changes.length ? this.changes[this.next]!.at : Infinity,
      this.nextPlan < this.planChanges.length ? this.planChanges[this.nextPlan]!.at : Infinity,
    );
  }

  /** Takes every change due by `t`; true if either cap changed. */
  advanceTo(t: number): boolean {
    let changed = false;
    while (this.next < this.changes.length && this.changes[this.next]!.at <= t) {
      this.capW = this.changes[this.next++]!.capW;
      changed = true;
    }
    while (this.nextPlan < this.planChanges.length && this.planChanges[this.nextPlan]!.at <= t) {
      this.planCapW = this.planChanges[this.nextPlan++]!.capW;
      changed = true;
    }
    return changed;
  }
}
