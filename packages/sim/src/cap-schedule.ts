import { capAheadAt, capChanges, type CapChange, type CapEvent } from '@wattpack/scheduler/core';
import type { SiteFile } from './site-file.js';

/** A site file's grid event in seconds; a cut (`reducePct`) has its cap once announced. */
export interface SimGridEvent {
  start: number;
  end: number;
  notice: number;
  reducePct?: number;
  /** The cap it holds the facility to: given, or the cut taken against the baseline. */
  capW?: number;
  /** Facility watts drawn when a cut was announced. */
  baselineW?: number;
}

export function gridEvents(site: SiteFile): SimGridEvent[] {
  return site.gridEvents.map((e) => ({
    start: e.atS,
    end: e.atS + e.durationS,
    notice: e.noticeS,
    ...(e.capMw !== undefined ? { capW: e.capMw * 1e6 } : {}),
    ...(e.reducePct !== undefined ? { reducePct: e.reducePct } : {}),
  }));
}

/** When an event is announced (a cut then takes its baseline). */
export const announcedAt = (e: SimGridEvent): number => Math.max(0, e.start - e.notice);

/**
 * The two caps over virtual time: the one the facility is held to (`capW`: grid events as
 * they start and end), and the one the core plans against (`planCapW`: an announced drop
 * shows up to `leadS` early, as in the live scheduler). A cut gets its cap when it is
 * announced, from the facility's drawn watts then (`resolve`).
 */
export class CapClock {
  capW: number;
  planCapW: number;
  readonly events: SimGridEvent[];
  private readonly baseW: number;
  private changes: CapChange[] = [];
  private planChanges: CapChange[] = [];
  private next = 0;
  private nextPlan = 0;

  constructor(site: SiteFile, private readonly leadS: number) {
    this.baseW = site.site.capMw * 1e6;
    this.capW = this.baseW;
    this.planCapW = this.baseW;
    this.events = gridEvents(site);
    this.rebuild(-Infinity);
  }

  /** The known events as the core's cap events. */
  private known(): CapEvent[] {
    return this.events.filter((e) => e.capW !== undefined).map((e) => ({ start: e.start, end: e.end, capW: e.capW!, notice: e.notice }));
  }

  /** The changes of both caps; those due by `t` are taken at once. */
  private rebuild(t: number): void {
    const events = this.known();
    this.changes = capChanges(this.baseW, events);
    this.planChanges = capChanges(this.baseW, events, this.leadS);
    this.next = 0;
    this.nextPlan = 0;
    this.capW = this.baseW;
    this.planCapW = this.baseW;
    this.advanceTo(t);
  }

  /** The next lower planning cap announced by `t` and when it counts (s), for the core's snapshot. */
  planAhead(t: number): CapChange | undefined {
    return capAheadAt(this.baseW, this.known(), t, this.leadS);
  }

  /** When a cut is announced next (Infinity: none left). */
  nextResolveAtS(): number {
    let at = Infinity;
    for (const e of this.events) if (e.capW === undefined) at = Math.min(at, announcedAt(e));
    return at;
  }

  /** Cuts announced by `t` take their cap from `drawnW`, the facility's watts now; true if either cap changed. */
  resolve(t: number, drawnW: number): boolean {
    const was = [this.capW, this.planCapW];
    let any = false;
    for (const e of this.events) {
      if (e.capW !== undefined || announcedAt(e) > t) continue;
      e.baselineW = drawnW;
      e.capW = drawnW * (1 - e.reducePct! / 100);
      any = true;
    }
    if (any) this.rebuild(t);
    return this.capW !== was[0] || this.planCapW !== was[1];
  }

  /** When either cap changes next (Infinity: never again). */
  nextAtS(): number {
    return Math.min(
      this.next < this.changes.length ? this.changes[this.next]!.at : Infinity,
      this.nextPlan < this.planChanges.length ? this.planChanges[this.nextPlan]!.at : Infinity,
      this.nextResolveAtS(),
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
