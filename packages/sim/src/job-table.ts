import { teamFlex } from '@wattpack/common';
import type { GpuView, PowerProfile, QueuedJob, RunningJob } from '@wattpack/scheduler/core';
import type { SiteFile, SiteHardware } from './site-file.js';
import type { Trace, TraceJob } from './traces/types.js';
import { pickDrawLevel, pickFlex, pickShape } from './workload.js';

export const FUTURE = 0;
export const QUEUED = 1;
export const RUNNING = 2;
export const DONE = 3;
/** Preempted, checkpointing: still holds its GPUs until its grace ends. */
export const STOPPING = 4;

/**
 * The trace's jobs in submit order, as a struct of arrays: what each job is (fixed at
 * load) and where it stands (the engine updates it). Index j is the job's place in submit
 * order; its id is `j` and j zero-padded, so id order is submit order.
 */
export class JobTable {
  readonly n: number;
  readonly ids: string[];
  readonly idIndex = new Map<string, number>();
  readonly teamOf: string[];
  readonly teamIdx: Int32Array;
  readonly teamNames: string[] = [];
  /** Accepted models the site has (others dropped; none left accepts any). */
  readonly models: (readonly string[])[];
  /** Submit time, s from the first submit, arrivals compressed by the load scale. */
  readonly submit: Float64Array;
  /** Work: the trace duration, s at full power. */
  readonly work: Float64Array;
  readonly gpusPerNode: Int32Array;
  readonly nodesOf: Int32Array;
  /** Index into SHAPES. */
  readonly shape: Uint8Array;
  /** Share of its shape's full draw it draws unconstrained (site drawLevel, else Acme 2023). */
  readonly drawLevel: Float64Array;
  /** Declared max runtime: the real duration x 1.5, rounded. */
  readonly maxRuntimeS: Float64Array;
  /** Flexibility class (the file's flexMix, by id; else the site's flexDefaults); -1: none. */
  readonly flex: Int8Array;

  readonly state: Uint8Array;
  /** Work left at lastUpdate. */
  readonly remaining: Float64Array;
  readonly lastUpdate: Float64Array;
  /** Relative throughput now (0 unless it holds GPUs). */
  readonly speed: Float64Array;
  readonly attemptStart: Float64Array;
  /** Work done at the last checkpoint (all attempts). */
  readonly ckWork: Float64Array;
  /** Time spent running in finished attempts. */
  readonly runTime: Float64Array;
  readonly firstStart: Float64Array;
  readonly endAt: Float64Array;
  /** Bumped on every change of the finish time: older calendar entries are stale. */
  readonly version: Int32Array;
  readonly preempted: Int32Array;
  readonly heldCount: Int32Array;
  readonly limit: Float64Array;
  /** What its GPUs draw unconstrained in this attempt (W), the limit it was placed at, and its power profile. */
  readonly demand: Float64Array;
  readonly placedLimit: Float64Array;
  readonly profile: (PowerProfile | undefined)[];
  /** Right-sized in this attempt: watts below its placed limit count as reclaimed. */
  readonly rightSized: Uint8Array;
  readonly held: (GpuView[] | undefined)[];
  /** Positions of the nodes its GPUs are on, while it holds them. */
  readonly heldNodes: (number[] | undefined)[];
  readonly queuedView: (QueuedJob | undefined)[];
  readonly runningView: (RunningJob | undefined)[];
  readonly runningPos: Int32Array;

  constructor(trace: Trace, site: SiteFile, hw: SiteHardware, loadScale: number) {
    const jobs = trace.jobs;
    const order = jobs.map((_, i) => i).sort((a, b) => jobs[a]!.submitS - jobs[b]!.submitS || a - b);
    const n = (this.n = order.length);
    this.ids = new Array<string>(n);
    this.teamOf = new Array<string>(n);
    this.teamIdx = new Int32Array(n);
    this.models = new Array<readonly string[]>(n);
    this.submit = new Float64Array(n);
    this.work = new Float64Array(n);
    this.gpusPerNode = new Int32Array(n);
    this.nodesOf = new Int32Array(n);
    this.shape = new Uint8Array(n);
    this.drawLevel = new Float64Array(n);
    this.maxRuntimeS = new Float64Array(n);
    this.flex = new Int8Array(n);
    this.state = new Uint8Array(n);
    this.remaining = new Float64Array(n);
    this.lastUpdate = new Float64Array(n);
    this.speed = new Float64Array(n);
    this.attemptStart = new Float64Array(n);
    this.ckWork = new Float64Array(n);
    this.runTime = new Float64Array(n);
    this.firstStart = new Float64Array(n).fill(NaN);
    this.endAt = new Float64Array(n).fill(NaN);
    this.version = new Int32Array(n);
    this.preempted = new Int32Array(n);
    this.heldCount = new Int32Array(n);
    this.limit = new Float64Array(n).fill(NaN);
    this.demand = new Float64Array(n);
    this.placedLimit = new Float64Array(n);
    this.profile = new Array<PowerProfile | undefined>(n);
    this.rightSized = new Uint8Array(n);
    this.held = new Array<GpuView[] | undefined>(n);
    this.heldNodes = new Array<number[] | undefined>(n);
    this.queuedView = new Array<QueuedJob | undefined>(n);
    this.runningView = new Array<RunningJob | undefined>(n);
    this.runningPos = new Int32Array(n).fill(-1);
    this.describe(order.map((i) => jobs[i]!), site, hw, loadScale);
  }

  /** Each job's fixed columns, in submit order: id, team, models, submit time, work, gang shape, shape, draw, class. */
  private describe(jobs: readonly TraceJob[], site: SiteFile, hw: SiteHardware, loadScale: number): void {
    const t0 = jobs.length > 0 ? jobs[0]!.submitS : 0;
    const width = Math.max(6, String(jobs.length).length);
    const per = hw.maxGpusPerNode;
    const teamNumber = new Map<string, number>();
    const keepModels = (models: readonly string[]) => {
      if (models.length === 0) return models;
      const kept = models.filter((m) => hw.models.has(m));
      return kept.length === models.length ? models : kept;
    };
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j]!;
      const id = `j${String(j).padStart(width, '0')}`;
      this.ids[j] = id;
      this.idIndex.set(id, j);
      this.teamOf[j] = job.team;
      let team = teamNumber.get(job.team);
      if (team === undefined) {
        teamNumber.set(job.team, (team = this.teamNames.length));
        this.teamNames.push(job.team);
      }
      this.teamIdx[j] = team;
      this.models[j] = keepModels(job.gpuModels);
      this.submit[j] = (job.submitS - t0) / loadScale;
      this.work[j] = job.durationS;
      this.remaining[j] = job.durationS;
      // Larger than a node: a gang of whole nodes, GPUs spread evenly (rounded up).
      const nodes = job.gpus <= per ? 1 : Math.ceil(job.gpus / per);
      this.nodesOf[j] = nodes;
      this.gpusPerNode[j] = Math.ceil(job.gpus / nodes);
      this.shape[j] = pickShape(id, site.workloadMix);
      this.drawLevel[j] = site.drawLevel ?? pickDrawLevel(id);
      this.maxRuntimeS[j] = Math.max(1, Math.round(job.durationS * 1.5));
      // The site file's mix stands for the class each job names; else its team's default, as live.
      this.flex[j] = site.flexMix ? pickFlex(id, site.flexMix) : (teamFlex(site.site, job.team) ?? -1);
    }
  }
}
