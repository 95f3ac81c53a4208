import { describe, expect, it } from 'vitest';
import { WattpackError, defaultSiteConfig, type StartCommand, type StopCommand } from '@wattpack/common';
import { siteSplit, budgetW } from '../core/watts.js';
import { inventory, run, setup, spec } from '../testing/live-scheduler.js';

describe('Scheduler', () => {
  it('places a submitted job, sends its start with the power limit, and follows events to SUCCEEDED', async () => {
    const { scheduler, settle, starts } = await setup();
    const job = await scheduler.submit(spec({ power: { maxWatts: 600 } }));
    expect(job.state).toBe('PENDING');
    await settle();
    const placed = scheduler.getJob(job.id);
    expect(placed.state).toBe('STARTING');
    expect(starts()).toHaveLength(1);
    expect(starts()[0]!.command).toMatchObject({ jobId: job.id, attemptId: placed.attemptId, powerLimitW: 600, gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7] });

    await scheduler.handleEvent({ kind: 'started', nodeId: starts()[0]!.nodeId, jobId: job.id, attemptId: placed.attemptId, at: 5 });
    expect(scheduler.getJob(job.id).state).toBe('RUNNING');
    // A redelivered event changes nothing.
    await scheduler.handleEvent({ kind: 'started', nodeId: starts()[0]!.nodeId, jobId: job.id, attemptId: placed.attemptId, at: 6 });
    expect(scheduler.getJob(job.id).startedAt).toBe(5);
    await scheduler.handleEvent({ kind: 'exited', nodeId: starts()[0]!.nodeId, jobId: job.id, attemptId: placed.attemptId, at: 9, exitCode: 0 });
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'SUCCEEDED', exitCode: 0 });
  });

  it("records the job's owner and sends it with the start, with the site's mapping of it and the host network only for allowed teams", async () => {
    const { scheduler, settle, starts } = await setup(18, { users: { alice: { uid: 1001, gid: 1002 }, bob: { account: 'svc' } }, allowHostNetwork: ['llm'] });
    const a = await scheduler.submit(spec({ gpus: 1, team: 'llm' }), { owner: 'alice' });
    const b = await scheduler.submit(spec({ gpus: 1 }), { owner: 'bob' });
    const c = await scheduler.submit(spec({ gpus: 1 }), { owner: 'carol' });
    const anon = await scheduler.submit(spec({ gpus: 1 }));
    expect([a.owner, b.owner, c.owner, anon.owner]).toEqual(['alice', 'bob', 'carol', 'anonymous']);
    await settle();
    const startOf = (id: string) => starts().find((s) => s.command.jobId === id)!.command;
    expect(startOf(a.id)).toMatchObject({ owner: 'alice', runAs: { uid: 1001, gid: 1002 }, hostNetwork: true });
    expect(startOf(b.id)).toMatchObject({ owner: 'bob', runAs: { account: 'svc' }, hostNetwork: false });
    // Not mapped: the agent runs it as its node's account named carol.
    expect(startOf(c.id)).toMatchObject({ owner: 'carol', hostNetwork: false });
    expect(startOf(c.id)).not.toHaveProperty('runAs');
    expect(startOf(anon.id)).toMatchObject({ owner: 'anonymous' });
  });

  it('maps every owner not listed with the "*" entry', async () => {
    const { scheduler, settle, starts } = await setup(18, { users: { alice: { uid: 1001, gid: 1001 }, '*': { uid: 65534, gid: 65534 } } });
    await scheduler.submit(spec({ gpus: 1 }), { owner: 'dave' });
    await settle();
    expect(starts()[0]!.command).toMatchObject({ owner: 'dave', runAs: { uid: 65534, gid: 65534 } });
  });

  it('hands the CPU and memory limits of a job to the agent with its start', async () => {
    const { scheduler, settle, starts } = await setup();
    await scheduler.submit(spec({ gpus: 1, image: 'trainer:1', resources: { cpus: 8, memoryMib: 65536 } }));
    await settle();
    expect(starts()[0]!.command).toMatchObject({ image: 'trainer:1', cpus: 8, memoryMib: 65536 });
  });

  it('fails a job with the reason when its command cannot start', async () => {
    const { scheduler, settle, starts } = await setup();
    const job = await scheduler.submit(spec({ gpus: 1 }));
    await settle();
    const { attemptId } = scheduler.getJob(job.id);
    await scheduler.handleEvent({ kind: 'failed', nodeId: starts()[0]!.nodeId, jobId: job.id, attemptId, at: 1, reason: 'command not found: python' });
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'FAILED', reason: 'command not found: python' });
  });

  it('starts a 2x8 gang on both nodes, and stops the other part when one fails', async () => {
    const { scheduler, settle, starts, sent } = await setup();
    const job = await scheduler.submit(spec({ nodes: 2 }));
    await settle();
    expect(starts().map((s) => s.nodeId).sort()).toEqual(['a', 'b']);
    expect(starts().map((s) => s.command.nodeRank).sort()).toEqual([0, 1]);
    const { attemptId } = scheduler.getJob(job.id);
    await scheduler.handleEvent({ kind: 'exited', nodeId: 'a', jobId: job.id, attemptId, at: 1, exitCode: 3 });
    expect(scheduler.getJob(job.id)).toMatchObject({ state: 'FAILED', reason: 'exited with code 3 on a', exitCode: 3 });
    expect(sent.filter((s) => s.command.kind === 'stop').map((s) => s.nodeId)).toEqual(['b']);
    // The failed gang still holds node b's GPUs until b's part has ended.
    expect(scheduler.snapshot().nodes.find((n) => n.id === 'b')!.gpus.every((g) => g.jobId === job.id)).toBe(true);
    await scheduler.handleEvent({ kind: 'exited', nodeId: 'b', jobId: job.id, attemptId, at: 2, exitCode: 143 });
    expect(scheduler.snapshot().nodes.every((n) => n.gpus.every((g) => g.jobId === undefined))).toBe(true);
  });

  it('rejects specs no node could run, naming the field, and stores nothing', async () => {
    const { scheduler, stored } = await setup();
    await expect(scheduler.submit(spec({ gpus: 16 }))).rejects.toThrow('gpus: 16 per node requested, but the largest node has 8 H100');
    await expect(scheduler.submit(spec({ gpuModels: ['H200'] }))).rejects.toThrow('gpuModels: no node of this site has H200 GPUs');
    await expect(scheduler.submit(spec({ nodes: 3 }))).rejects.toThrow('nodes: 3 nodes with 8 GPUs requested, but the site has 2');
    await expect(scheduler.submit(spec({ gpus: -1 }))).rejects.toThrow(/gpus: Too small/);
    await expect(scheduler.submit(spec({ gpuModels: ['X9000'] }))).rejects.toThrow(/gpuModels.0: unknown GPU model/);
    await expect(scheduler.submit(spec({ colour: 'blue' }))).rejects.toThrow('unknown field(s) "colour"');
    await expect(scheduler.submit('{not json')).rejects.toThrow('not valid JSON');
    expect(stored).toHaveLength(0);
    expect(scheduler.listJobs()).toHaveLength(0);
  });

  it('judges a shape it refused before again once a node registers with other GPUs', async () => {
    const { scheduler } = await setup();
    await expect(scheduler.submit(spec({ nodes: 3 }))).rejects.toThrow('nodes: 3 nodes with 8 GPUs requested, but the site has 2');
    await scheduler.registerNode({ nodeId: 'c', labels: {}, inventory: inventory(8) });
    expect((await scheduler.submit(spec({ nodes: 3 }))).state).toBe('PENDING');
    // c comes back with 4 GPUs: three 8-GPU nodes no longer exist.
    await scheduler.registerNode({ nodeId: 'c', labels: {}, inventory: inventory(4) });
    await expect(scheduler.submit(spec({ nodes: 3 }))).rejects.toThrow('nodes: 3 nodes with 8 GPUs requested, but the site has 2');
  });

  it('refuses specs over the size limits with INVALID_ARGUMENT, naming the field, without echoing the input', async () => {
    const { scheduler, stored } = await setup();
    const big = scheduler.submit(spec({ env: { DATA: 'x'.repeat(70_000) } }));
    await expect(big).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^invalid job spec: the whole spec is 68\.\d KiB as JSON: at most 64 KiB \(its largest field, "env"/) });
    await expect(big).rejects.toSatisfy((e: Error) => e.message.length < 200);
    await expect(scheduler.submit(spec({ args: Array.from({ length: 1000 }, () => 'a') }))).rejects.toThrow('invalid job spec: args: command and args have 1002 entries: at most 1000');
    await expect(scheduler.submit(spec({ maxRuntime: '45d' }))).rejects.toThrow('invalid job spec: maxRuntime: at most 30d (2592000 seconds)');
    await expect(scheduler.submit(spec({ gpuModels: ['H100'], power: { maxWatts: 900 } }))).rejects.toThrow('invalid job spec: power.maxWatts: 900 W is outside the 200-700 W that H100 GPUs accept');
    expect(stored).toHaveLength(0);
  });

  it('keeps a job that would cross the cap waiting with the power reason until watts free up', async () => {
    // Two idle 8-GPU nodes: 1.2 x 2 x (1000 + 880) = 4.5 kW; one 8 x 700 W job adds 7.5 kW.
    const { scheduler, settle, finish } = await setup(0.0135 / 0.98);
    // Fixed at 700 W: these jobs accept no capping.
    const first = await scheduler.submit(spec({ power: { minWatts: 700 } }));
    const second = await scheduler.submit(spec({ power: { minWatts: 700 } }));
    await settle();
    expect(scheduler.getJob(first.id).state).toBe('STARTING');
    expect(scheduler.getJob(second.id)).toMatchObject({ state: 'PENDING' });
    expect(scheduler.getJob(second.id).reason).toMatch(/^power: needs 7\.5 kW, 1\.5 kW free under the cap$/);
    const snap = scheduler.snapshot();
    expect(siteSplit(snap).facilityW).toBeLessThanOrEqual(budgetW(snap));

    await finish(first);
    expect(scheduler.getJob(second.id).state).toBe('STARTING');
    expect(siteSplit(scheduler.snapshot()).facilityW).toBeLessThanOrEqual(budgetW(scheduler.snapshot()));
  });

  it('cancels a pending job at once and a running one through its stop command', async () => {
    const { scheduler, settle, sent } = await setup();
    const running = await scheduler.submit(spec({ nodes: 2 }));
    const pending = await scheduler.submit(spec({ nodes: 2 }));
    await settle();
    expect((await scheduler.cancel(pending.id, 'not needed')).state).toBe('CANCELLED');
    const cancelling = await scheduler.cancel(running.id, '');
    expect(cancelling.cancelRequested).toBe(true);
    expect(sent.filter((s) => s.command.kind === 'stop')).toHaveLength(2);
    for (const nodeId of ['a', 'b']) {
      await scheduler.handleEvent({ kind: 'exited', nodeId, jobId: running.id, attemptId: cancelling.attemptId, at: 3, exitCode: 143, signal: 'SIGTERM' });
    }
    expect(scheduler.getJob(running.id)).toMatchObject({ state: 'CANCELLED', reason: 'cancelled' });
    await expect(scheduler.cancel('j-nope', '')).rejects.toThrow('no job with id j-nope');
  });

  it('preempts a lower-priority job with its checkpoint signal, requeues it, and resumes it as attempt 2', async () => {
    const { scheduler, settle, sent, finish, stored } = await setup();
    const low = await scheduler.submit(spec({ nodes: 2, priority: 10, checkpoint: { signal: 'SIGUSR1', graceSeconds: 5 } }));
    await settle();
    await run(scheduler, low.id);
    const urgent = await scheduler.submit(spec({ priority: 900 }));
    await settle();
    const stops = sent.filter((s) => s.command.kind === 'stop') as { nodeId: string; command: StopCommand }[];
    expect(stops).toHaveLength(2);
    expect(stops[0]!.command).toMatchObject({ jobId: low.id, signal: 'SIGUSR1', graceSeconds: 5 });
    expect(scheduler.getJob(low.id).preempting).toMatch(/preempted for/);
    expect(scheduler.getJob(urgent.id)).toMatchObject({ state: 'PENDING', reason: 'preempting 1 job(s) to make room' });

    const { attemptId } = scheduler.getJob(low.id);
    for (const nodeId of ['a', 'b']) {
      await scheduler.handleEvent({ kind: 'exited', nodeId, jobId: low.id, attemptId, at: 9, exitCode: 0 });
    }
    await settle();
    expect(scheduler.getJob(low.id)).toMatchObject({ state: 'PENDING', attempt: 1 });
    expect(stored.some((j) => j.id === low.id && j.state === 'PENDING' && /^preempted for .*; requeued to resume$/.test(j.reason))).toBe(true);
    expect(scheduler.getJob(urgent.id).state).toBe('STARTING');

    await finish(scheduler.getJob(urgent.id));
    const resumed = scheduler.getJob(low.id);
    expect(resumed).toMatchObject({ state: 'STARTING', attempt: 2, attemptId: `${low.id}-a2` });
    const restart = (sent.filter((s) => s.command.kind === 'start') as { command: StartCommand }[]).at(-1)!.command;
    expect(restart).toMatchObject({ attempt: 2, env: { WATTPACK_RESUME: '1' } });
  });

  it('sheds a cap drop: the site is planned under the new cap and low-priority work is checkpointed', async () => {
    const { scheduler, settle, sent } = await setup();
    const hi = await scheduler.submit(spec({ priority: 500, power: { minWatts: 700 } }));
    const lo = await scheduler.submit(spec({ priority: 1, power: { minWatts: 700 } }));
    await settle();
    await run(scheduler, hi.id);
    await run(scheduler, lo.id);
    await scheduler.updateSite({ capMw: 0.0135 });
    await settle();
    expect(scheduler.getJob(lo.id).preempting).toMatch(/cap dropped to 0.01 MW/);
    expect(scheduler.getJob(hi.id).preempting).toBeUndefined();
    expect(sent.filter((s) => s.command.kind === 'stop').map((s) => (s.command as StopCommand).jobId)).toEqual([lo.id]);
    await expect(scheduler.updateSite({ capMw: -1 })).rejects.toThrow('capMw');
  });

  it('plans against an announced grid event early enough to checkpoint before it starts', async () => {
    let now = 1_000_000;
    const { scheduler } = await setup();
    Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
    await scheduler.updateSite({ addGridEvents: [{ startMs: now + 30 * 60_000, durationS: 7200, capMw: 12, noticeS: 600 }] });
    expect(scheduler.effectiveCapW()).toBe(18e6);
    now += 29 * 60_000; // a minute before: inside the lead (no running job: 60 s)
    expect(scheduler.effectiveCapW()).toBe(12e6);
    now += 7200_000 + 60_000; // after it
    expect(scheduler.effectiveCapW()).toBe(18e6);
  });

  describe('drain', () => {
    it('cordons at once, checkpoints and requeues running work elsewhere, and ends DRAINED', async () => {
      let now = 1_000;
      const { scheduler, settle, sent } = await setup();
      Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
      const job = await scheduler.submit(spec({ gpus: 4 }));
      await settle();
      const nodeId = scheduler.getJob(job.id).assignments[0]!.nodeId;
      await run(scheduler, job.id);
      await expect(scheduler.drain({ nodeIds: [nodeId] }, { reason: ' ', by: 'ops', migrate: true, force: false })).rejects.toThrow('reason: a drain needs a reason');
      await expect(scheduler.drain({ nodeIds: ['nope'] }, { reason: 'x', by: 'ops', migrate: true, force: false })).rejects.toThrow('no node with id nope');

      await scheduler.drain({ nodeIds: [nodeId] }, { reason: 'swap PSU', by: 'ops', deadlineS: 3600, migrate: true, force: false });
      const node = scheduler.listNodes().find((n) => n.record.id === nodeId)!;
      expect(node.record.drain).toMatchObject({ state: 'DRAINING', reason: 'swap PSU', by: 'ops', deadlineAt: 1_000 + 3600_000 });
      expect(scheduler.snapshot().nodes.find((n) => n.id === nodeId)!.schedulable).toBe(false);
      const stop = sent.filter((x) => x.command.kind === 'stop').at(-1)!.command as StopCommand;
      expect(stop).toMatchObject({ jobId: job.id, graceSeconds: 30, reason: `node ${nodeId} draining: swap PSU` });

      const { attemptId } = scheduler.getJob(job.id);
      await scheduler.handleEvent({ kind: 'exited', nodeId, jobId: job.id, attemptId, at: 5, exitCode: 0 });
      await settle();
      // Requeued and placed on the other node at once: the watts came back with the GPUs.
      const moved = scheduler.getJob(job.id);
      expect(moved).toMatchObject({ state: 'STARTING', attempt: 2 });
      expect(moved.assignments[0]!.nodeId).not.toBe(nodeId);
      await scheduler.checkDrains();
      expect(scheduler.listNodes().find((n) => n.record.id === nodeId)!.record.drain!.state).toBe('DRAINED');

      await scheduler.uncordon({ nodeIds: [nodeId] });
      expect(scheduler.listNodes().find((n) => n.record.id === nodeId)!.record.drain).toBeUndefined();
    });

    it('without migration lets jobs run until the deadline, then stops them without grace', async () => {
      let now = 1_000;
      const { scheduler, settle, sent } = await setup();
      Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
      const job = await scheduler.submit(spec({ gpus: 8, nodes: 2 }));
      await settle();
      await run(scheduler, job.id);
      await scheduler.drain({ labels: { rack: 'r1' } }, { reason: 'rack r1 to liquid cooling', by: 'ops', deadlineS: 60, migrate: false, force: false });
      expect(sent.filter((x) => x.command.kind === 'stop')).toHaveLength(0);
      now += 61_000;
      await scheduler.checkDrains();
      const kills = sent.filter((x) => x.command.kind === 'stop').map((x) => x.command as StopCommand);
      expect(kills).toHaveLength(2);
      expect(kills.every((k) => k.graceSeconds === 0 && k.commandId.startsWith('kill:'))).toBe(true);
    });

    it('drains a node whose agent reports a GPU that needs a reset, with the reason', async () => {
      const { scheduler, settle } = await setup();
      const gpus = Array.from({ length: 8 }, (_, index) => ({ index, health: 'HEALTH_OK' as const, healthReason: '' }));
      gpus[3] = { index: 3, health: 'HEALTH_FAILED' as const, healthReason: 'XID 79: GPU has fallen off the bus' };
      await scheduler.report('a', { timestampMs: 1, gpus, miners: [], attempts: [] });
      await settle();
      expect(scheduler.listNodes().find((n) => n.record.id === 'a')!.record.drain).toMatchObject({
        state: 'DRAINING',
        automatic: true,
        by: 'wattpack',
        reason: 'GPU 3 unhealthy: XID 79: GPU has fallen off the bus',
      });
    });
  });

  describe('lost nodes', () => {
    it('requeues the jobs of a node silent past its lease, and kills the stale attempt when it returns', async () => {
      let now = Date.now();
      const { scheduler, settle, sent } = await setup();
      Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
      const job = await scheduler.submit(spec({ gpus: 8 }));
      await settle();
      const first = scheduler.getJob(job.id);
      const lostNode = first.assignments[0]!.nodeId;
      const other = lostNode === 'a' ? 'b' : 'a';
      await run(scheduler, job.id);
      await scheduler.report(other, { timestampMs: now, gpus: [], miners: [], attempts: [] });
      now += 61_000; // past nodeLostSeconds (60 s), and only the other node reported
      await scheduler.report(other, { timestampMs: now, gpus: [], miners: [], attempts: [] });
      await scheduler.checkLeases();
      await settle();
      const moved = scheduler.getJob(job.id);
      expect(moved).toMatchObject({ state: 'STARTING', attempt: 2 });
      expect(moved.assignments[0]!.nodeId).toBe(other);

      // The cut-off node comes back still running attempt 1: it is killed, and the node takes no work meanwhile.
      await scheduler.registerNode({ nodeId: lostNode, labels: {}, inventory: inventory(8) });
      await scheduler.report(lostNode, { timestampMs: now, gpus: [], miners: [], attempts: [{ jobId: job.id, attemptId: first.attemptId, gpuIndices: [0], startedAtMs: 1 }] });
      await settle();
      const kill = sent.filter((x) => x.nodeId === lostNode && x.command.kind === 'stop').at(-1)!.command as StopCommand;
      expect(kill).toMatchObject({ attemptId: first.attemptId, signal: 'SIGKILL', graceSeconds: 0 });
      expect(scheduler.snapshot().nodes.find((n) => n.id === lostNode)!.schedulable).toBe(false);
      await scheduler.report(lostNode, { timestampMs: now, gpus: [], miners: [], attempts: [] });
      await settle();
      expect(scheduler.snapshot().nodes.find((n) => n.id === lostNode)!.schedulable).toBe(true);
    });

    it('settles an attempt from the ended list of a report when its event never arrived', async () => {
      let now = Date.now();
      const { scheduler, settle } = await setup();
      Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
      const job = await scheduler.submit(spec({ gpus: 8 }));
      await settle();
      const { attemptId, assignments } = scheduler.getJob(job.id);
      const nodeId = assignments[0]!.nodeId;
      await scheduler.handleEvent({ kind: 'started', nodeId, jobId: job.id, attemptId, at: now });
      now += 1000;
      await scheduler.registerNode({ nodeId, labels: {}, inventory: inventory(8) });
      now += 6000;
      await scheduler.report(nodeId, {
        timestampMs: now, gpus: [], miners: [], attempts: [],
        ended: [{ jobId: job.id, attemptId, failed: false, exitCode: 0, signal: '', reason: '', atMs: now - 3000 }],
      });
      await settle();
      await settle();
      expect(scheduler.getJob(job.id)).toMatchObject({ state: 'SUCCEEDED', attempt: 1, exitCode: 0 });
    });

    it('requeues a started attempt that a restarted agent no longer runs', async () => {
      let now = Date.now();
      const { scheduler, settle } = await setup();
      Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
      const job = await scheduler.submit(spec({ gpus: 8 }));
      await settle();
      const nodeId = scheduler.getJob(job.id).assignments[0]!.nodeId;
      await scheduler.handleEvent({ kind: 'started', nodeId, jobId: job.id, attemptId: scheduler.getJob(job.id).attemptId, at: now });
      now += 1000;
      await scheduler.registerNode({ nodeId, labels: {}, inventory: inventory(8) }); // the agent restarted
      await scheduler.report(nodeId, { timestampMs: now, gpus: [], miners: [], attempts: [] });
      await settle();
      expect(scheduler.getJob(job.id).attempt).toBe(1); // within the grace: events may still be on their way
      now += 6000;
      await scheduler.report(nodeId, { timestampMs: now, gpus: [], miners: [], attempts: [] });
      await settle();
      await settle();
      const requeued = scheduler.getJob(job.id);
      expect(requeued.attempt).toBe(2);
    });
  });
});

