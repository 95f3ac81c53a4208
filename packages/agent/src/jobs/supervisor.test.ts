import { createLogger, type JobEvent, type LogRecord, type StartCommand } from '@wattpack/common';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedHardware } from '../collectors/simulated/hardware.js';
import { parseProfile } from '../collectors/simulated/profile.js';
import { SimulatedPowerControl } from '../power/simulated-power.js';
import { preparePodman, TEST_IMAGE } from '../../test-fixtures/podman.js';
import { ContainerRuntime } from '../runtimes/container/container-runtime.js';
import { ProcessRuntime } from '../runtimes/process/process-runtime.js';
import type { Runtime } from '../runtimes/runtime.js';
import { Supervisor } from './supervisor.js';
import { startCommand, until } from '../../test-fixtures/agent-bus.js';

let supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.map((s) => s.stopAll('test over')));
  supervisors = [];
});

function setup(runtime: Runtime = new ProcessRuntime(), nodeId = 'n1') {
  const hw = createSimulatedHardware(parseProfile('h100x4+s19xp:1'), nodeId);
  const events: JobEvent[] = [];
  const logs: LogRecord[] = [];
  const supervisor = new Supervisor({
    nodeId,
    runtime,
    power: new SimulatedPowerControl(hw),
    publishEvent: async (e) => void events.push(e),
    publishLog: (r) => logs.push(r),
    logger: createLogger('test', 'silent'),
  });
  supervisors.push(supervisor);
  const limits = () => hw.gpus.map((g) => g.limitW);
  return { hw, supervisor, events, logs, limits };
}

/** The shared start command, on GPUs 1 and 2 at 400 W. */
const start = (argv: string[], extra: Partial<StartCommand> = {}): StartCommand => startCommand(argv, { gpuIndices: [1, 2], powerLimitW: 400, ...extra });

const eventOf = (events: JobEvent[], attemptId: string, kind: JobEvent['kind']) => events.find((e) => e.attemptId === attemptId && e.kind === kind);

