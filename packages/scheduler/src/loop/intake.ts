import { GroupCommit, WattpackError, settled, settledNow, arrayTaskId, isTerminal, newId, parseArraySpec, parseJobSpec, type ArraySpec, type Job, type JobSpec, type Mount, type NodeInventory } from '@wattpack/common/daemon';
import { countGpus, infeasible } from '../core/feasible.js';
import { canonicalModel } from '../state/snapshot-builder.js';
import type { Commands } from './commands.js';
import type { Cycle } from './cycle.js';
import type { LoopState } from './state.js';

export interface SubmitOptions {
  owner?: string;
  teamFor?: (named: string | undefined) => string;
  /** Whether the submitter may see a job (the API: its team's jobs); only those can be dependencies. */
  canSee?: (job: Job) => boolean;
}

/** One submission: a spec as JSON, the client's request id, and an array expression. */
export interface SubmitRequest {
  specJson: string;
  /** A retry with it returns the first job instead of making another. */
  requestId?: string;
  /** Slurm's --array syntax (job-array.ts); absent: one job. */
  array?: string;
}

/** Job shapes whose feasibility is kept at most (a client could name endless GPU models). */
const SHAPES_KEPT = 1000;

/** Submissions in one SubmitJobs call. */
export const MAX_BATCH = 1000;

/** What a request id may hold: a UUID, a ULID, a "batch-17:3" of the client's own. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Prepared {
  spec: JobSpec;
  requestId?: string;
  array?: ArraySpec;
  /** The array as the client wrote it: kept on the first task until the array is stored whole. */
  arrayText?: string;
}

/** One submit call waiting for its turn. */
interface Submission {
  prepared: Prepared[];
  owner: string;
  canSee: SubmitOptions['canSee'];
  /** Names the call's entry i in its errors. */
  where: (i: number) => string;
}

/** What the calls of one group accepted so far: jobs queued per team, and request ids (owner + id) with the call that made their job. */
interface Group {
  adding: Map<string, number>;
  byRequest: Map<string, { job: Job; call: number }>;
}

/** An accepted call: its reply, the writes it makes, and the earlier calls of its group whose jobs it returns. */
interface Admitted {
  out: Job[];
  made: Writes[];
  after: Set<number>;
}

/**
 * One request's jobs in the order they are stored. An array's first task goes first and
 * carries the array's expression (`pending`) until every other task is stored, then is
 * sealed without it: a submit cut off half-way (the lease lost, a kill -9) leaves a
 * record of what is missing, and the client's retry or the next term's recovery stores
 * the rest, never a second array.
 */
interface Writes {
  head?: Job;
  rest: Job[];
  seal?: Job;
}

const storeWrites = async (state: LoopState, w: Writes): Promise<void> => {
  if (w.head) await state.store(w.head);
  await Promise.all(w.rest.map((job) => state.store(job)));
  if (w.seal) await state.store(w.seal);
};

