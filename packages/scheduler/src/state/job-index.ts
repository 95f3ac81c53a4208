import { JOB_STATES, LIST_JOBS_LIMITS, WattpackError, quote, type Job } from '@wattpack/common/daemon';

/** Listing order: submitted time, then id. Both are fixed when a job is submitted. */
interface Key {
  at: number;
  id: string;
}

const compare = (a: Key, b: Key): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export interface JobFilter {
  /** Empty or absent: every state. */
  states?: readonly string[];
  team?: string;
  /** Jobs of this owner (the verified name that submitted them). */
  owner?: string;
  /** Submitted at or after, unix ms (0 or absent: any time). */
  since?: number;
}

export interface JobQuery extends JobFilter {
  /** Jobs per page: 0 or absent is the default, more than the maximum is the maximum. */
  limit?: number;
  /** nextPageToken of the previous page; empty for the first. */
  pageToken?: string;
}

export interface JobPage {
  jobs: Job[];
  /** Empty at the end. */
  nextPageToken: string;
}

/**
 * Jobs in listing order and the PENDING count of each team, kept as jobs change, so that
 * a page of ListJobs costs a binary search and the page, not a sort of every job, and a
 * submit checks its team's queue without counting it.
 */
export class JobIndex {
  private order: Key[] = [];
  private readonly pending = new Map<string, number>();
  /** Job ids by name: names are not unique, and `lookup` finds jobs by them. */
  private readonly named = new Map<string, string[]>();
  /** Every id, sorted: the ids of a prefix are a run of it (found by binary search). */
  private ids: string[] = [];

  /** `jobs` is the scheduler's own map: the index keeps ids in order and reads jobs from it. */
  constructor(private readonly jobs: ReadonlyMap<string, Job>) {
    for (const job of jobs.values()) {
      this.order.push({ at: job.submittedAt, id: job.id });
      this.name(job);
      this.ids.push(job.id);
      this.count(job, 1);
    }
    this.order.sort(compare);
    this.ids.sort();
  }

  /** Call before the map changes from `before` (undefined: a new job) to `after`. */
  update(before: Job | undefined, after: Job): void {
    if (before) this.count(before, -1);
    else {
      this.insert({ at: after.submittedAt, id: after.id });
      this.name(after);
      // New ids nearly always sort last: they start with the time.
      const at = partitionPoint(this.ids, (id) => id < after.id);
      if (at === this.ids.length) this.ids.push(after.id);
      else this.ids.splice(at, 0, after.id);
    }
    this.count(after, 1);
  }

  /**
   * The jobs a reference names that is not a job id, as docker and nomad look them up:
   * every job of that name; else every job whose id starts with it. One job, or a choice.
   */
  lookup(ref: string): Job[] {
    const byName = this.named.get(ref);
    if (byName) return byName.map((id) => this.jobs.get(id)!);
    if (!ref) return [];
    const found: Job[] = [];
    for (let i = partitionPoint(this.ids, (id) => id < ref); i < this.ids.length && this.ids[i]!.startsWith(ref); i++) found.push(this.jobs.get(this.ids[i]!)!);
    return found;
  }

  /** Call after the map lost these jobs; one pass over the order, however many go. */
  remove(gone: readonly Job[]): void {
    for (const job of gone) this.count(job, -1);
    const ids = new Set(gone.map((j) => j.id));
    this.order = this.order.filter((k) => !ids.has(k.id));
    this.ids = this.ids.filter((id) => !ids.has(id));
    // Once per name: a sweep of many jobs of one name stays one pass over its ids.
    for (const name of new Set(gone.map((j) => j.spec.name))) {
      const left = this.named.get(name)?.filter((id) => !ids.has(id)) ?? [];
      if (left.length) this.named.set(name, left);
      else this.named.delete(name);
    }
  }

  /** Jobs of `team` waiting to be placed. */
  queued(team: string): number {
    return this.pending.get(team) ?? 0;
  }