describe('Supervisor', () => {
  it('applies the power limit, runs the job with its env, then restores the default limit and reports the exit', async () => {
    const { supervisor, events, logs, limits } = setup();
    const cmd = start(['sh', '-c', 'env | grep -E "^(WATTPACK_(JOB_ID|ATTEMPT|ATTEMPT_ID|NODE_RANK|NNODES|NODE_ID)|CUDA_VISIBLE_DEVICES|MY_VAR)=" | sort; sleep 0.3; exit 4'], {
      env: { MY_VAR: 'x', WATTPACK_JOB_ID: 'forged' },
      attempt: 2,
      nodeRank: 1,
      nodeCount: 3,
    });
    await supervisor.handle(cmd);
    expect(eventOf(events, cmd.attemptId, 'started')).toMatchObject({ nodeId: 'n1', jobId: cmd.jobId });
    expect(limits()).toEqual([700, 400, 400, 700]);
    expect(supervisor.attempts()).toEqual([{ jobId: cmd.jobId, attemptId: cmd.attemptId, gpuIndices: [1, 2], startedAtMs: expect.any(Number) }]);
    expect(supervisor.busyGpus()).toEqual(new Map([[1, { MY_VAR: 'x', WATTPACK_JOB_ID: 'forged' }], [2, { MY_VAR: 'x', WATTPACK_JOB_ID: 'forged' }]]));

    const exited = await until('exited', () => eventOf(events, cmd.attemptId, 'exited'));
    expect(exited).toMatchObject({ exitCode: 4 });
    expect(exited).not.toHaveProperty('signal');
    expect(limits()).toEqual([700, 700, 700, 700]);
    expect(supervisor.attempts()).toEqual([]);
    expect(logs.map((l) => l.line)).toEqual([
      'CUDA_VISIBLE_DEVICES=1,2',
      'MY_VAR=x',
      'WATTPACK_ATTEMPT=2',
      `WATTPACK_ATTEMPT_ID=${cmd.attemptId}`,
      `WATTPACK_JOB_ID=${cmd.jobId}`,
      'WATTPACK_NNODES=3',
      'WATTPACK_NODE_ID=n1',
      'WATTPACK_NODE_RANK=1',
    ]);
    expect(logs[0]).toMatchObject({ jobId: cmd.jobId, attemptId: cmd.attemptId, nodeId: 'n1', stream: 'stdout' });
  });

  it('runs an attempt once however often its start arrives, during or after the run', async () => {
    const { supervisor, events, logs } = setup();
    const cmd = start(['sh', '-c', 'echo once; sleep 0.2']);
    await supervisor.handle(cmd);
    await supervisor.handle({ ...cmd, commandId: 'again-while-running' });
    await until('exited', () => eventOf(events, cmd.attemptId, 'exited'));
    await supervisor.handle({ ...cmd, commandId: 'again-after-exit' });
    await new Promise((r) => setTimeout(r, 300));
    expect(events.map((e) => e.kind)).toEqual(['started', 'exited']);
    expect(logs.map((l) => l.line)).toEqual(['once']);
  });

  it('stops an attempt with the requested signal and reports the stop reason', async () => {
    const { supervisor, events, logs } = setup();
    const cmd = start(['sh', '-c', 'trap "echo checkpointing; exit 0" USR1; echo ready; while true; do sleep 0.05; done']);
    await supervisor.handle(cmd);
    await until('ready', () => logs.find((l) => l.line === 'ready'));
    await supervisor.handle({ kind: 'stop', commandId: 'c-stop', issuedAt: Date.now(), term: 0, jobId: cmd.jobId, attemptId: cmd.attemptId, reason: 'preempted', signal: 'SIGUSR1', graceSeconds: 5 });
    const exited = await until('exited', () => eventOf(events, cmd.attemptId, 'exited'));
    expect(exited).toMatchObject({ exitCode: 0, reason: 'preempted' });
    expect(logs.map((l) => l.line)).toContain('checkpointing');
  });

  it('stops an attempt past its max runtime with its checkpoint signal', async () => {
    const { supervisor, events } = setup();
    const cmd = start(['sleep', '30'], { maxRuntimeSeconds: 1, checkpoint: { signal: 'SIGTERM', graceSeconds: 5 } });
    const t0 = Date.now();
    await supervisor.handle(cmd);
    const exited = await until('exited', () => eventOf(events, cmd.attemptId, 'exited'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(exited).toMatchObject({ exitCode: 143, signal: 'SIGTERM', reason: 'max runtime exceeded' });
  });

  it('reports a start failure, and leaves the limits at their defaults', async () => {
    const { supervisor, events, limits } = setup();
    const cmd = start(['nosuchprog', '--epochs', '3']);
    await supervisor.handle(cmd);
    expect(events).toEqual([{ kind: 'failed', nodeId: 'n1', jobId: cmd.jobId, attemptId: cmd.attemptId, at: expect.any(Number), reason: 'command not found: nosuchprog' }]);
    expect(limits()).toEqual([700, 700, 700, 700]);
    await supervisor.handle({ ...cmd, commandId: 'retry' });
    expect(events).toHaveLength(1);
  });

  it('runs the attempt as the uid and gid the site maps its owner to', async () => {
    const { supervisor, events, logs } = setup();
    const cmd = start(['sh', '-c', 'id -u; id -g'], { owner: 'alice', runAs: { uid: 4242, gid: 4343 } });
    await supervisor.handle(cmd);
    // As root the agent switches to any uid; otherwise only to its own.
    if (process.getuid!() === 0) {
      expect(await until('exited', () => eventOf(events, cmd.attemptId, 'exited'))).toMatchObject({ exitCode: 0 });
      expect(logs.map((l) => l.line)).toEqual(['4242', '4343']);
    } else {
      expect(events[0]).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^cannot run a job as uid 4242, gid 4343: the agent runs as uid/) });
    }
  });

  it("fails an attempt whose owner has no account on the node, or would be root, with the reason; the GPUs' limits untouched", async () => {
    const { supervisor, events, limits } = setup();
    const unmapped = start(['true'], { owner: 'wattpack-no-such-user', runAs: undefined });
    await supervisor.handle(unmapped);
    expect(events).toEqual([{ kind: 'failed', nodeId: 'n1', jobId: unmapped.jobId, attemptId: unmapped.attemptId, at: expect.any(Number), reason: 'user wattpack-no-such-user has no Unix account on n1: map it in the site setting users' }]);
    const root = start(['true'], { owner: 'alice', runAs: { uid: 0, gid: 0 } });
    await supervisor.handle(root);
    expect(eventOf(events, root.attemptId, 'failed')).toMatchObject({ reason: 'jobs never run as root: user alice would run as uid 0 on n1; map it to another account in the site setting users' });
    const rootAccount = start(['true'], { owner: 'root', runAs: undefined });
    await supervisor.handle(rootAccount);
    expect(eventOf(events, rootAccount.attemptId, 'failed')).toMatchObject({ reason: expect.stringContaining('jobs never run as root') });
    expect(limits()).toEqual([700, 700, 700, 700]);
    expect(supervisor.attempts()).toEqual([]);
  });

  it('fails an attempt whose power limit the GPUs cannot take, naming the range', async () => {
    const { supervisor, events } = setup();
    const cmd = start(['true'], { powerLimitW: 100 });
    await supervisor.handle(cmd);
    expect(events[0]).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^power limit not applied: .*must be between 200 W and 700 W/) });
  });

  it('applies set-power and miners commands, logs bad ones and keeps going', async () => {
    const { hw, supervisor, limits } = setup();
    const base = { issuedAt: Date.now(), term: 0 };
    await supervisor.handle({ ...base, kind: 'set-power', commandId: 'p1', gpuIndices: [0, 3], powerLimitW: 500 });
    expect(limits()).toEqual([500, 700, 700, 500]);
    await supervisor.handle({ ...base, kind: 'set-power', commandId: 'p2', gpuIndices: [0], powerLimitW: 9000 });
    await supervisor.handle({ ...base, kind: 'set-power', commandId: 'p3', gpuIndices: [0], powerLimitW: 0 });
    expect(limits()).toEqual([700, 700, 700, 500]);
    await supervisor.handle({ ...base, kind: 'miners', commandId: 'm1', minerIds: ['n1-miner-0'], action: 'curtail' });
    expect(hw.miners[0]!.curtailed).toBe(true);
    await supervisor.handle({ ...base, kind: 'miners', commandId: 'm2', minerIds: ['nope'], action: 'resume' });
    expect(hw.miners[0]!.curtailed).toBe(true);
  });

  it('ignores commands from a deposed scheduler (an older term than one seen)', async () => {
    const { supervisor, events, limits } = setup();
    await supervisor.handle({ kind: 'set-power', commandId: 'p-new', issuedAt: 0, term: 7, gpuIndices: [0], powerLimitW: 500 });
    await supervisor.handle({ kind: 'set-power', commandId: 'p-old', issuedAt: 0, term: 6, gpuIndices: [0], powerLimitW: 300 });
    await supervisor.handle(start(['true'], { term: 5 }));
    expect(limits()).toEqual([500, 700, 700, 700]);
    expect(events).toEqual([]);
  });

  it('acknowledges a stop for an unknown attempt', async () => {
    const { supervisor, events } = setup();
    await supervisor.handle({ kind: 'stop', commandId: 's', issuedAt: 0, term: 0, jobId: 'j', attemptId: 'unknown', reason: 'cancelled', signal: 'SIGTERM', graceSeconds: 1 });
    expect(events).toEqual([]);
  });

  it('stopAll stops every attempt and waits for their exit events', async () => {
    const { supervisor, events } = setup();
    const a = start(['sleep', '30'], { gpuIndices: [0] });
    const b = start(['sleep', '30'], { gpuIndices: [3], checkpoint: { signal: 'SIGINT', graceSeconds: 5 } });
    await supervisor.handle(a);
    await supervisor.handle(b);
    await supervisor.stopAll('agent shutting down');
    expect(eventOf(events, a.attemptId, 'exited')).toMatchObject({ signal: 'SIGTERM', exitCode: 143, reason: 'agent shutting down' });
    expect(eventOf(events, b.attemptId, 'exited')).toMatchObject({ signal: 'SIGINT', exitCode: 130, reason: 'agent shutting down' });
  });
});

