import { isTerminal, type Job } from '@wattpack/common/daemon';

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
