import { GroupCommit, settled, type Job, type JobEvent } from '@wattpack/common/daemon';
import { attemptEnded } from '../accounting/record.js';
import { applyEvent, holdsResources, settleLate } from '../state/job-transitions.js';
import type { Commands } from './commands.js';
import type { Cycle } from './cycle.js';
import type { LoopState } from './state.js';

/**
 * Where a job's events (started, exited, failed) from its agents change the job: through
 * its state machine (state/job-transitions.ts), events that arrive together in one turn of
 * the serial queue (GroupCommit).
 */
export class JobEvents {
  private readonly group: GroupCommit<JobEvent, void>;

  constructor(
    private readonly state: LoopState,
    private readonly commands: Commands,
    private readonly cycle: Cycle,
  ) {
    this.group = new GroupCommit(state.serial, (events) => this.takeEvents(events));
  }

  /** Events that arrive together apply in one turn of the serial queue (GroupCommit). */
  handle(event: JobEvent): Promise<void> {
    return this.group.add(event);
  }

  /**
   * Inside the serial queue: different jobs' events apply side by side, so their store
   * writes overlap. One job's apply in the order they came, in memory, and are stored in
   * one write (a `true` job's started and exited often come together: one KV write, not
   * two); each event settles once the write holding it has landed.
   */
  private async takeEvents(events: JobEvent[]): Promise<PromiseSettledResult<void>[]> {
    const results: PromiseSettledResult<void>[] = [];
    const byJob = new Map<string, number[]>();
    events.forEach((e, i) => (byJob.get(e.jobId) ?? byJob.set(e.jobId, []).get(e.jobId)!).push(i));
    await Promise.all(
      [...byJob.values()].map(async (indices) => {
        const outcome = await settled(this.take(indices.map((i) => events[i]!)));
        for (const i of indices) results[i] = outcome;
      }),
    );
    return results;
  }

  /**
   * Inside the serial queue: one job's events through its state machine. A change that
   * ends the attempt is stored at once (its usage record is made from the state before it),
   * and what follows it in a write of its own.
   */
  async take(events: JobEvent[]): Promise<void> {
    const { state } = this;
    let job = state.jobs.get(events[0]!.jobId);
    if (!job) return;
    let steps: Job[] = [];
    let stopNodes: string[] = [];
    let pass = false;
    const write = async () => {
      const last = steps.at(-1)!;
      await state.store(last, steps.slice(0, -1));
      if (stopNodes.length > 0) await this.commands.dispatchStops(last, last.reason, [...new Set(stopNodes)]);
      steps = [];
      stopNodes = [];
    };
    for (const event of events) {
      const result = applyEvent(job, event, state.now());
      if (!result) {
        // Not the job's current attempt: perhaps a lost one's late exit (takeLate), taken
        // after what came before it is stored.
        if (steps.length > 0) await write();
        await this.takeLate(job, event);
        job = state.jobs.get(job.id) ?? job;
        continue;
      }
      const before = job;
      job = result.job;
      steps.push(job);
      stopNodes.push(...result.stopNodes);
      if (!holdsResources(job) || event.kind !== 'started') pass = true;
      if (attemptEnded(before, job)) await write();
    }
    if (steps.length > 0) await write();
    if (pass) this.cycle.request();
  }

  /** Inside the serial queue: the exit of an attempt judged lost, late (job-transitions `settleLate`). */
  private async takeLate(job: Job, event: JobEvent): Promise<void> {
    const { state } = this;
    const late = settleLate(job, event, state.now());
    if (!late) return;
    state.log.warn({ job: job.id, node: event.nodeId, attempt: late.record.before.attemptId, settled: late.job.state }, 'a lost attempt ended after all');
    if (late.withdrawn) {
      await state.store(late.withdrawn);
      await this.commands.dispatchStops(job, late.withdrawn.reason, late.stopNodes);
    }
    await state.storeWithLate(late.job, late.record, event.at);
    this.cycle.request();
  }
}
