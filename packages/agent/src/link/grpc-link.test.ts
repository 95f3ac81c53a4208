import * as grpc from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, grpcServerCredentials, loadCredentials, loadProto, localSiteTrust, type NodeReport } from '@wattpack/common';
import type { AgentMessage__Output } from '@wattpack/common/proto/AgentMessage';
import type { SchedulerMessage } from '@wattpack/common/proto/SchedulerMessage';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedCollector } from '../collectors/simulated/collector.js';
import { createSimulatedHardware } from '../collectors/simulated/hardware.js';
import { parseProfile } from '../collectors/simulated/profile.js';
import { AGENT_VERSION } from '../version.js';
import { startGrpcLink, type GrpcLink } from './grpc-link.js';

// TLS both ways, as on a site: the stand-in scheduler holds the scheduler's credentials, the link node n1's.
const trust = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-link-pki-')), ['n1']);

/** A stand-in scheduler: records what agents send, answers each registration with `answer`. */
async function startScheduler(port = 0, answer: (n: number) => SchedulerMessage = () => ({ registered: { nodeId: 'n1', reportIntervalMs: 100 } })) {
  const received: AgentMessage__Output[] = [];
  /** The client address and port each registration came from: one per connection. */
  const peers: string[] = [];
  let registrations = 0;
  const server = new grpc.Server();
  server.addService(loadProto().wattpack.v1.NodeService.service, {
    Connect(call: grpc.ServerDuplexStream<AgentMessage__Output, SchedulerMessage>) {
      call.on('data', (msg: AgentMessage__Output) => {
        received.push(msg);
        if (msg.register) {
          peers.push(call.getPeer());
          call.write(answer(++registrations));
        }
      });
      call.on('error', () => {});
      call.on('end', () => call.end());
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpcServerCredentials(loadCredentials(trust.schedulerCredentials)), (err, p) => (err ? reject(err) : resolve(p))),
  );
  servers.push(server);
  return { server, port: bound, received, peers, registers: () => received.filter((m) => m.register), reports: () => received.filter((m) => m.report) };
}

const servers: grpc.Server[] = [];
let link: GrpcLink | undefined;
afterEach(() => {
  link?.close();
  link = undefined;
  for (const s of servers.splice(0)) s.forceShutdown();
});

const hw = createSimulatedHardware(parseProfile('h200x8+s19xp:2'), 'n1');
const collector = new SimulatedCollector(hw, () => new Map([[0, {}]]));
const attempt = { jobId: 'job-1', attemptId: 'job-1-a1', gpuIndices: [0], startedAtMs: 1_700_000_000_000 };

async function connectLink(port: number, reportIntervalMs = 5000) {
  const report = async (): Promise<NodeReport> => ({ timestampMs: Date.now(), ...(await collector.sample()), attempts: [attempt], host: { cpuLoadPct: 12.5, memoryUsedMib: 2048 } });
  link = startGrpcLink({
    address: `127.0.0.1:${port}`,
    nodeId: 'n1',
    credentials: loadCredentials(trust.nodeCredentials('n1')),
    labels: { rack: 'r1' },
    agentVersion: AGENT_VERSION,
    inventory: await collector.inventory(),
    report,
    reportIntervalMs,
    logger: createLogger('test', 'silent'),
  });
  return link;
}

async function until(what: string, probe: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scheduler link (gRPC NodeService.Connect)', () => {
  it('registers with the inventory, then reports at the interval the scheduler sets', async () => {
    const sched = await startScheduler();
    const l = await connectLink(sched.port, 5000);
    await until('3 reports', () => sched.reports().length >= 3, 3000);
    expect(l.state()).toBe('registered');

    const first = sched.received[0]!;
    expect(first.msg).toBe('register');
    expect(first.register).toMatchObject({ nodeId: 'n1', labels: { rack: 'r1' }, agentVersion: AGENT_VERSION });
    const inv = first.register!.inventory!;
    expect(inv.gpus).toHaveLength(8);
    expect(inv.gpus[5]).toMatchObject({ index: 5, model: 'H200', memoryMib: 143771, minPowerLimitW: 200, maxPowerLimitW: 700, defaultPowerLimitW: 700 });
    expect(inv.gpus[5]!.uuid).toMatch(/^GPU-/);
    expect(inv.miners.map((m) => m.id)).toEqual(['n1-miner-0', 'n1-miner-1']);
    expect(inv.host).toMatchObject({ idlePowerW: 1000, busyPowerW: 2500 });

    const report = sched.reports().at(-1)!.report!;
    expect(Math.abs(report.timestampMs - Date.now())).toBeLessThan(5000);
    expect(report.gpus).toHaveLength(8);
    expect(report.gpus[0]).toMatchObject({ index: 0, enforcedLimitW: 700, health: 'HEALTH_OK' });
    expect(report.gpus[0]!.powerDrawW).toBeGreaterThan(600);
    expect(report.gpus[1]!.powerDrawW).toBeLessThan(120);
    expect(report.miners[0]).toMatchObject({ id: 'n1-miner-0', state: 'MINER_RUN_STATE_MINING' });
    expect(report.attempts).toEqual([attempt]);
    expect(report.host).toMatchObject({ cpuLoadPct: 12.5, memoryUsedMib: 2048 });
  });

  it('re-registers with a new scheduler on the same port after the old one died', async () => {
    const first = await startScheduler();
    const l = await connectLink(first.port);
    await until('registered', () => l.state() === 'registered');
    first.server.forceShutdown();
    await until('link down', () => l.state() === 'connecting');

    const second = await startScheduler(first.port);
    await until('re-registered', () => second.registers().length === 1 && second.reports().length >= 2);
    expect(second.received[0]!.register!.nodeId).toBe('n1');
    expect(l.state()).toBe('registered');
  });

  it('waits for a scheduler that is not up yet', async () => {
    const probe = await startScheduler();
    const port = probe.port;
    probe.server.forceShutdown();
    const l = await connectLink(port);
    await new Promise((r) => setTimeout(r, 700));
    expect(l.state()).toBe('connecting');
    const sched = await startScheduler(port);
    await until('registered', () => l.state() === 'registered' && sched.reports().length >= 1);
  });

  it('retries a rejected registration later, over a new connection (the old one may be a stepped-down scheduler\'s)', async () => {
    const sched = await startScheduler(0, (n) => (n === 1 ? { rejected: { reason: 'node id taken' } } : { registered: { nodeId: 'n1', reportIntervalMs: 100 } }));
    const l = await connectLink(sched.port);
    await until('rejected', () => l.state() === 'rejected');
    expect(sched.reports()).toHaveLength(0);
    await until('registered on retry', () => l.state() === 'registered' && sched.reports().length >= 1);
    expect(sched.registers()).toHaveLength(2);
    expect(sched.peers[1]).not.toBe(sched.peers[0]);
  });
});
