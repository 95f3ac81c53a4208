import { notEnoughPower } from './explain.js';
import { findNodes, type Fit } from './fit.js';
import { ThroughputCurve } from './limits.js';
import { FairShare, orderQueue } from './order.js';
import { defaultPolicy, isWattpack, type Policy, type RightSizing } from './policy.js';
import type { LimitReason, Placement, Plan, Preemption, QueuedJob, RunningJob, SiteSnapshot, Waiting } from './snapshot.js';
import { WorkingSite } from './working-site.js';

/**
 * The packing engine: (site snapshot, queue, policy) -> plan. Pure: no clock, no I/O,
 * and the snapshot is not mutated. The live scheduler and the simulator both call it.
 *
 * One pass, in phases (docs/scheduling.md explains each and the objective):
 *   0. shed     if the site is over its cap (a cap drop): curtail miners, lower
 *               flexible limits, then preempt the lowest-priority jobs
 *      right-size  wattpack: running jobs' limits down to their measured p99 draw plus a
 *               margin; the watts count as free once telemetry confirms the lower limit
 *   1. order    priority and submit time; wattpack: teams under their fair share first
 *   2. filter   nodes with enough free GPUs of an accepted model (gangs: one model, fewest racks)
 *   3. watts    the highest per-GPU limit in the job's policy that fits under the cap
 *               (wattpack: counting miners' watts as reclaimable and shaving flexible jobs)
 *   4. assign   take GPUs and watts in the working copy, so later jobs see them gone
 *   5. blocked  fifo: the head blocks the rest; backfill and wattpack: the first blocked
 *               job gets a reservation that later jobs must not delay; wattpack may preempt
 *   6. balance  wattpack: spare watts raise limits back toward max, then wake miners;
 *               watts borrowed from miners curtail the least valuable ones
 */
export function plan(site: SiteSnapshot, queue: readonly QueuedJob[], policy: Policy = defaultPolicy()): Plan {
  return new Planner(site, queue, policy).run();
}

interface Reservation {
  jobId: string;
  at: number;
  positions: ReadonlySet<number>;
  /** Facility watts still spare at `at` once the reserved job runs: long backfill may use only these. */
  spareW: number;
}

interface Flex {
  jobId: string;
  model: string;
  gpus: number;
  maxW: number;
  floor: number;
  want: number;
  /** Measured unconstrained draw (p99), when telemetry shows the job is not held back. */
  demandW?: number;
  /** Telemetry shows its limit holds it back: it loses most without watts. */
  held?: boolean;
}