  /** Every job that matches, in listing order. */
  list(filter: JobFilter = {}): Job[] {
    const match = matcher(filter);
    const out: Job[] = [];
    for (let i = this.lowerBound({ at: filter.since ?? 0, id: '' }); i < this.order.length; i++) {
      const job = this.jobs.get(this.order[i]!.id)!;
      if (match(job)) out.push(job);
    }
    return out;
  }

  /**
   * One page: the matching jobs after the token's, up to the limit or LIST_JOBS_LIMITS.pageBytes.
   * The token is the last job's key, so a page stays right when jobs are added meanwhile
   * (they sort after it) and the order never depends on anything that changes.
   */
  page(query: JobQuery): JobPage {
    const limit = Math.min(query.limit || LIST_JOBS_LIMITS.defaultLimit, LIST_JOBS_LIMITS.maxLimit);
    const match = matcher(query);
    let i = this.lowerBound({ at: query.since ?? 0, id: '' });
    if (query.pageToken) {
      const after = decodeToken(query.pageToken);
      i = Math.max(i, this.upperBound(after));
    }
    const jobs: Job[] = [];
    let bytes = 0;
    for (; i < this.order.length; i++) {
      const job = this.jobs.get(this.order[i]!.id)!;
      if (!match(job)) continue;
      // JSON is larger than the job's protobuf: a page under pageBytes as JSON fits a response.
      const size = Buffer.byteLength(JSON.stringify(job));
      // A next job that matches: this page is full, and there is another.
      if (jobs.length === limit || (jobs.length > 0 && bytes + size > LIST_JOBS_LIMITS.pageBytes)) break;
      jobs.push(job);
      bytes += size;
    }
    const last = jobs.at(-1);
    return { jobs, nextPageToken: i < this.order.length && last ? encodeToken({ at: last.submittedAt, id: last.id }) : '' };
  }

  private name(job: Job): void {
    const ids = this.named.get(job.spec.name);
    if (ids) ids.push(job.id);
    else this.named.set(job.spec.name, [job.id]);
  }

  private count(job: Job, delta: number): void {
    if (job.state !== 'PENDING') return;
    const n = (this.pending.get(job.spec.team) ?? 0) + delta;
    if (n > 0) this.pending.set(job.spec.team, n);
    else this.pending.delete(job.spec.team);
  }

  private insert(key: Key): void {
    // New jobs nearly always sort last: their submit time is now.
    const last = this.order.at(-1);
    if (!last || compare(last, key) < 0) this.order.push(key);
    else this.order.splice(this.lowerBound(key), 0, key);
  }

  /** First position whose key is >= `key`. */
  private lowerBound(key: Key): number {
    return partitionPoint(this.order, (k) => compare(k, key) < 0);
  }

  /** First position whose key is > `key`. */
  private upperBound(key: Key): number {
    return partitionPoint(this.order, (k) => compare(k, key) <= 0);
  }
}

/** Binary search: the first position of sorted `items` for which `before` is false. */
function partitionPoint<T>(items: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matcher(filter: JobFilter): (job: Job) => boolean {
  const unknown = (filter.states ?? []).find((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown !== undefined) throw new WattpackError('INVALID_ARGUMENT', `states: unknown state ${quote(unknown)}: use ${JOB_STATES.join(', ')}`);
  const states = filter.states?.length ? new Set(filter.states) : undefined;
  const since = filter.since ?? 0;
  return (job) =>
    (!states || states.has(job.state)) &&
    (!filter.team || job.spec.team === filter.team) &&
    (!filter.owner || job.owner === filter.owner) &&
    job.submittedAt >= since;
}

/** Opaque to clients: base64url of "<submitted ms>.<job id>". */
function encodeToken(key: Key): string {
  return Buffer.from(`${key.at}.${key.id}`).toString('base64url');
}

function decodeToken(token: string): Key {
  const m = /^(\d{1,16})\.([\w-]{1,128})$/.exec(token.length <= 256 ? Buffer.from(token, 'base64url').toString() : '');
  if (!m) throw new WattpackError('INVALID_ARGUMENT', `page_token: ${quote(token)} is not a next_page_token of ListJobs: pass it back as it came`);
  return { at: Number(m[1]), id: m[2]! };
}
