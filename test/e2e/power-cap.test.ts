import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { useLocalSite } from './harness.js';

// Two idle 8 x H100 nodes: 1.2 x 2 x (1000 W host + 8 x 110 W) = 4.5 kW. One 8-GPU job at
// 700 W adds 1.2 x (8 x 590 + 1500) = 7.5 kW. A cap of 13.8 kW (13.5 kW after the 2 %
// reserve) fits one such job, not two.
const CAP_MW = 0.0138;

const site = useLocalSite({ capMw: CAP_MW });

describe('the power cap', () => {
  it('holds a job that would cross the cap with the power reason, starts it when watts free up, and never exceeds the cap', async () => {
    let maxAllocated = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await site().rpc<Site__Output>('GetSite', {});
        maxAllocated = Math.max(maxAllocated, s.allocated!.facilityW);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // The first job runs until the test opens its gate: on a loaded machine a fixed `sleep`
    // could end before the CLI shows the second one waiting.
    const gate = join(site().jobDir('gate'), 'open');
    const submit = async (name: string, ...command: string[]) => {
      // Fixed at 700 W (--min-watts 700): this test is about waiting, not capping.
      const r = await site().cli(['submit', '--name', name, '--gpus', '8', '--min-watts', '700', '-o', 'json', '--', ...command]);
      expect(r.exitCode, r.stderr).toBe(0);
      return JSON.parse(r.stdout).id as string;
    };
    try {
      const first = await submit('first', 'sh', '-c', `until [ -e ${gate} ]; do sleep 0.1; done`);
      const second = await submit('second', 'sleep', '1');
      await site().waitForState(first, ['RUNNING']);
      const waiting = await site().job(second);
      expect(waiting.state).toBe('PENDING');
      expect(waiting.reason).toMatch(/^power: needs 7\.5 kW, [0-9.]+ kW free under the cap$/);

      const shown = await site().cli(['job', second]);
      expect(shown.stdout).toContain('power: needs 7.5 kW');

      writeFileSync(gate, '');
      const done = await site().waitForState(second, ['SUCCEEDED', 'FAILED'], 30_000);
      expect(done.state).toBe('SUCCEEDED');
      expect(done.startedAtMs).toBeGreaterThanOrEqual((await site().job(first)).finishedAtMs);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(maxAllocated).toBeGreaterThan(11_000); // it did run one job at full power
    expect(maxAllocated).toBeLessThanOrEqual(CAP_MW * 1e6 * 0.98);
  });
});
