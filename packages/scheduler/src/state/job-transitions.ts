import { isTerminal, type Job, type JobEvent } from '@wattpack/common/daemon';

/**
 * How agents' events move a job: pure, so a redelivered or stale event is provably
 * harmless. Returns the next job (or undefined when the event changes nothing) and
 * the nodes whose part must be stopped (the rest of a gang when one part fails).
 */
export function applyEvent(job: Job, event: JobEvent, now: number): { job: Job; stopNodes: string[] } | undefined {
  if (event.attemptId !== job.attemptId) return undefined; // an older attempt: already settled
  const index = job.assignments.findIndex((a) => a.nodeId === event.nodeId);
  const part = job.assignments[index];
  if (!part || part.ended) return undefined;

  const assignments = job.assignments.slice();
  let next: Job = { ...job, assignments };
  switch (event.kind) {
    case 'started': {
      if (part.started) return undefined;
      assignments[index] = { ...part, started: true, startedAt: event.at };
      if (next.state === 'STARTING' && assignments.every((a) => a.started)) {
        next = { ...next, state: 'RUNNING', reason: '', startedAt: event.at };
      }
      return { job: next, stopNodes: [] };
    }
    case 'exited':
    case 'failed': {
      const exitCode = event.kind === 'exited' ? event.exitCode : undefined;
      assignments[index] = { ...part, ended: true, ...(exitCode !== undefined ? { exitCode } : {}) };
      if (isTerminal(next.state)) return { job: next, stopNodes: [] };
      const failed = event.kind === 'failed' || exitCode !== 0;
      const allEnded = assignments.every((a) => a.ended);
      if (job.cancelRequested) {
        return allEnded ? { job: finish(next, 'CANCELLED', next.reason, now, exitCode), stopNodes: [] } : { job: next, stopNodes: [] };
      }
      if (job.preempting) {
        // Checkpointed and stopped on purpose: back to the queue, to resume as the next attempt.
        return { job: allEnded ? requeue(next) : next, stopNodes: [] };
      }
      if (failed) {
        const why = event.kind === 'failed' ? event.reason : exitReason(event);
        const where = job.assignments.length > 1 ? ` on ${event.nodeId}` : '';
        const stopNodes = assignments.filter((a) => !a.ended).map((a) => a.nodeId);
        return { job: finish(next, 'FAILED', `${why}${where}`, now, exitCode), stopNodes };
      }
      return allEnded ? { job: finish(next, 'SUCCEEDED', '', now, 0), stopNodes: [] } : { job: next, stopNodes: [] };
    }
  }
}

/**
 * A node is gone past its lease (or its agent came back without the attempt): its parts
 * count as ended, the rest of a gang is stopped, and the job goes back to the queue to
 * resume as its next attempt.
 */
export function markLost(job: Job, nodeId: string, reason: string, now: number): { job: Job; stopNodes: string[] } | undefined {
  if (!job.assignments.some((a) => a.nodeId === nodeId && !a.ended)) return undefined;
  const assignments = job.assignments.map((a) => (a.nodeId === nodeId && !a.ended ? { ...a, ended: true, lost: true } : a));
  const next: Job = { ...job, assignments };
  const allEnded = assignments.every((a) => a.ended);
  if (isTerminal(job.state)) return { job: next, stopNodes: [] };
  if (job.cancelRequested) return { job: allEnded ? finish(next, 'CANCELLED', next.reason, now, undefined) : next, stopNodes: [] };
  const lost: Job = { ...next, preempting: job.preempting ?? `lost on ${nodeId}: ${reason}` };
  if (allEnded) {
    // One part, lost with its node: the node may yet come back with how it ended.
    const only = job.assignments.length === 1 ? job.assignments[0]! : undefined;
    const lostAttempt = only && !job.preempting ? { lostAttempt: { attempt: job.attempt, attemptId: job.attemptId, part: only, allocatedFacilityW: job.allocatedFacilityW } } : {};
    return { job: { ...requeue(lost), ...lostAttempt }, stopNodes: [] };
  }
  return { job: lost, stopNodes: assignments.filter((a) => !a.ended).map((a) => a.nodeId) };
}

