import type { Job__Output } from '@wattpack/common/proto/Job';
import type { Node__Output } from '@wattpack/common/proto/Node';
import { describe, expect, it } from 'vitest';
import { useLocalSite, waitFor } from './harness.js';
import { parseMetrics } from './prometheus-text.js';

// A registration storm, as kubelets make after an apiserver restart: 200 hollow nodes on a
// secure site, the scheduler killed -9 and started again, every node's agent registering
// at once. Behaviour is asserted (every node back, each registered once in the new term,
// a new job placed), never a time: the times are printed as figures. pnpm bench:fleet
// measures the whole site (docs/benchmarks.md).
const NODES = 200;
const site = useLocalSite({ agents: [], fleet: { nodes: NODES, profile: 'h100x8', labels: 'rack=r1' } });

describe('a fleet registering at once after the scheduler is killed -9', () => {
  it('comes back whole: every node registered once, none twice, and jobs placed again', async () => {
    const nodes = async () => (await site().rpc<{ nodes: Node__Output[] }>('ListNodes', {})).nodes;
    const killedAt = Date.now();
    await site().killScheduler();
    await site().startScheduler();
    const servingS = (Date.now() - killedAt) / 1000;
    await waitFor(`all ${NODES} nodes READY and reporting to the new scheduler`, async () => (await nodes()).filter((n) => n.status === 'READY' && Number(n.lastSeenMs) > killedAt).length === NODES, 300_000);
    const backS = (Date.now() - killedAt) / 1000;

    const job = await site().rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify({ name: 'after-storm', gpus: 8, command: ['true'] }) });
    await site().waitForState(job.id, ['SUCCEEDED'], 120_000);

    // The new process's counter counts this term's registrations only.
    const registrations = parseMetrics((await site().observe('s1', '/metrics')).body).get('wattpack_node_registrations_total');
    const count = (result: string) => registrations?.samples.find((s) => s.labels.result === result)?.value ?? 0;
    process.stdout.write(`registration storm, ${NODES} nodes: serving ${servingS.toFixed(1)} s, all back ${backS.toFixed(1)} s after the kill; registrations stored ${count('stored')}, unchanged ${count('unchanged')}, abandoned ${count('abandoned')}\n`);
    // Each node once: written when its record changed, or not at all when the store already held it.
    expect(count('stored') + count('unchanged')).toBe(NODES);
    expect(count('unchanged')).toBeGreaterThan(0);
  }, 600_000);
});