describe('Supervisor with containers', () => {
  beforeAll(() => {
    process.env.CONTAINERS_CONF = preparePodman().env.CONTAINERS_CONF;
  }, 60_000);

  it('takes over its containers after a restart: reported, limits re-applied, exit published, never a second copy', async () => {
    const nodeId = `sup-${process.pid}`;
    const before = setup(new ContainerRuntime({ engine: 'podman' }), nodeId);
    const cmd = start(['sh', '-c', 'echo up; trap "echo saving; exit 0" TERM; while true; do sleep 0.1; done'], { image: TEST_IMAGE, gpuIndices: [2], powerLimitW: 350, maxRuntimeSeconds: 3600 });
    await before.supervisor.handle(cmd);
    expect(before.events).toEqual([expect.objectContaining({ kind: 'started' })]);
    // Its TERM trap is in place once it said so.
    await until('up', () => before.logs.find((l) => l.line === 'up'));

    // The agent restarts: a new supervisor and runtime, GPUs back at their defaults.
    const after = setup(new ContainerRuntime({ engine: 'podman' }), nodeId);
    expect(after.limits()).toEqual([700, 700, 700, 700]);
    expect(await after.supervisor.recover()).toBe(1);
    expect(after.supervisor.attempts()).toEqual([{ jobId: cmd.jobId, attemptId: cmd.attemptId, gpuIndices: [2], startedAtMs: expect.any(Number) }]);
    expect(after.limits()).toEqual([700, 700, 350, 700]);
    expect(eventOf(after.events, cmd.attemptId, 'started')).toBeDefined();

    await after.supervisor.handle({ ...cmd, commandId: 'redelivered' });
    const containers = execFileSync('podman', ['ps', '--quiet', '--filter', `label=wattpack.node-id=${nodeId}`], { encoding: 'utf8' }).trim().split('\n');
    expect(containers).toHaveLength(1);

    await after.supervisor.handle({ kind: 'stop', commandId: 'stop', issuedAt: Date.now(), term: 0, jobId: cmd.jobId, attemptId: cmd.attemptId, reason: 'cancelled by user', signal: 'SIGTERM', graceSeconds: 10 });
    expect(await until('exited', () => eventOf(after.events, cmd.attemptId, 'exited'))).toMatchObject({ exitCode: 0, reason: 'cancelled by user' });
    expect(after.logs.map((l) => l.line)).toEqual(['saving']);
    expect(after.limits()).toEqual([700, 700, 700, 700]);
  });

  it('names an OOM kill as the exit reason', async () => {
    const oom: Runtime = {
      name: 'stub',
      start: async () => ({ pid: 1, exited: Promise.resolve({ exitCode: 137, signal: 'SIGKILL' as const, oomKilled: true }) }),
      stop: async () => {},
      recover: async () => [],
    };
    const { supervisor, events } = setup(oom);
    const cmd = start(['train']);
    await supervisor.handle(cmd);
    expect(await until('exited', () => eventOf(events, cmd.attemptId, 'exited'))).toMatchObject({ exitCode: 137, signal: 'SIGKILL', reason: 'out of memory: killed at its memory limit' });
  });
});
