import { describe, expect, it } from 'vitest';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { TWO_H100_NODES, waitFor, useLocalSite } from './harness.js';

const site = useLocalSite({ agents: [...TWO_H100_NODES, { id: 'miners-1', profile: 's19xp:4', labels: 'rack=m1' }] });

const node = async (id: string) => (await site().rpc<{ nodes: Node__Output[] }>('ListNodes', {})).nodes.find((n) => n.id === id)!;

describe('drain', () => {
  it('moves a running job to another node with its checkpoint, and ends DRAINED', async () => {
    const submitted = await site().cli([
      'submit', '--name', 'mover', '--gpus', '8', '-o', 'json', '--',
      'sh', '-c', 'trap "echo checkpoint saved; exit 0" TERM; echo attempt=$WATTPACK_ATTEMPT resume=${WATTPACK_RESUME:-0}; while true; do sleep 0.2; done',
    ]);
    const id = JSON.parse(submitted.stdout).id as string;
    const first = await site().waitForState(id, ['RUNNING']);
    const from = first.assignments[0]!.nodeId;

    const noReason = await site().cli(['drain', from]);
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain('reason: a drain needs a reason');

    const drained = await site().cli(['drain', from, '--reason', 'swap a PSU', '--deadline', '10m']);
    expect(drained.exitCode, drained.stderr).toBe(0);
    expect(drained.stdout).toContain('DRAINING');

    const moved = await waitFor('the job to run on the other node', async () => {
      const j = await site().job(id);
      return j.state === 'RUNNING' && j.attempt === 2 ? j : undefined;
    });
    expect(moved.assignments[0]!.nodeId).not.toBe(from);
    await waitFor('the node to be DRAINED', async () => (await node(from)).drain?.state === 'DRAINED');

    const status = await site().cli(['drain', 'status']);
    expect(status.stdout).toMatch(new RegExp(`${from}\\s+DRAINED`));
    expect(status.stdout).toContain('swap a PSU');
    const logs = await site().cli(['logs', id]);
    expect(logs.stdout).toContain('attempt=1 resume=0');
    expect(logs.stdout).toContain('checkpoint saved');
    expect(logs.stdout).toContain('attempt=2 resume=1');

    await site().cli(['cancel', id]);
    expect((await site().cli(['uncordon', from])).exitCode).toBe(0);
    expect((await node(from)).drain).toBeNull();
  });

  it('retires a miner host: miners curtailed by telemetry, the site shows the MW retired', async () => {
    const r = await site().cli(['drain', '--selector', 'rack=m1', '--reason', 'rack m1 converting to GPU']);
    expect(r.exitCode, r.stderr).toBe(0);
    await waitFor('the miner host to be DRAINED', async () => (await node('miners-1')).drain?.state === 'DRAINED');
    const n = await node('miners-1');
    expect(n.lastReport!.miners.every((m) => m.state === 'MINER_RUN_STATE_CURTAILED' && (m.powerW ?? 1e9) < 100)).toBe(true);
    const s = await site().rpc<Site__Output>('GetSite', {});
    expect(s.retiredW).toBe(4 * 3010);
    expect(s.miningW).toBe(0);
    const shown = await site().cli(['site']);
    expect(shown.stdout).toMatch(/0\.012 MW retired/);
  });
});
