import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Job__Output } from '@wattpack/common/proto/Job';
import { waitFor, type LocalSite } from '../e2e/harness.js';

/**
 * Jobs that leave a trace: every attempt appends "start <attempt id>" to a file named
 * after its job, and "end <attempt id>" once its work is done. The file is also the job's
 * checkpoint: an attempt resumed after its work was done (it finished within the grace
 * of a preemption) sees the "end" and exits at once, as a real trainer would. A job is
 * duplicated when one attempt started twice, or when two attempts both did the work.
 */
export class TracedWorkload {
  readonly ids: string[] = [];
  readonly marks: string;

  constructor(private readonly site: LocalSite) {
    // Written by the jobs, as the site's job user.
    this.marks = site.jobDir(`marks-${Date.now()}`);
  }

  async submit(count: number, opts: { gpus?: number; seconds?: number; priority?: number } = {}): Promise<string[]> {
    const script =
      `f=$MARKS/$WATTPACK_JOB_ID; if [ "$WATTPACK_RESUME" = 1 ] && grep -q '^end ' "$f" 2>/dev/null; then exit 0; fi; ` +
      `echo "start $WATTPACK_ATTEMPT_ID" >> "$f"; sleep ${opts.seconds ?? 3}; echo "end $WATTPACK_ATTEMPT_ID" >> "$f"`;
    const made: string[] = [];
    for (let i = 0; i < count; i++) {
      const spec = { name: `traced-${this.ids.length}`, gpus: opts.gpus ?? 8, priority: opts.priority ?? 100, env: { MARKS: this.marks }, checkpoint: { graceSeconds: 2 }, command: ['sh', '-c', script] };
      const job = await this.site.rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify(spec) });
      this.ids.push(job.id);
      made.push(job.id);
    }
    return made;
  }

  /** Waits for every job to end, then counts: finished, lost (not SUCCEEDED), duplicated. */
  async settle(timeoutMs: number): Promise<{ submitted: number; finished: number; lost: number; duplicated: number; jobs: Job__Output[] }> {
    const jobs = await waitFor(
      'every job to end',
      async () => {
        const all = await Promise.all(this.ids.map((id) => this.site.job(id)));
        return all.every((j) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.state)) ? all : undefined;
      },
      timeoutMs,
    ).catch(async () => Promise.all(this.ids.map((id) => this.site.job(id))));
    const files = new Set(readdirSync(this.marks));
    let duplicated = 0;
    for (const id of this.ids) {
      if (!files.has(id)) continue;
      const lines = readFileSync(join(this.marks, id), 'utf8').trim().split('\n');
      const starts = lines.filter((l) => l.startsWith('start '));
      const ends = lines.filter((l) => l.startsWith('end '));
      if (new Set(starts).size !== starts.length || ends.length > 1) duplicated++;
    }
    const finished = jobs.filter((j) => j.state === 'SUCCEEDED').length;
    return { submitted: this.ids.length, finished, lost: this.ids.length - finished, duplicated, jobs };
  }

  /** When the first job started (STARTING or later) after `since`, in ms; undefined if none did. */
  async firstStartAfter(since: number, timeoutMs = 30_000): Promise<number | undefined> {
    return waitFor(
      'a job to start after the fault',
      async () => {
        const all = await Promise.all(this.ids.map((id) => this.site.job(id)));
        const started = all.filter((j) => j.startedAtMs >= since).map((j) => j.startedAtMs);
        return started.length ? Math.min(...started) : undefined;
      },
      timeoutMs,
    ).catch(() => undefined);
  }
}
