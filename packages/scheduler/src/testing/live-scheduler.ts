import { createLogger, defaultSiteConfig, type AgentCommandInput, type Job, type NodeInventory, type SiteConfig, type StartCommand } from '@wattpack/common/daemon';
import { Scheduler } from '../loop/scheduler.js';

/** A live scheduler with in-memory ports and two 8-GPU nodes, for the loop's tests (not in the ./testing index: the core's builders stay free of the loop). */
const log = createLogger('test', 'silent');

/** Where a test steps in: the clock every room reads, and each job write before it is stored. */
export interface Hooks {
  now?: () => number;
  beforePut?: (job: Job) => Promise<void> | void;
  /** The least time between passes (0 unless given: these tests step the loop and settle for 20 ms). */
  passGapMs?: number;
}

export function inventory(gpus: number, model = 'H100'): NodeInventory {
  return {
    gpus: Array.from({ length: gpus }, (_, index) => ({ index, uuid: `GPU-${index}`, model, memoryMib: 81559, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 })),
    miners: [],
    host: { hostname: 'h', cpuCores: 64, memoryMib: 1 << 20, os: 'linux', idlePowerW: 1000, busyPowerW: 2500 },
  };
}

/** A scheduler with in-memory ports: what it stores and what it sends are plain arrays. */
export async function setup(capMw = 18, siteExtra: Partial<SiteConfig> = {}, hooks: Hooks = {}) {
  const sent: { nodeId: string; command: AgentCommandInput }[] = [];
  const stored: Job[] = [];
  const deleted: string[] = [];
  const scheduler = new Scheduler({
    site: { ...defaultSiteConfig(), capMw, ...siteExtra },
    jobs: new Map(),
    nodes: new Map(),
    log,
    passGapMs: hooks.passGapMs ?? 0,
    ...(hooks.now ? { now: hooks.now } : {}),
    ports: {
      putJob: async (j) => {
        await hooks.beforePut?.(j);
        stored.push(j);
      },
      deleteJob: async (id) => void deleted.push(id),
      putNode: async () => {},
      putSite: async () => {},
      openNode: async () => {},
      sendCommand: async (nodeId, command) => void sent.push({ nodeId, command }),
    },
  });
  for (const id of ['a', 'b']) await scheduler.registerNode({ nodeId: id, labels: { rack: 'r1' }, inventory: inventory(8) });
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 20));
    await scheduler.settled();
  };
  const starts = () => sent.filter((s) => s.command.kind === 'start') as { nodeId: string; command: StartCommand }[];
  const finish = async (job: Job, exitCode = 0) => {
    const j = scheduler.getJob(job.id);
    for (const a of j.assignments) {
      await scheduler.handleEvent({ kind: 'started', nodeId: a.nodeId, jobId: j.id, attemptId: j.attemptId, at: 1 });
      await scheduler.handleEvent({ kind: 'exited', nodeId: a.nodeId, jobId: j.id, attemptId: j.attemptId, at: 2, exitCode });
    }
    await settle();
  };
  return { scheduler, sent, stored, deleted, settle, starts, finish };
}

export async function run(scheduler: Scheduler, id: string, nodeId?: string) {
  const j = scheduler.getJob(id);
  for (const a of j.assignments) {
    if (nodeId && a.nodeId !== nodeId) continue;
    await scheduler.handleEvent({ kind: 'started', nodeId: a.nodeId, jobId: j.id, attemptId: j.attemptId, at: 1 });
  }
}

export const spec = (extra: object = {}) => JSON.stringify({ name: 'train', command: ['python', 'train.py'], gpus: 8, ...extra });


/** One wait on a condition for every live-scheduler test (live.ts). */
export { until } from './live.js';
