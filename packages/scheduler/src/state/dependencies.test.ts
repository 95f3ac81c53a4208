import { jobSpecSchema, type Job, type JobState } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { dependencyStatus, sortByDependencies } from './dependencies.js';

const job = (id: string, state: JobState, deps: { afterOk?: string[]; afterAny?: string[] } = {}, reason = ''): Job => ({
  id,
  spec: jobSpecSchema.parse({ name: id, gpus: 1, command: ['true'], ...deps }),
  owner: 'alice',
  state,
  reason,
  submittedAt: 0,
  attempt: 0,
  attemptId: '',
  assignments: [],
  powerLimitW: 0,
  allocatedFacilityW: 0,
});

const status = (target: Job, ...others: Job[]) => dependencyStatus(target, (id) => others.find((j) => j.id === id));

describe('dependencyStatus (sbatch afterok / afterany)', () => {
  it('is met without dependencies, and once every after-ok job succeeded and every after-any job ended', () => {
    expect(status(job('j-c', 'PENDING'))).toEqual({ kind: 'met' });
    const c = job('j-c', 'PENDING', { afterOk: ['j-a'], afterAny: ['j-b'] });
    expect(status(c, job('j-a', 'SUCCEEDED'), job('j-b', 'FAILED'))).toEqual({ kind: 'met' });
    expect(status(c, job('j-a', 'SUCCEEDED'), job('j-b', 'CANCELLED'))).toEqual({ kind: 'met' });
  });

  it('waits, naming every job still to succeed or end', () => {
    const c = job('j-c', 'PENDING', { afterOk: ['j-a'], afterAny: ['j-b'] });
    expect(status(c, job('j-a', 'RUNNING'), job('j-b', 'PENDING'))).toEqual({ kind: 'wait', reason: 'dependency: waiting for job j-a to succeed, j-b to end' });
    expect(status(c, job('j-a', 'SUCCEEDED'), job('j-b', 'STARTING'))).toEqual({ kind: 'wait', reason: 'dependency: waiting for job j-b to end' });
  });

  it('can never be met once an after-ok job failed or was cancelled, or is unknown: the reason says which', () => {
    const c = job('j-c', 'PENDING', { afterOk: ['j-a'] });
    expect(status(c, job('j-a', 'FAILED', {}, 'exited with code 3'))).toEqual({ kind: 'never', reason: 'dependency never satisfied: job j-a (after-ok) ended FAILED: exited with code 3' });
    expect(status(c, job('j-a', 'CANCELLED'))).toEqual({ kind: 'never', reason: 'dependency never satisfied: job j-a (after-ok) ended CANCELLED' });
    expect(status(c)).toEqual({ kind: 'never', reason: 'dependency never satisfied: job j-a (after-ok) is unknown' });
  });
});

describe('sortByDependencies', () => {
  it('plans the ready, newly met ones marked; notes the waiting; ends the never; a job met once stays ready without its dependency', () => {
    const a = job('j-a', 'SUCCEEDED');
    const free = job('j-free', 'PENDING');
    const met = job('j-met', 'PENDING', { afterOk: ['j-a'] });
    const waits = job('j-waits', 'PENDING', { afterAny: ['j-run'] });
    const never = job('j-never', 'PENDING', { afterOk: ['j-bad'] });
    const keptMet = { ...job('j-kept', 'PENDING', { afterOk: ['j-swept'] }), dependenciesMet: true };
    const others = [a, job('j-run', 'RUNNING'), job('j-bad', 'FAILED')];
    const sorted = sortByDependencies([free, met, waits, never, keptMet], (id) => others.find((j) => j.id === id));
    expect(sorted.ready.map((j) => j.id)).toEqual(['j-free', 'j-met', 'j-kept']);
    expect(sorted.newlyMet.map((j) => j.id)).toEqual(['j-met']);
    expect(sorted.waiting).toEqual([{ job: waits, reason: 'dependency: waiting for job j-run to end' }]);
    expect(sorted.never).toEqual([{ job: never, reason: 'dependency never satisfied: job j-bad (after-ok) ended FAILED' }]);
  });
});
