import { isTerminal, type Job } from '@wattpack/common';

/** A pending job's dependencies: met, still to wait for, or never to be met. */
export type DependencyStatus = { kind: 'met' } | { kind: 'wait'; reason: string } | { kind: 'never'; reason: string };

/**
 * sbatch's --dependency semantics: afterOk waits for each job to succeed, afterAny for
 * each to end however it ends. A job whose afterOk dependency failed or was cancelled can
 * never run, and ends (Slurm's kill_invalid_depend): waiting forever helps no one.
 */
export function dependencyStatus(job: Job, lookup: (id: string) => Job | undefined): DependencyStatus {
  const { afterOk, afterAny } = job.spec;
  const waiting: string[] = [];
  for (const id of afterOk) {
    const dep = lookup(id);
    if (!dep) return { kind: 'never', reason: `dependency never satisfied: job ${id} (after-ok) is unknown` };
    if (dep.state === 'FAILED' || dep.state === 'CANCELLED') {
      return { kind: 'never', reason: `dependency never satisfied: job ${id} (after-ok) ended ${dep.state}${dep.reason ? `: ${dep.reason}` : ''}` };
    }
    if (dep.state !== 'SUCCEEDED') waiting.push(`${id} to succeed`);
  }
  for (const id of afterAny) {
    const dep = lookup(id);
    if (dep && !isTerminal(dep.state)) waiting.push(`${id} to end`);
  }
  return waiting.length ? { kind: 'wait', reason: `dependency: waiting for job ${waiting.join(', ')}` } : { kind: 'met' };
}

/** What a pass does about dependencies: plan the ready, note why others wait, end those that never can. */
export interface DependencySort {
  ready: Job[];
  /** Ready for the first time: the pass keeps that on the job (dependenciesMet). */
  newlyMet: Job[];
  waiting: { job: Job; reason: string }[];
  never: { job: Job; reason: string }[];
}

/**
 * Sorts pending jobs by their dependencies. A job whose dependencies were met once stays
 * ready: the jobs it waited on may leave the store (finishedJobRetention) before it is placed.
 */
export function sortByDependencies(pending: readonly Job[], lookup: (id: string) => Job | undefined): DependencySort {
  const out: DependencySort = { ready: [], newlyMet: [], waiting: [], never: [] };
  for (const job of pending) {
    if (job.dependenciesMet || (!job.spec.afterOk.length && !job.spec.afterAny.length)) {
      out.ready.push(job);
      continue;
    }
    const deps = dependencyStatus(job, lookup);
    if (deps.kind === 'wait') out.waiting.push({ job, reason: deps.reason });
    else if (deps.kind === 'never') out.never.push({ job, reason: deps.reason });
    else {
      out.ready.push(job);
      out.newlyMet.push(job);
    }
  }
  return out;
}
