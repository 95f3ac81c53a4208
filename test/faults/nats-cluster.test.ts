import { afterAll, describe, it } from 'vitest';
import { LocalSite } from '../e2e/harness.js';
import { printTable, scenario } from './scenario.js';

/**
 * A file of its own so that it runs beside faults.test.ts rather than after it (vitest
 * runs files in parallel, the tests of one file in turn); `pnpm faults` runs both.
 */
describe('faults: NATS cluster', () => {
  afterAll(printTable);

  it('a 3-node NATS cluster (replicas 3) loses one server mid-run', async () => {
    const site = await LocalSite.start({ natsCluster: true });
    await scenario('NATS cluster node killed', site, async (work) => {
      const ids = await work.submit(4, { seconds: 3 });
      await site.waitForState(ids[0]!, ['RUNNING']);
      const killed = Date.now();
      await site.killNatsServer(0);
      const first = await work.firstStartAfter(killed, 60_000);
      return first === undefined ? undefined : first - killed;
    });
  }, 150_000);
});
