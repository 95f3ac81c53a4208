import * as grpc from '@grpc/grpc-js';
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, loadProto, startNatsServer, type LocalNatsServer } from '@wattpack/shared';
import type { Job__Output } from '@wattpack/shared/proto/Job';
import type { Node__Output } from '@wattpack/shared/proto/Node';
import type { SchedulerServiceClient } from '@wattpack/shared/proto/SchedulerService';
import type { Site__Output } from '@wattpack/shared/proto/Site';

/**
 * A whole local site for end-to-end tests, made of the real binaries: nats-server
 * (JetStream), wattpack-scheduler, wattpack-agent processes with simulated hardware,
 * and the wattpack CLI.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = {
  scheduler: join(root, 'packages/scheduler/bin/wattpack-scheduler.js'),
  agent: join(root, 'packages/agent/bin/wattpack-agent.js'),
  cli: join(root, 'packages/cli/bin/wattpack.js'),
};

export interface AgentSpec {
  id: string;
  profile: string;
  labels?: string;
}

export interface SiteOptions {
  capMw?: number;
  agents?: AgentSpec[];
}

export const TWO_H100_NODES: AgentSpec[] = [
  { id: 'gpu-1', profile: 'h100x8', labels: 'rack=r1' },
  { id: 'gpu-2', profile: 'h100x8', labels: 'rack=r1' },
];

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export class LocalSite {
  readonly workDir = mkdtempSync(join(tmpdir(), 'wattpack-e2e-'));
  scheduler?: ResultPromise;
  readonly agents = new Map<string, ResultPromise>();
  private client?: SchedulerServiceClient;

  private constructor(
    readonly nats: LocalNatsServer,
    readonly address: string,
    private readonly opts: SiteOptions,
  ) {}

  static async start(opts: SiteOptions = {}): Promise<LocalSite> {
    const nats = await startNatsServer();
    const site = new LocalSite(nats, `127.0.0.1:${await freePort()}`, opts);
    await site.startScheduler();
    for (const a of opts.agents ?? TWO_H100_NODES) site.startAgent(a);
    await site.waitForNodes((opts.agents ?? TWO_H100_NODES).length);
    return site;
  }

  async startScheduler(): Promise<void> {
    const args = ['--listen', this.address, '--nats', this.nats.url, '--log-level', 'warn'];
    if (this.opts.capMw !== undefined) args.push('--cap-mw', String(this.opts.capMw));
    this.scheduler = execa(process.execPath, [BIN.scheduler, ...args], { reject: false, stdout: 'ignore', stderr: 'pipe' });
    await waitFor('the scheduler to serve', async () => (await this.rpc<Site__Output>('GetSite', {})) !== undefined);
  }

  startAgent(a: AgentSpec): void {
    const args = ['--scheduler', this.address, '--nats', this.nats.url, '--node-id', a.id, '--simulate', a.profile, '--runtime', 'process', '--log-level', 'warn'];
    if (a.labels) args.push('--labels', a.labels);
    this.agents.set(a.id, execa(process.execPath, [BIN.agent, ...args], { reject: false, stdout: 'ignore', stderr: 'pipe' }));
  }

  async waitForNodes(count: number): Promise<void> {
    await waitFor(`${count} nodes READY`, async () => {
      const { nodes } = await this.rpc<{ nodes: Node__Output[] }>('ListNodes', {});
      return nodes.filter((n) => n.status === 'READY').length >= count;
    });
  }

  /** Kills the scheduler with SIGKILL: no shutdown code runs. */
  async killScheduler(): Promise<void> {
    this.scheduler?.kill('SIGKILL');
    await this.scheduler;
    this.client?.close();
    this.client = undefined;
  }

  rpc<T>(method: string, request: object): Promise<T> {
    if (!this.client) {
      const Client = loadProto().wattpack.v1.SchedulerService;
      this.client = new Client(this.address, grpc.credentials.createInsecure()) as unknown as SchedulerServiceClient;
    }
    const client = this.client as unknown as Record<string, (req: object, opts: object, cb: (err: Error | null, res: T) => void) => void>;
    return new Promise((resolve, reject) =>
      client[method]!.call(this.client, request, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  job(id: string): Promise<Job__Output> {
    return this.rpc<Job__Output>('GetJob', { id });
  }

  async waitForState(id: string, states: string[], timeoutMs = 20_000): Promise<Job__Output> {
    return waitFor(`job ${id} to be ${states.join('|')}`, async () => {
      const j = await this.job(id);
      return states.includes(j.state) ? j : undefined;
    }, timeoutMs);
  }

  /** Runs the real CLI against this site. */
  cli(args: string[], input?: string) {
    return execa(process.execPath, [BIN.cli, '--scheduler', this.address, ...args], { reject: false, ...(input ? { input } : {}), env: { WATTPACK_DEV_DIR: join(this.workDir, 'dev') } });
  }

  async stop(): Promise<void> {
    this.client?.close();
    for (const a of this.agents.values()) a.kill('SIGTERM');
    await Promise.all([...this.agents.values()]);
    this.scheduler?.kill('SIGTERM');
    await this.scheduler;
    await this.nats.stop({ removeStore: true });
  }
}
