import { jobSpecSchema, type Job, type JobState, type NodeRecord } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { setup, spec } from '../testing/live-scheduler.js';
import { chooseRendezvous, nodeAddress } from './rendezvous.js';

const node = (id: string, address?: string): NodeRecord => ({
  id,
  labels: {},
  inventory: { gpus: [], miners: [], host: { hostname: `${id}.site`, ...(address !== undefined ? { address } : {}), cpuCores: 1, memoryMib: 1, os: 'linux', idlePowerW: 0, busyPowerW: 0 } },
  status: 'READY',
  reason: '',
  registeredAt: 0,
  lastSeenAt: 0,
});

const meeting = (id: string, state: JobState, nodeId: string, port: number): Job => ({
  id,
  spec: jobSpecSchema.parse({ name: id, gpus: 1, command: ['true'] }),
  owner: 'alice',
  state,
  reason: '',
  submittedAt: 0,
  attempt: 1,
  attemptId: `${id}-a1`,
  assignments: [{ nodeId, gpuIndices: [0], gpuModel: 'H100', started: true, ended: false }],
  powerLimitW: 700,
  allocatedFacilityW: 0,
  rendezvous: { address: '10.0.0.1', port },
});

describe('chooseRendezvous', () => {
  const range = { from: 29_500, to: 29_502 };

  it("meets at rank 0's reported address, else its host name, on the lowest port no live attempt there holds", () => {
    expect(chooseRendezvous(node('n1', '10.0.0.1'), [], range)).toEqual({ address: '10.0.0.1', port: 29_500 });
    expect(nodeAddress(node('n1', ''))).toBe('n1.site');
    const jobs = [meeting('j-1', 'RUNNING', 'n1', 29_500), meeting('j-2', 'SUCCEEDED', 'n1', 29_501), meeting('j-3', 'RUNNING', 'n2', 29_501)];
    // j-2 ended and j-3 meets on another node: their ports are free on n1.
    expect(chooseRendezvous(node('n1', '10.0.0.1'), jobs, range).port).toBe(29_501);
  });

  it('shares a port in turn once the range is used up, never leaving it', () => {
    const jobs = [29_500, 29_501, 29_502].map((p, i) => meeting(`j-${i}`, 'RUNNING', 'n1', p));
    const { port } = chooseRendezvous(node('n1', '10.0.0.1'), jobs, range);
    expect(port).toBeGreaterThanOrEqual(range.from);
    expect(port).toBeLessThanOrEqual(range.to);
  });

  it('gives attempts placed on one node by one pass ports of their own, and a port back once its attempt ended', async () => {
    const { scheduler, settle, finish } = await setup(18, { rendezvousPorts: range });
    // Four 4-GPU jobs fill the two 8-GPU nodes, two on each, in one pass.
    const jobs = await Promise.all([1, 2, 3, 4].map(() => scheduler.submit(spec({ gpus: 4 }))));
    await settle();
    const placed = jobs.map((j) => scheduler.getJob(j.id));
    const on = (nodeId: string) => placed.filter((j) => j.assignments[0]!.nodeId === nodeId);
    expect(on('a').map((j) => j.rendezvous!.port).sort()).toEqual([29_500, 29_501]);
    expect(on('b').map((j) => j.rendezvous!.port).sort()).toEqual([29_500, 29_501]);
    await finish(on('a').find((j) => j.rendezvous!.port === 29_500)!);
    const next = await scheduler.submit(spec({ gpus: 4 }));
    await settle();
    expect(scheduler.getJob(next.id)).toMatchObject({ state: 'STARTING', assignments: [{ nodeId: 'a' }], rendezvous: { port: 29_500 } });
  });
});