class Planner {
  private readonly work: WorkingSite;
  private readonly curve: ThroughputCurve;
  private readonly curves = new Map<string, ThroughputCurve>();
  private readonly wattpack: boolean;
  private readonly fair: FairShare | undefined;
  private readonly running = new Map<string, RunningJob>();
  private readonly placements: Placement[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly preemptions: Preemption[] = [];
  private readonly limits = new Map<string, { w: number; why: LimitReason }>();
  /** Running jobs lowered in this pass (right-size, shave): their watts are free only once telemetry confirms it. */
  private readonly lowering = new Set<string>();
  /** Queued jobs waiting for the watts of jobs shaved in this pass: they need no victims. */
  private readonly awaitingShave = new Set<string>();
  private readonly rightSizing: RightSizing | undefined;
  private readonly curtail: string[] = [];
  private readonly resume: string[] = [];
  private readonly ends: { id: string; at: number }[] = [];
  private readonly noFit = new Map<string | number, Omit<Waiting, 'jobId'>>();
  private readonly preempting = new Set<string>();
  private reservation: Reservation | undefined;
  private reserved = false;
  private blockedBy: string | undefined;
  private rescues = 0;
  private flex: Map<string, Flex> | undefined;
  /** Flexible jobs placed in this pass before `flex` was built. */
  private readonly placedFlex: Flex[] = [];
  /** Running miners, least valuable first: the watts wattpack may take back. */
  private miners: WorkingSite['miners'];
  private minersW: number;

  constructor(
    private readonly site: SiteSnapshot,
    private readonly queue: readonly QueuedJob[],
    private readonly policy: Policy,
  ) {
    this.work = new WorkingSite(site);
    this.curve = ThroughputCurve.of(policy.curve);
    for (const [model, points] of Object.entries(policy.curves ?? {})) this.curves.set(model, ThroughputCurve.of(points));
    this.wattpack = isWattpack(policy);
    this.rightSizing = this.wattpack ? policy.rightSizing : undefined;
    this.fair = this.wattpack ? new FairShare(site, queue, policy) : undefined;
    for (const r of site.running) {
      this.running.set(r.id, r);
      this.ends.push({ id: r.id, at: r.stopping ? site.now : r.expectedEndAt });
    }
    this.miners = this.wattpack ? [...this.work.miners].sort((a, b) => a.valuePerW - b.valuePerW || (a.id < b.id ? -1 : 1)) : [];
    this.minersW = this.miners.reduce((sum, m) => sum + m.w, 0);
  }

  run(): Plan {
    const shedding = this.shed();
    // The ramp limit: power may rise only so fast from where the last pass left it.
    const { ramp } = this.site;
    if (!shedding && ramp && this.policy.rampWPerS !== undefined) {
      const ceiling = Math.max(ramp.fromW, this.work.allocatedW) + (this.policy.rampWPerS * Math.max(0, this.site.now - ramp.atMs)) / 1000;
      this.work.budgetW = Math.min(this.work.budgetW, ceiling);
    }
    if (!shedding) this.rightSize();
    const jobs = this.fair ? this.fair.order(this.queue) : orderQueue(this.queue);
    for (const job of jobs) {
      if (shedding) this.waiting.push({ jobId: job.id, code: 'power', reason: 'power: the site is shedding load to meet a lower cap' });
      else this.consider(job);
    }
    // While shedding, the watts just taken from limits are not free until the GPUs confirm them.
    if (this.wattpack && !shedding) {
      this.raiseLimits();
      this.balanceMiners();
    }
    const powerChanges = [...this.limits]
      .filter(([id, { w }]) => this.running.has(id) && w !== this.running.get(id)!.powerLimitW)
      .map(([jobId, { w, why }]) => ({ jobId, powerLimitW: w, why }));
    return {
      placements: this.placements,
      waiting: this.waiting,
      preemptions: this.preemptions,
      powerChanges,
      curtail: this.curtail,
      resume: this.resume,
      allocatedW: this.work.allocatedW,
      budgetW: this.work.budgetW,
    };
  }

  // ---- phases 2-5: one job --------------------------------------------------

  private consider(job: QueuedJob): void {
    if (this.blockedBy) {
      this.waiting.push({ jobId: job.id, code: 'gpus', reason: `queued behind ${this.blockedBy} (first come, first served)` });
      return;
    }
    const endsAt = this.site.now + (job.maxRuntimeS ?? this.policy.defaultRuntimeS) * 1000;
    const long = this.reservation !== undefined && endsAt > this.reservation.at;
    // Free GPUs only shrink during a pass, so a shape that found no nodes stays unplaceable.
    const shape = job.gpuModels.length === 0 ? (job.gpus * 8192 + job.nodes) * 2 + Number(long) : `${job.gpuModels.join('|')}/${job.gpus}/${job.nodes}/${long}`;
    const known = this.noFit.get(shape);
    let blocked: Waiting | undefined = known ? { jobId: job.id, code: known.code, reason: known.reason } : undefined;
    if (!blocked) {
      let fit = findNodes(this.work, job);
      if (!('code' in fit) && long && fit.positions.some((p) => this.reservation!.positions.has(p))) {
        fit = findNodes(this.work, job, this.reservation!.positions);
      }
      if ('code' in fit) {
        this.noFit.set(shape, { code: fit.code, reason: fit.reason });
        blocked = fit;
      } else {
        const placed = this.assign(job, fit, endsAt, long);
        if (!placed) return;
        blocked = placed;
      }
    }
    if (blocked.code !== 'never' && this.wattpack && !this.awaitingShave.has(job.id) && this.tryPreempt(job)) {
      this.waiting.push({ jobId: job.id, code: blocked.code, reason: `preempting ${this.preemptions.filter((p) => p.reason.includes(job.id)).length} job(s) to make room` });
      return;
    }
    if (this.policy.name === 'fifo') {
      if (blocked.code !== 'never') this.blockedBy = job.id;
    }
    else if (!this.reserved && blocked.code !== 'never') {
      this.reserved = true; // EASY: one reservation, for the first blocked job
      this.reserve(job);
    }
    this.waiting.push(blocked);
  }

  /** Phases 3-4. Returns why it could not, or undefined once placed. */
  private assign(job: QueuedJob, fit: Fit, endsAt: number, long: boolean): Waiting | undefined {
    const { work } = this;
    // The GPUs this placement would take, their bounds, and the host watts it wakes.
    let count = 0;
    let idleW = 0;
    let hostW = 0;
    let gpuMin = 0;
    let gpuMax = Infinity;
    for (const pos of fit.positions) {
      const pick = work.peek(pos, fit.model, job.gpus);
      hostW += pick.hostTurnsBusyW;
      for (const g of pick.gpus) {
        count++;
        idleW += g.idleW;
        if (g.minW > gpuMin) gpuMin = g.minW;
        if (g.maxW < gpuMax) gpuMax = g.maxW;
      }
    }
    let avail = work.freeW + this.minersW;
    if (long) avail = Math.min(avail, this.reservation!.spareW);
    const need = (limitW: number) => work.pue * (hostW + count * limitW - idleW);

    let limitW = 0;
    let bounds: { floor: number; want: number } | undefined;
    if (count === 0) {
      if (need(0) > avail) return notEnoughPower(job.id, need(0), avail);
    } else {
      bounds = this.bounds(job, gpuMin, gpuMax, fit.positions[0]!, fit.model);
      const { floor, want } = bounds;
      if (need(want) <= avail) limitW = want;
      else {
        const fitting = Math.floor((avail / work.pue - hostW + idleW) / count);
        if (fitting >= floor) limitW = fitting;
        else {
          const shaved = !long && this.wattpack ? this.shaveFor(need, floor, want, gpuMax, fit.model, count, avail) : undefined;
          if (shaved === undefined) return notEnoughPower(job.id, need(floor), avail);
          if ('lowered' in shaved) {
            this.awaitingShave.add(job.id);
            return { jobId: job.id, code: 'power', reason: `power: lowering ${shaved.lowered} running job(s)' limits to make room (it starts once their GPUs confirm)` };
          }
          limitW = shaved.limitW;
        }
      }
    }
    const nodes = fit.positions.map((pos) => work.take(job.id, pos, fit.model, job.gpus, limitW));
    const facilityW = need(limitW);
    if (long) this.reservation!.spareW -= facilityW;
    this.placements.push({ jobId: job.id, nodes, powerLimitW: limitW, facilityW });
    this.ends.push({ id: job.id, at: endsAt });
    this.fair?.add(job.team, count, facilityW);
    if (this.wattpack && bounds) {
      const f = { jobId: job.id, model: fit.model, gpus: count, maxW: gpuMax, ...bounds };
      if (this.flex) this.flex.set(job.id, f);
      else this.placedFlex.push(f);
    }
    return undefined;
  }

  /** A job's per-GPU limit range. fifo and backfill run GPUs at max; wattpack may go down to the node-efficient limit. */
  private bounds(job: { minW?: number; maxW?: number }, gpuMin: number, gpuMax: number, pos: number, model: string): { floor: number; want: number } {
    const clamp = (w: number) => Math.min(gpuMax, Math.max(gpuMin, w));
    const want = clamp(job.maxW ?? gpuMax);
    if (!this.wattpack) return { floor: want, want };
    const floor = job.minW !== undefined ? clamp(job.minW) : this.efficientLimit(gpuMin, gpuMax, pos, model);
    return { floor: Math.min(floor, want), want };
  }

  private efficientLimit(gpuMin: number, gpuMax: number, pos: number, model: string): number {
    const { nodeGpus, hostBusyW } = this.work.nodeShape(pos);
    return this.curveFor(model).efficientLimit(gpuMin, gpuMax, nodeGpus, hostBusyW);
  }

  /** The model's measured curve, or the policy's curve scaled to the model's max limit. */
  private curveFor(model: string): ThroughputCurve {
    return this.curves.get(model) ?? this.curve;
  }

  // ---- watts for a blocked job: shave flexible jobs (wattpack) -----------------

  /**
   * Running jobs whose limit wattpack may move, built once per pass when first needed.
   * A job already at its maximum with no room below (floor = max) is left out early.
   */
  private flexJobs(): Map<string, Flex> {
    if (this.flex) return this.flex;
    this.flex = new Map();
    for (const r of this.site.running) {
      // Without telemetry a job's limit stays put: nothing is raised blind.
      if (r.stopping || r.telemetryLost) continue;
      const b = this.work.boundsOf(r.id);
      if (!b) continue;
      const f: Flex = { jobId: r.id, model: b.model, gpus: b.gpus, maxW: b.maxW, ...this.bounds(r, b.minW, b.maxW, b.pos, b.model) };
      this.measured(r, f, b.minW);
      if (f.floor >= f.want && b.limitW === f.want) continue;
      this.flex.set(r.id, f);
    }
    for (const f of this.placedFlex) this.flex.set(f.jobId, f);
    return this.flex;
  }

  /**
   * Right-sizing: a job its telemetry shows below its limit wants its p99 draw plus a
   * margin (never below its own or its GPUs' minimum); one held back keeps wanting its max.
   */
  private measured(r: RunningJob, f: Flex, gpuMin: number): void {
    const rs = this.rightSizing;
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
  private rightSize(): void {
    if (!this.rightSizing) return;
    for (const f of this.flexJobs().values()) {
      if (this.limitNow(f) - f.want >= this.policy.minLimitChangeW) this.lower(f.jobId, f.want, 'right-size');
    }
  }

  private limitNow(f: Flex): number {
    return this.work.limitOf(f.jobId) ?? f.want;
  }

  /**
   * Lowers every flexible job to one common level (never below its floor) so that a
   * blocked job fits at that level too, if the work it adds outweighs the work the
   * others lose (each job's loss from the curve and its measured draw). Jobs placed in
   * this pass have not started: their watts are free at once. Running jobs' watts count
   * until telemetry confirms their lower limits, so then the job waits for a later pass.
   * Returns the job's limit, how many running jobs it lowers, or undefined (not worth it).
   */
  private shaveFor(need: (w: number) => number, floor: number, want: number, maxW: number, model: string, gpus: number, avail: number): { limitW: number } | { lowered: number } | undefined {
    if (this.rescues >= this.policy.maxRescuesPerPass) return undefined;
    this.rescues++;
    const flex = [...this.flexJobs().values()].filter((f) => !this.lowering.has(f.jobId));
    const freedAt = (level: number) => this.work.pue * flex.reduce((s, f) => s + f.gpus * Math.max(0, this.limitNow(f) - Math.max(level, f.floor)), 0);
    const own = (level: number) => Math.min(want, Math.max(floor, level));
    const fits = (level: number) => freedAt(level) + avail >= need(own(level));
    let lo = Math.min(floor, ...flex.map((f) => f.floor));
    if (!fits(lo)) return undefined;
    let hi = Math.max(want, ...flex.map((f) => this.limitNow(f)));
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    const level = lo;
    const gain = gpus * this.curveFor(model).at(own(level), maxW);
    const loss = flex.reduce((s, f) => {
      const now = this.limitNow(f);
      const next = Math.max(level, f.floor);
      const curve = this.curveFor(f.model);
      return next < now ? s + f.gpus * (curve.forJob(now, f.maxW, f.demandW) - curve.forJob(next, f.maxW, f.demandW)) : s;
    }, 0);
    if (gain <= loss) return undefined;
    let lowered = 0;
    for (const f of flex) {
      const next = Math.max(level, f.floor);
      if (next >= this.limitNow(f)) continue;
      if (this.running.has(f.jobId)) {
        this.lower(f.jobId, next, 'shave');
        lowered++;
      } else this.setLimit(f.jobId, next, 'shave');
    }
    return lowered > 0 ? { lowered } : { limitW: own(level) };
  }

  /** A lower limit for a running job; its watts count until telemetry confirms it. */
  private lower(jobId: string, limitW: number, why: LimitReason): void {
    this.limits.set(jobId, { w: limitW, why });
    this.lowering.add(jobId);
  }

  private setLimit(jobId: string, limitW: number, why: LimitReason): void {
    this.work.setLimit(jobId, limitW);
    const placed = this.placements.find((p) => p.jobId === jobId);
    if (placed) {
      const bounds = this.work.boundsOf(jobId)!;
      placed.facilityW += this.work.pue * bounds.gpus * (limitW - placed.powerLimitW);
      placed.powerLimitW = limitW;
    } else this.limits.set(jobId, { w: limitW, why });
  }

  // ---- phase 5: reservation and preemption ---------------------------------

  /** Facility watts a job needs at its floor on the nodes of `fit`, in a what-if copy. */
  private floorNeedW(what: WorkingSite, job: QueuedJob, fit: Fit): number {
    const picks = fit.positions.map((pos) => what.peek(pos, fit.model, job.gpus));
    const gpus = picks.flatMap((p) => p.gpus);
    const hostW = picks.reduce((s, p) => s + p.hostTurnsBusyW, 0);
    const floor = gpus.length ? this.bounds(job, Math.max(...gpus.map((g) => g.minW)), Math.min(...gpus.map((g) => g.maxW)), fit.positions[0]!, fit.model).floor : 0;
    return what.pue * (hostW + gpus.reduce((s, g) => s + floor - g.idleW, 0));
  }

  /** EASY backfill: when and where the first blocked job will start, from running jobs' expected ends. */
  private reserve(job: QueuedJob): void {
    const what = this.work.clone();
    const ends = [...this.ends].sort((a, b) => a.at - b.at);
    for (const end of ends) {
      what.release(end.id);
      const fit = findNodes(what, job);
      if ('code' in fit) continue;
      const spareW = what.freeW + this.minersW - this.floorNeedW(what, job, fit);
      if (spareW < 0) continue;
      this.reservation = { jobId: job.id, at: end.at, positions: new Set(fit.positions), spareW };
      return;
    }
  }

  /**
   * wattpack: a blocked job may preempt preemptible jobs of lower priority, or of a team
   * borrowing beyond its fair share when the job keeps its own team within its share. Victims: least work lost (time since
   * their last checkpoint) per GPU and watt freed, until the job fits. It starts once they
   * have checkpointed and exited, in a later pass.
   */
  private tryPreempt(job: QueuedJob): boolean {
    if (this.rescues >= this.policy.maxRescuesPerPass) return false;
    if (this.site.running.some((r) => r.stopping)) return false; // victims already on their way out
    // Reclaiming a share: only for a job that keeps its team within its share, from teams
    // that borrow beyond theirs (otherwise two teams would take turns preempting each other).
    const reclaims = this.fair?.withinShare(job.team, job.gpus * job.nodes) ?? false;
    const candidates = this.site.running.filter(
      (r) =>
        r.preemptible &&
        !this.preempting.has(r.id) &&
        (r.priority < job.priority || (reclaims && r.team !== job.team && (this.fair?.overShare(r.team) ?? false))),
    );
    if (candidates.length === 0) return false;
    this.rescues++;
    const lost = (r: RunningJob) => r.gpus * r.nodes * Math.min((this.site.now - r.startedAt) / 1000, this.policy.checkpointIntervalS);
    const freed = (r: RunningJob) => r.gpus * r.nodes * (1 + r.powerLimitW / 700);
    candidates.sort((a, b) => lost(a) / freed(a) - lost(b) / freed(b) || a.priority - b.priority);
    const what = this.work.clone();
    const victims: RunningJob[] = [];
    for (const r of candidates) {
      what.release(r.id);
      victims.push(r);
      const fit = findNodes(what, job);
      if ('code' in fit) continue;
      if (this.floorNeedW(what, job, fit) > what.freeW + this.minersW) continue;
      for (const v of victims) {
        this.preempting.add(v.id);
        this.preemptions.push({ jobId: v.id, reason: `preempted for ${job.id} (priority ${job.priority}${v.priority >= job.priority ? ', fair share' : ''})` });
      }
      return true;
    }
    return false;
  }

  // ---- phase 0: shed load over the cap ----------------------------------------

  /** Returns true when the site is over its cap: nothing new starts in this pass. */
  private shed(): boolean {
    const { work } = this;
    // Stopping jobs still draw until they exit, but their watts are already on the way out.
    const stopping = this.site.running.filter((r) => r.stopping);
    if (stopping.length > 0) {
      const what = work.clone();
      for (const r of stopping) what.release(r.id);
      if (what.allocatedW <= what.budgetW) return false;
    } else if (work.allocatedW <= work.budgetW) return false;
    // 1. Miners: the fastest flexible load.
    while (work.allocatedW > work.budgetW && this.miners.length > 0) this.curtailNext();
    // 2. Flexible GPU limits toward their floors, one common level.
    if (this.wattpack && work.allocatedW > work.budgetW) {
      const flex = [...this.flexJobs().values()];
      const excess = work.allocatedW - work.budgetW;
      const freedAt = (level: number) => work.pue * flex.reduce((s, f) => s + f.gpus * Math.max(0, this.limitNow(f) - Math.max(level, f.floor)), 0);
      let lo = Math.min(...flex.map((f) => f.floor), 0);
      let hi = Math.max(0, ...flex.map((f) => this.limitNow(f)));
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (freedAt(mid) >= excess) lo = mid;
        else hi = mid;
      }
      for (const f of flex) {
        const next = Math.max(lo, f.floor);
        if (next < this.limitNow(f)) this.setLimit(f.jobId, next, 'shed');
      }
    }
    // 3. Checkpoint and preempt the lowest-priority jobs, newest first (least work lost).
    //    They draw until they exit, so the pass keeps counting them; a what-if picks them.
    const what = work.clone();
    const victims = this.site.running
      .filter((r) => !r.stopping)
      .sort((a, b) => Number(b.preemptible) - Number(a.preemptible) || a.priority - b.priority || b.startedAt - a.startedAt);
    for (const v of victims) {
      if (what.allocatedW <= what.budgetW) break;
      what.release(v.id);
      this.preemptions.push({ jobId: v.id, reason: `preempted: the site cap dropped to ${(this.site.capW / 1e6).toFixed(2)} MW` });
    }
    return true;
  }

  // ---- phase 6: balance (wattpack) ---------------------------------------------

  /**
   * Spare watts raise flexible jobs below what they want, to one common level: first the
   * jobs their telemetry shows held back at their limit (they lose most without watts),
   * then the others.
   */
  private raiseLimits(): void {
    const below = [...this.flexJobs().values()].filter((f) => this.limitNow(f) < f.want && !this.lowering.has(f.jobId));
    this.raiseTo(below.filter((f) => f.held), 'held back');
    this.raiseTo(below.filter((f) => !f.held), 'raise');
  }

  private raiseTo(flex: Flex[], why: LimitReason): void {
    if (flex.length === 0) return;
    const spare = this.work.freeW;
    if (spare <= 0) return;
    const costAt = (level: number) => this.work.pue * flex.reduce((s, f) => s + f.gpus * Math.max(0, Math.min(f.want, level) - this.limitNow(f)), 0);
    let lo = Math.min(...flex.map((f) => this.limitNow(f)));
    let hi = Math.max(...flex.map((f) => f.want)) + 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (costAt(mid) <= spare) lo = mid;
      else hi = mid;
    }
    for (const f of flex) {
      const next = Math.min(f.want, Math.max(lo, this.limitNow(f)));
      if (next - this.limitNow(f) >= this.policy.minLimitChangeW) this.setLimit(f.jobId, next, why);
    }
  }

  /** Curtail the least valuable miners for watts the plan borrowed; wake the most valuable into what is left. */
  private balanceMiners(): void {
    const { work } = this;
    while (work.allocatedW > work.budgetW + 1e-6 && this.miners.length > 0) this.curtailNext();
    // Only miners of schedulable nodes wake: a drained miner host is retired.
    const asleep = this.site.nodes
      .flatMap((n, pos) => (n.schedulable ? n.miners.filter((m) => m.curtailed && !this.curtail.includes(m.id)).map((m) => ({ m, pos })) : []))
      .sort((a, b) => (b.m.hashrateThs ?? 0) / b.m.nameplateW - (a.m.hashrateThs ?? 0) / a.m.nameplateW || (a.m.id < b.m.id ? -1 : 1));
    for (const { m, pos } of asleep) {
      const w = work.pue * m.nameplateW;
      if (w > work.freeW) break;
      work.setMinerRunning(pos, w, true);
      this.resume.push(m.id);
    }
  }

  private curtailNext(): void {
    const m = this.miners.shift()!;
    this.minersW -= m.w;
    this.work.setMinerRunning(m.pos, m.w, false);
    this.curtail.push(m.id);
  }
}
