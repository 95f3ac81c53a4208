import { afterAll, describe, expect, it } from 'vitest';
import { LocalSite, TWO_H100_NODES, waitFor } from '../e2e/harness.js';
import { printTable, scenario } from './scenario.js';

/**
 * Faults the system must survive, each on its own local site of real processes: the
 * table at the end has one row per scenario; every row must read 0 lost, 0 duplicated.
 * Run alone with `pnpm faults`; `npm test` runs it too.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults', () => {
  afterAll(printTable);

  it('scheduler killed with kill -9 mid-run, then restarted', async () => {
    const site = await LocalSite.start();
    await scenario('scheduler kill -9', site, async (work) => {
      const ids = await work.submit(6, { seconds: 3 });
      await site.waitForState(ids[0]!, ['RUNNING']);
      await site.killScheduler();
      await sleep(1500);
      const restarted = Date.now();
      await site.startScheduler();
      const first = await work.firstStartAfter(restarted);
      return first === undefined ? undefined : first - restarted;
    });
  }, 120_000);

  it('agent cut off past its lease, then back', async () => {
    const site = await LocalSite.start({ site: { nodeLeaseSeconds: 3, nodeLostSeconds: 3 } });
    await scenario('agent cut off', site, async (work) => {
      const [id] = await work.submit(1, { seconds: 12 });
      const running = await site.waitForState(id!, ['RUNNING']);
      const nodeId = running.assignments[0]!.nodeId;
      const cut = Date.now();
      site.pauseAgent(nodeId, true);
      // Past the lease, the job resumes on the other node as attempt 2.
      const moved = await waitFor('the job to move', async () => {
        const j = await site.job(id!);
        return j.attempt === 2 && j.state === 'RUNNING' ? j : undefined;
      });
      site.pauseAgent(nodeId, false);
      expect(moved.assignments[0]!.nodeId).not.toBe(nodeId);
      return moved.startedAtMs - cut;
    });
  }, 120_000);

  it('agent killed with kill -9 and restarted: its process jobs are lost and requeued', async () => {
    const site = await LocalSite.start();
    await scenario('agent kill -9 (process runtime)', site, async (work) => {
      const [id] = await work.submit(1, { seconds: 8 });
      const running = await site.waitForState(id!, ['RUNNING']);
      const nodeId = running.assignments[0]!.nodeId;
      await site.killAgent(nodeId);
      const restarted = Date.now();
      await site.startAgent({ id: nodeId, profile: 'h100x8', labels: 'rack=r1' });
      const resumed = await waitFor('the job to run again as attempt 2', async () => {
        const j = await site.job(id!);
        return j.attempt === 2 && j.state === 'RUNNING' ? j : undefined;
      }, 30_000);
      return resumed.startedAtMs - restarted;
    });
  }, 120_000);

  it('nats-server restarted mid-run', async () => {
    const site = await LocalSite.start();
    await scenario('nats-server restart', site, async (work) => {
      const ids = await work.submit(4, { seconds: 3 });
      await site.waitForState(ids[0]!, ['RUNNING']);
      await site.restartNats(1000);
      const back = Date.now();
      const first = await work.firstStartAfter(back, 60_000);
      return first === undefined ? undefined : first - back;
    });
  }, 150_000);

  it('site cap dropped while busy, then restored', async () => {
    const site = await LocalSite.start({ agents: [...TWO_H100_NODES, { id: 'miners-1', profile: 's19xp:4', labels: 'rack=m1' }] });
    await scenario('cap drop', site, async (work) => {
      const ids = await work.submit(4, { seconds: 4 });
      await site.waitForState(ids[0]!, ['RUNNING']);
      // Room for the idle site and one job at its floor: miners go, limits come down, one job is checkpointed.
      const dropped = Date.now();
      await site.rpc('UpdateSite', { capMw: 0.0125 });
      await waitFor('the allocated power under the new cap', async () => {
        const s = await site.rpc<{ allocated: { facilityW: number } }>('GetSite', {});
        return s.allocated.facilityW <= 0.0125e6 * 0.98;
      });
      const underCap = Date.now() - dropped;
      await sleep(2000);
      await site.rpc('UpdateSite', { capMw: 18 });
      return underCap;
    });
  }, 120_000);


  it('two schedulers, one leader: the leader is killed, the standby takes over', async () => {
    const site = await LocalSite.start({ schedulers: 2 });
    await scenario('leader killed, standby takes over', site, async (work) => {
      const ids = await work.submit(6, { seconds: 3 });
      await site.waitForState(ids[0]!, ['RUNNING']);
      const leader = await waitFor('the leader', async () => {
        for (const id of ['s1', 's2']) {
          const pid = site.schedulers.get(id)?.pid;
          if (pid && (await isListening(site, id))) return id;
        }
        return undefined;
      });
      const standby = leader === 's1' ? 's2' : 's1';
      const killed = Date.now();
      await site.killSchedulerById(leader);
      // The standby serves once it holds the lease and has loaded the state.
      await waitFor('the standby to take over', () => isListening(site, standby), 10_000);
      const tookOver = Date.now() - killed;
      expect(tookOver).toBeLessThan(5000);
      return tookOver;
    });
  }, 150_000);

  it('a paused leader that wakes up cannot issue commands', async () => {
    const site = await LocalSite.start({ schedulers: 2 });
    await scenario('paused leader wakes up', site, async (work) => {
      const ids = await work.submit(6, { seconds: 3 });
      await site.waitForState(ids[0]!, ['RUNNING']);
      const leader = (await isListening(site, 's1')) ? 's1' : 's2';
      const standby = leader === 's1' ? 's2' : 's1';
      const paused = Date.now();
      site.schedulers.get(leader)!.kill('SIGSTOP');
      // A frozen process's socket still accepts connections: watch the standby bind its own.
      await waitFor('the standby to take over', () => isListening(site, standby), 10_000);
      const tookOver = Date.now() - paused;
      site.schedulers.get(leader)!.kill('SIGCONT');
      // It finds its lease gone, stops serving and stands by.
      await waitFor('the old leader to stop serving', async () => !(await isListening(site, leader)));
      return tookOver;
    });
  }, 150_000);
});

/** Whether scheduler `id` is the one serving (only the leader listens). */
async function isListening(site: LocalSite, id: string): Promise<boolean> {
  const { createConnection } = await import('node:net');
  const [host, port] = site.listen[Number(id.slice(1)) - 1]!.split(':');
  return new Promise((resolve) => {
    const socket = createConnection({ host, port: Number(port) }, () => (socket.end(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}