/** A lost attempt's late exit: what it does to its job (settleLate). */
export interface LateResult {
  /** The next attempt, placed but not started, withdrawn: back in the queue (stored first: its own record). */
  withdrawn?: Job;
  /** The job settled by the late result; or, when the next attempt had started, as it was. */
  job: Job;
  /** Nodes told to stop the withdrawn attempt (its start may have been dispatched). */
  stopNodes: string[];
  /** The lost attempt as it ran and as it ended: its history record, replacing its REQUEUED one. */
  record: { before: Job; after: Job };
}

/**
 * The exit of an attempt judged lost (its node silent past nodeLostSeconds) that its node,
 * back, reports after all. The attempt ran: while the job's next attempt has not started,
 * its result settles the job (exactly once), withdrawing a next attempt placed meanwhile.
 * Once the next attempt has started, the job goes on; only the history learns how the lost
 * attempt ended (at least once). Undefined for any other event.
 */
export function settleLate(job: Job, event: JobEvent, now: number): LateResult | undefined {
  const lost = job.lostAttempt;
  if (!lost || event.kind === 'started' || event.attemptId !== lost.attemptId || event.nodeId !== lost.part.nodeId) return undefined;
  const { lostAttempt: _settled, ...rest } = job;
  const exitCode = event.kind === 'exited' ? event.exitCode : undefined;
  const before: Job = { ...rest, attempt: lost.attempt, attemptId: lost.attemptId, state: 'RUNNING', assignments: [{ ...lost.part, started: true }] };
  const ended: Job = { ...before, assignments: [{ ...lost.part, started: true, ended: true, ...(exitCode !== undefined ? { exitCode } : {}) }] };
  const failed = event.kind === 'failed' || exitCode !== 0;
  const why = event.kind === 'failed' ? event.reason : exitReason(event);
  const settled = failed ? finish(ended, 'FAILED', why, now, exitCode) : finish(ended, 'SUCCEEDED', '', now, 0);
  const nextStarted = isTerminal(job.state) || job.state === 'RUNNING' || job.assignments.some((a) => a.started);
  if (nextStarted) {
    const late = `${failed ? why : 'exited with code 0'} after its node was judged lost; attempt ${job.attempt} had started`;
    return { job: rest, stopNodes: [], record: { before, after: { ...settled, reason: late } } };
  }
  if (job.state !== 'STARTING') return { job: settled, stopNodes: [], record: { before, after: settled } };
  const withdrawn: Job = { ...rest, state: 'PENDING', reason: `withdrawn before it started: attempt ${lost.attempt}, judged lost, had ended`, assignments: [], allocatedFacilityW: 0 };
  return { withdrawn, job: settled, stopNodes: job.assignments.map((a) => a.nodeId), record: { before, after: settled } };
}

/**
 * A lost attempt its node, back, reports still running while its job waits in the queue:
 * the job takes it back (RUNNING as that attempt, its GPUs and watts held again) instead of
 * running it twice. Undefined when the job has moved on: the attempt is stale, to kill.
 */
export function readopt(job: Job, nodeId: string, attemptId: string): Job | undefined {
  const lost = job.lostAttempt;
  if (job.state !== 'PENDING' || !lost || lost.attemptId !== attemptId || lost.part.nodeId !== nodeId) return undefined;
  const { lostAttempt: _back, ...rest } = job;
  return { ...rest, state: 'RUNNING', reason: '', attempt: lost.attempt, attemptId, assignments: [lost.part], allocatedFacilityW: lost.allocatedFacilityW };
}

function requeue(job: Job): Job {
  const { preempting, ...rest } = job;
  return { ...rest, state: 'PENDING', reason: `${preempting}; requeued to resume`, assignments: [], allocatedFacilityW: 0 };
}

function exitReason(event: Extract<JobEvent, { kind: 'exited' }>): string {
  const base = event.signal ? `killed by ${event.signal} (exit code ${event.exitCode})` : `exited with code ${event.exitCode}`;
  return event.reason ? `${base}: ${event.reason}` : base;
}

function finish(job: Job, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', reason: string, now: number, exitCode: number | undefined): Job {
  return { ...job, state, reason, finishedAt: now, ...(exitCode !== undefined ? { exitCode } : {}) };
}

/** A job holds its GPUs and watts until every part has ended, even once it is terminal. */
export const holdsResources = (job: Job): boolean =>
  job.attempt > 0 && (job.state === 'STARTING' || job.state === 'RUNNING' || job.assignments.some((a) => !a.ended));
