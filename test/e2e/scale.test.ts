import type { Job__Output } from '@wattpack/common/proto/Job';
import type { Node__Output } from '@wattpack/common/proto/Node';
import { describe, expect, it } from 'vitest';
import { fleetNodeIds, useLocalSite, waitFor } from './harness.js';
import { parseMetrics } from './prometheus-text.js';

// 200 hollow 8-GPU nodes in one agent process, on a secure site (mTLS, NATS TLS + nkeys,
// one identity per node): the suite's scale test, small enough for 2 cores. pnpm
// bench:fleet measures a whole site (docs/benchmarks.md).
const NODES = 200;
const site = useLocalSite({ agents: [], fleet: { nodes: NODES, profile: 'h100x8', labels: 'rack=r1' } });

describe('a hollow fleet of 200 nodes', () => {
  it('registers every node under its own identity, keeps reporting, and runs a gang across nodes', async () => {
    const nodes = async () => (await site().rpc<{ nodes: Node__Output[] }>('ListNodes', {})).nodes;
    const registered = await nodes();
    expect(registered.map((n) => n.id).sort()).toEqual(fleetNodeIds(NODES).sort());
    expect(registered.every((n) => n.status === 'READY' && n.inventory?.gpus.length === 8)).toBe(true);

    // Every node reports again after all have registered: reports are not starved by the fleet's size.
    const since = Math.max(...registered.map((n) => Number(n.lastSeenMs)));
    await waitFor('a report from every node', async () => (await nodes()).every((n) => Number(n.lastSeenMs) > since), 120_000);
    const lag = parseMetrics((await site().observe('s1', '/metrics')).body).get('wattpack_node_report_lag_seconds');
    expect(lag?.samples[0]?.count).toBeGreaterThanOrEqual(2 * NODES);

    const gang = await site().rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify({ name: 'gang', nodes: 2, gpus: 8, command: ['true'] }) });
    const done = await site().waitForState(gang.id, ['SUCCEEDED'], 120_000);
    expect(done.assignments.map((a) => a.nodeId)).toHaveLength(2);
  }, 600_000);
});