/** Jobs in and out of the queue from the API: submit (with its checks) and cancel. */
export class Intake {
  private readonly submissions: GroupCommit<Submission, Job[]>;
  /** checkFeasible's answers by job shape ('' when feasible), for these nodes' inventories. */
  private feasibility: { inventories: NodeInventory[]; byShape: Map<string, string> } = { inventories: [], byShape: new Map() };

  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
    private readonly cycle: Cycle,
  ) {
    this.submissions = new GroupCommit(state.serial, (calls) => this.commitSubmissions(calls));
  }

  /**
   * `owner`: who submits (the API passes the verified caller); the jobs' processes run as
   * that user. `teamFor` decides a job's team from the one its spec names (undefined:
   * none) and throws when the submitter may not use it; the API passes the caller's rule.
   * A request id this owner used before returns the job that submission made (Stripe's
   * idempotency keys): the id is kept on the job, so the window is as long as the job is
   * stored. A batch is all or nothing; calls that arrive together take one turn of the
   * queue, and their writes overlap.
   * Returns one job per request: an array's is its first task.
   */
  async submit(requests: readonly SubmitRequest[], opts: SubmitOptions = {}): Promise<Job[]> {
    if (requests.length === 0 || requests.length > MAX_BATCH) {
      throw new WattpackError('INVALID_ARGUMENT', `jobs: 1 to ${MAX_BATCH} submissions per request (got ${requests.length})`);
    }
    const where = (i: number) => (requests.length > 1 ? `jobs[${i}]: ` : '');
    // Checked outside the queue: parsing specs does not hold up the loop.
    const prepared = requests.map((r, i) => named(where(i), () => prepare(r, opts.teamFor)));
    return this.submissions.add({ prepared, owner: opts.owner ?? 'anonymous', canSee: opts.canSee, where });
  }

  /**
   * Inside the serial queue: the calls that came together (GroupCommit), each checked in
   * turn against the state and the calls before it, then every accepted call's jobs
   * written at once. A call that reuses a request id of an earlier call in the group
   * succeeds only once that call's jobs are stored.
   */
  private async commitSubmissions(calls: Submission[]): Promise<PromiseSettledResult<Job[]>[]> {
    const now = this.state.now();
    const group: Group = { adding: new Map(), byRequest: new Map() };
    const admitted = calls.map((call, i) => settledNow(() => this.admit(call, i, group, now)));
    const stored: Array<Promise<unknown>> = admitted.map((a) => (a.status === 'fulfilled' ? Promise.all(a.value.made.map((w) => storeWrites(this.state, w))) : Promise.resolve()));
    const results = await Promise.all(
      admitted.map((a, i) => (a.status === 'rejected' ? a : settled(Promise.all([stored[i], ...[...a.value.after].map((j) => stored[j])]).then(() => a.value.out)))),
    );
    if (admitted.some((a) => a.status === 'fulfilled' && a.value.made.length)) this.cycle.request();
    return results;
  }

  /** One call's checks and jobs (all or none of it), counted into `group` once accepted. */
  private admit(call: Submission, index: number, group: Group, now: number): Admitted {
    const { owner, where } = call;
    const adding = new Map(group.adding);
    const inCall = new Map<string, { job: Job; call: number }>();
    const out: Job[] = [];
    const made: Writes[] = [];
    const after = new Set<number>();
    call.prepared.forEach((p, i) =>
      named(where(i), () => {
        // In the queue, so two copies of one request in flight make one job.
        const key = p.requestId === undefined ? undefined : `${owner}\n${p.requestId}`;
        const stored = p.requestId === undefined ? undefined : this.state.jobForRequest(owner, p.requestId);
        const earlier = key === undefined ? undefined : (inCall.get(key) ?? group.byRequest.get(key));
        if (stored ?? earlier) {
          if (!stored && earlier!.call !== index) after.add(earlier!.call);
          if (stored?.array?.pending) made.push(this.rest(stored));
          return void out.push(stored ?? earlier!.job);
        }
        this.checkFeasible(p.spec.gpus, p.spec.nodes, p.spec.gpuModels);
        checkMounts(p.spec.mounts, this.state.site.allowedMounts);
        this.checkDependencies([...p.spec.afterOk, ...p.spec.afterAny], call.canSee);
        const count = p.array?.indices.length ?? 1;
        const team = p.spec.team;
        this.checkQueue(team, (adding.get(team) ?? 0) + count);
        adding.set(team, (adding.get(team) ?? 0) + count);
        const jobs = materialize(p, owner, now);
        if (key !== undefined) inCall.set(key, { job: jobs[0]!, call: index });
        made.push(jobs.length > 1 ? { head: pendingOf(jobs[0]!, p.arrayText!), rest: jobs.slice(1), seal: jobs[0]! } : { rest: jobs });
        out.push(jobs[0]!);
      }),
    );
    for (const [team, n] of adding) group.adding.set(team, n);
    for (const [key, first] of inCall) group.byRequest.set(key, first);
    return { out, made, after };
  }

  /**
   * After a restart: arrays whose submit was cut off before all their tasks were stored
   * get the rest (their first task still carries the array's expression).
   */
  completeArrays(): Promise<void> {
    return this.state.serial.run(async () => {
      const pending = [...this.state.jobs.values()].filter((j) => j.array?.pending);
      await Promise.all(pending.map((first) => storeWrites(this.state, this.rest(first))));
      if (pending.length) this.cycle.request();
    });
  }

  /** The writes that complete an array from its pending first task: the tasks not stored, then the seal. */
  private rest(first: Job): Writes {
    const { pending, ...task } = first.array!;
    const have = new Set(this.state.arrayTasks(task.jobId)?.map((t) => t.array!.index));
    const missing = materialize({ spec: first.spec, array: parseArraySpec(pending!) }, first.owner, first.submittedAt, task.jobId).filter((t) => !have.has(t.array!.index));
    this.state.log.warn({ array: task.jobId, missing: missing.length }, 'array submit was cut off: storing the rest of its tasks');
    return { rest: missing, seal: { ...first, array: task } };
  }

  /** Cancels a job, or every task of an array given the array's id; returns the job (an array's first task). */
  async cancelAny(id: string, reason: string): Promise<Job> {
    const tasks = this.state.arrayTasks(id);
    if (!tasks) return this.cancel(id, reason);
    const done = await Promise.all(tasks.map((t) => this.cancel(t.id, reason)));
    return done[0]!;
  }

  cancel(id: string, reason: string): Promise<Job> {
    return this.state.serial.run(async () => {
      const job = this.state.mustGet(id);
      if (isTerminal(job.state) || job.cancelRequested) return job;
      const why = `cancelled${reason ? `: ${reason}` : ''}`;
      if (job.state === 'PENDING') {
        const done: Job = { ...job, state: 'CANCELLED', reason: why, finishedAt: this.state.now() };
        await this.state.store(done);
        return done;
      }
      const next: Job = { ...job, cancelRequested: true, reason: why };
      await this.state.store(next);
      await this.commands.dispatchStops(next, why);
      return next;
    });
  }

  /** Refuses a submit while the team has the site's limit of jobs queued: one team cannot flood the queue. */
  private checkQueue(team: string, adding: number): void {
    const limit = this.state.site.maxQueuedPerTeam;
    const queued = this.state.listing.queued(team);
    if (limit > 0 && queued + adding > limit) {
      const these = adding > 1 ? ` and ${adding} more would exceed` : '';
      throw new WattpackError(
        'RESOURCE_EXHAUSTED',
        `team ${team} has ${queued} jobs queued (PENDING)${these || ','} the site's limit (maxQueuedPerTeam ${limit}): wait for some to start, or cancel some`,
      );
    }
  }

  /**
   * A dependency must name a job the submitter may see: a typo would otherwise end the job
   * later, and another team's job would tell its fate. Both read alike, so that a refusal
   * does not tell whether another team's job exists.
   */
  private checkDependencies(ids: string[], canSee: SubmitOptions['canSee'] = () => true): void {
    const unknown = ids.filter((id) => {
      const dep = this.state.jobs.get(id);
      return !dep || !canSee(dep);
    });
    if (unknown.length) throw new WattpackError('INVALID_ARGUMENT', `dependency: no job ${unknown.join(', ')} (give the ids wattpack jobs shows)`);
  }

  /**
   * Refuses at submit what no known node could ever run: a typo should not wait forever.
   * The answer is kept per job shape while every node keeps its inventory (a registration
   * replaces it): counting a site's GPUs per submit cost O(GPUs) each, and a burst of
   * submits is mostly one shape.
   */
  private checkFeasible(gpus: number, nodes: number, models: string[]): void {
    const inventories = [...this.state.nodes.values()].map((n) => n.record.inventory);
    const known = this.feasibility;
    if (inventories.length !== known.inventories.length || inventories.some((inv, i) => inv !== known.inventories[i]) || known.byShape.size >= SHAPES_KEPT) {
      this.feasibility = { inventories, byShape: new Map() };
    }
    const shape = JSON.stringify([gpus, nodes, models]);
    let why = this.feasibility.byShape.get(shape);
    if (why === undefined) {
      const counts = inventories.map((inv) => countGpus(inv.gpus.map((g) => canonicalModel(g.model))));
      why = infeasible(counts, gpus, nodes, models) ?? '';
      this.feasibility.byShape.set(shape, why);
    }
    if (why) throw new WattpackError('INVALID_ARGUMENT', why);
  }
}

