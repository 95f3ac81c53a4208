import { isTerminal, type Job, type JobEvent } from '@wattpack/common';

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
  if (allEnded) return { job: requeue(lost), stopNodes: [] };
  return { job: lost, stopNodes: assignments.filter((a) => !a.ended).map((a) => a.nodeId) };
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
