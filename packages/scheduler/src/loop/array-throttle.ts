import type { Job } from '@wattpack/common/daemon';
import { holdsResources } from '../state/job-transitions.js';

/**
 * Slurm's "%N" on an array (ArrayTaskThrottle): at most N of its tasks hold GPUs at once.
 * The planner sees only the pending tasks that fit under it, lowest index first; the rest
 * wait with a reason. Kept out of the core: it is a rule on what is queued, not on watts.
 */
export function throttleArrays(pending: readonly Job[], tasksOf: (arrayJobId: string) => readonly Job[]): { admitted: Job[]; held: Job[] } {
  const throttled = new Map<string, Job[]>();
  for (const job of pending) {
    if (job.array?.maxRunning !== undefined) (throttled.get(job.array.jobId) ?? throttled.set(job.array.jobId, []).get(job.array.jobId)!).push(job);
  }
  if (throttled.size === 0) return { admitted: [...pending], held: [] };
  const heldIds = new Set<string>();
  for (const [id, tasks] of throttled) {
    const room = tasks[0]!.array!.maxRunning! - tasksOf(id).filter(holdsResources).length;
    tasks.sort((a, b) => a.array!.index - b.array!.index);
    for (const task of tasks.slice(Math.max(0, room))) heldIds.add(task.id);
  }
  return { admitted: pending.filter((j) => !heldIds.has(j.id)), held: pending.filter((j) => heldIds.has(j.id)) };
}

export const throttledReason = (job: Job): string => `array: ${job.array?.maxRunning ?? 0} task(s) at a time (%${job.array?.maxRunning ?? 0})`;