/** Volumes only from the site's allowedMounts: each source must be one of them or lie under one. */
function checkMounts(mounts: readonly Mount[], allowed: readonly string[]): void {
  const under = (path: string, root: string) => root === '/' || path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
  for (const m of mounts) {
    if (!allowed.some((root) => under(m.source, root))) {
      const list = allowed.length ? `the site allows ${allowed.join(', ')} (setting allowedMounts)` : 'the site allows none (setting allowedMounts is empty)';
      throw new WattpackError('PERMISSION_DENIED', `mounts: ${m.source} may not be mounted: ${list}`);
    }
  }
}

/** Runs `fn`, naming the batch entry in the error it throws. */
function named<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!prefix) throw err;
    const e = WattpackError.from(err);
    throw new WattpackError(e.code, prefix + e.message, { cause: err });
  }
}

/** A request's spec checked (with its team decided), its request id and array parsed. */
function prepare(r: SubmitRequest, teamFor: SubmitOptions['teamFor']): Prepared {
  const requestId = r.requestId || undefined;
  if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
    throw new WattpackError('INVALID_ARGUMENT', 'request_id: 1 to 128 letters, digits and . _ : - (e.g. a UUID)');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(r.specJson);
  } catch {
    throw new WattpackError('INVALID_ARGUMENT', 'the job spec is not valid JSON');
  }
  const parsed = parseJobSpec(withTeam(raw, teamFor), r.specJson);
  if (!parsed.success) throw new WattpackError('INVALID_ARGUMENT', `invalid job spec: ${parsed.error}`);
  return { spec: parsed.data, ...(requestId !== undefined && { requestId }), ...(r.array && { array: parseArraySpec(r.array), arrayText: r.array }) };
}