describe('Scheduler: teams', () => {
  it('submits for the team the caller allows, and creates nothing when it refuses', async () => {
    const { scheduler, stored } = await setup();
    const teamFor = (named: string | undefined) => {
      if (named !== undefined && named !== 'vision') throw new WattpackError('PERMISSION_DENIED', `not in team ${named}`);
      return 'vision';
    };
    expect((await scheduler.submit(spec(), { teamFor })).spec.team).toBe('vision');
    expect((await scheduler.submit(spec({ team: 'vision' }), { teamFor })).spec.team).toBe('vision');
    await expect(scheduler.submit(spec({ team: 'finance' }), { teamFor })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(scheduler.submit(spec({ team: 7 }), { teamFor })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(scheduler.listJobs().map((j) => j.spec.team)).toEqual(['vision', 'vision']);
    expect(new Set(stored.map((j) => j.id)).size).toBe(2);
  });

  it("sets and removes teams' shares in the site settings", async () => {
    const { scheduler } = await setup();
    await scheduler.updateSite({ setTeams: { vision: { gpus: 8 }, nlp: { mw: 1.5 } } });
    expect(scheduler.siteConfig().teams).toEqual({ vision: { gpus: 8 }, nlp: { mw: 1.5 } });
    await scheduler.updateSite({ removeTeams: ['vision'], setTeams: { nlp: { gpus: 4 } } });
    expect(scheduler.siteConfig().teams).toEqual({ nlp: { gpus: 4 } });
    await expect(scheduler.updateSite({ setTeams: { 'Bad Team': {} } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
  it("ignores draw a node reports for another node's attempt (a node speaks only for its own jobs)", async () => {
    let now = Date.now();
    const { scheduler, settle } = await setup(18, { rightSizing: { ...defaultSiteConfig().rightSizing, warmupSeconds: 0, minSamples: 1 } });
    Object.assign(scheduler as unknown as { now: () => number }, { now: () => now });
    const job = await scheduler.submit(spec({ gpus: 8 }));
    await settle();
    await run(scheduler, job.id);
    const { attemptId, assignments } = scheduler.getJob(job.id);
    const owner = assignments[0]!.nodeId;
    const other = owner === 'a' ? 'b' : 'a';
    const attempt = { jobId: job.id, attemptId, gpuIndices: [0], startedAtMs: now, maxDrawW: 123, powerCapped: true };
    for (let i = 0; i < 3; i++) {
      now += 1000;
      await scheduler.report(other, { timestampMs: now, gpus: [], miners: [], attempts: [attempt] });
    }
    expect(scheduler.powerOf(job.id)).toBeUndefined();
    now += 1000;
    await scheduler.report(owner, { timestampMs: now, gpus: [], miners: [], attempts: [attempt] });
    expect(scheduler.powerOf(job.id)?.p99W).toBe(123);
  });
});