/** An array's first task as first stored: marked with the expression of the tasks still to store. */
const pendingOf = (first: Job, expression: string): Job => ({ ...first, array: { ...first.array!, pending: expression } });

/** The jobs a request makes: one, or an array's tasks (in index order, which their ids sort in). */
function materialize(p: Prepared, owner: string, now: number, arrayJobId = newId('j', now)): Job[] {
  const base = (id: string, spec: JobSpec): Job => ({
    id,
    spec,
    owner,
    state: 'PENDING',
    reason: 'queued',
    submittedAt: now,
    attempt: 0,
    attemptId: '',
    assignments: [],
    powerLimitW: 0,
    allocatedFacilityW: 0,
  });
  const { array, requestId } = p;
  const withRequest = (job: Job): Job => (requestId !== undefined ? { ...job, requestId } : job);
  if (!array) return [withRequest(base(newId('j', now), p.spec))];
  const width = String(array.indices.at(-1)).length;
  return array.indices.map((index, i) => {
    const env = { ...p.spec.env, WATTPACK_ARRAY_JOB_ID: arrayJobId, WATTPACK_ARRAY_INDEX: String(index) };
    const task: Job = {
      ...base(arrayTaskId(arrayJobId, index, width), { ...p.spec, env }),
      array: { jobId: arrayJobId, index, ...(array.maxRunning !== undefined && { maxRunning: array.maxRunning }) },
    };
    return i === 0 ? withRequest(task) : task;
  });
}

/** The spec with the team `teamFor` decides (it throws when the submitter may not use it). */
function withTeam(raw: unknown, teamFor: SubmitOptions['teamFor']): unknown {
  if (!teamFor || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const named = (raw as Record<string, unknown>).team;
  // A team that is not a string is the schema's to refuse.
  if (named !== undefined && typeof named !== 'string') return raw;
  return { ...raw, team: teamFor(named) };
}
