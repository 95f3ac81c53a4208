import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { grpcServerCredentials, loadCredentials, loadProto, localSiteTrust, peerIdentity } from '@wattpack/common';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { LogLine__Output } from '@wattpack/common/proto/LogLine';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { Site__Output } from '@wattpack/common/proto/Site';
import type { AuditRecord__Output } from '@wattpack/common/proto/AuditRecord';
import type { UsageRecord__Output } from '@wattpack/common/proto/UsageRecord';

/** Proto-shaped objects for tests, with every field set as the client receives them. */

export function aJob(overrides: Partial<Job__Output> = {}): Job__Output {
  return {
    id: 'job-1',
    spec: {
      name: 'train',
      team: 'vision',
      command: ['python', 'train.py'],
      args: ['--lr', '1e-3'],
      env: {},
      image: '',
      gpus: 8,
      nodes: 1,
      gpuModels: ['H100'],
      priority: 100,
      maxRuntimeSeconds: 0,
      power: { minWatts: 0, maxWatts: 0 },
      checkpoint: { signal: 'SIGTERM', graceSeconds: 30 },
      preemptible: true,
    },
    state: 'PENDING',
    reason: '',
    submittedAtMs: 1_700_000_000_000,
    startedAtMs: 0,
    finishedAtMs: 0,
    attempt: 0,
    attemptId: '',
    assignments: [],
    powerLimitW: 0,
    allocatedFacilityW: 0,
    preempting: '',
    limitHistory: [],
    owner: 'alice',
    ...overrides,
  };
}

export function aNode(overrides: Partial<Node__Output> = {}): Node__Output {
  const gpus = Array.from({ length: 8 }, (_, index) => ({
    index,
    uuid: `GPU-${index}`,
    model: 'H100',
    memoryMib: 81_559,
    minPowerLimitW: 200,
    maxPowerLimitW: 700,
    defaultPowerLimitW: 700,
  }));
  return {
    id: 'gpu-1',
    labels: { rack: 'r1' },
    status: 'READY',
    reason: '',
    inventory: { gpus, miners: [], host: { hostname: 'gpu-1', cpuCores: 64, memoryMib: 1_000_000, os: 'linux', idlePowerW: 1000, busyPowerW: 2500 } },
    lastReport: {
      timestampMs: 1_700_000_000_000,
      gpus: gpus.map((g) => ({ index: g.index, powerDrawW: 500, health: 'HEALTH_OK', healthReason: '' })),
      miners: [],
      attempts: [],
      host: null,
    },
    lastSeenMs: 1_700_000_000_000,
    gpusAllocated: 8,
    allocatedW: 6_000,
    drain: null,
    power: '',
    powerSinceMs: 0,
    powerReason: '',
    ...overrides,
  };
}

export function aSite(overrides: Partial<Site__Output> = {}): Site__Output {
  return {
    name: 'local',
    capW: 18e6,
    effectiveCapW: 18e6,
    gridEvents: [],
    reserveFraction: 0.02,
    pue: 1.2,
    allocated: { gpusW: 100_000, hostsW: 20_000, minersW: 10_000, facilityW: 156_000 },
    measured: { gpusW: 80_000, hostsW: 15_000, minersW: 10_000, facilityW: 126_000 },
    nodesReady: 3,
    gpusTotal: 16,
    gpusAllocated: 8,
    jobsPending: 1,
    jobsRunning: 1,
    minersMining: 3,
    minersCurtailed: 1,
    ...overrides,
  };
}

export function aUsageRecord(overrides: Partial<UsageRecord__Output> = {}): UsageRecord__Output {
  return {
    attemptId: 'job-1-a1',
    jobId: 'job-1',
    attempt: 1,
    jobName: 'train',
    user: 'alice',
    team: 'vision',
    nodes: ['gpu-1'],
    gpus: 8,
    gpuModel: 'H100',
    startedAtMs: 1_700_000_000_000,
    endedAtMs: 1_700_003_600_000,
    state: 'SUCCEEDED',
    reason: 'exited with code 0',
    exitCode: 0,
    gpuHours: 8,
    gpuKwh: 3.76,
    hostKwh: 2.5,
    facilityKwh: 7.512,
    meanW: 3760,
    peakW: 3800,
    measuredS: 3599,
    limitMinW: 500,
    limitMaxW: 700,
    limitChanges: 1,
    preempted: false,
    preemptions: 0,
    workLostGpuHours: 0,
    costEnergy: 0.6,
    costGpu: 16,
    costTotal: 16.6,
    currency: 'USD',
    _exitCode: 'exitCode',
    ...overrides,
  };
}

/** A SchedulerService on 127.0.0.1:<free port> that serves canned data and records calls. */
export interface FakeScheduler {
  address: string;
  /** Each call, and the name in the client certificate that made it. */
  calls: { method: string; request: unknown; caller?: string }[];
  jobs: Map<string, Job__Output>;
  /** What WatchJob streams for an id; default: the stored job once. */
  updates: Map<string, Job__Output[]>;
  logs: Map<string, LogLine__Output[]>;
  nodes: Node__Output[];
  site: Site__Output;
  /** What ListAudit returns. */
  audit: AuditRecord__Output[];
  /** Ended attempts: ListHistory pages them, GetJobUsage finds a job's. */
  history: UsageRecord__Output[];
  /** A CLI config file (WATTPACK_CONFIG) whose current context is an admin of this scheduler's site. */
  config: string;
  /** The identity file an admin would hand a user: `wattpack login` imports it. */
  adminCredentialFile: string;
  close(): Promise<void>;
}

/** Serves over TLS with the scheduler's certificate of a site of its own, and asks clients for theirs. */
export async function startFakeScheduler(): Promise<FakeScheduler> {
  const dir = mkdtempSync(join(tmpdir(), 'wattpack-fake-'));
  const trust = await localSiteTrust(join(dir, 'pki'), []);
  const server = new grpc.Server();
  const fake: FakeScheduler = {
    config: join(dir, 'config.yaml'),
    adminCredentialFile: trust.adminContext,
    address: '',
    calls: [],
    jobs: new Map(),
    updates: new Map(),
    logs: new Map(),
    nodes: [],
    site: aSite(),
    audit: [],
    history: [],
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
  const record = recorder(fake);
  server.addService(loadProto().wattpack.v1.SchedulerService.service, { ...jobHandlers(fake, record), ...siteHandlers(fake, record) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpcServerCredentials(loadCredentials(trust.schedulerCredentials)), (err, p) => (err ? reject(err) : resolve(p))),
  );
  fake.address = `127.0.0.1:${port}`;
  writeFileSync(fake.config, readFileSync(trust.adminContext, 'utf8').replace('contexts:', 'current-context: local-dev\ncontexts:'));
  return fake;
}

type Recorder = (method: string, request: unknown, call?: Parameters<typeof peerIdentity>[0]) => void;

/** Each call, kept in `fake.calls` (with the caller's name where asked). */
function recorder(fake: FakeScheduler): Recorder {
  return (method, request, call) => void fake.calls.push({ method, request, ...(call ? { caller: peerIdentity(call)?.name } : {}) });
}

const notFound = (id: string) => ({ code: grpc.status.NOT_FOUND, details: `job ${id} not found` });

/** Jobs: submit, get, cancel, list (paged), watch, logs, from `fake.jobs`, `updates` and `logs`. */
function jobHandlers(fake: FakeScheduler, record: Recorder): grpc.UntypedServiceImplementation {
  const withJob = (method: string) => (call: grpc.ServerUnaryCall<{ id: string; reason?: string }, Job__Output>, cb: grpc.sendUnaryData<Job__Output>) => {
    record(method, call.request);
    const job = fake.jobs.get(call.request.id);
    if (!job) return cb(notFound(call.request.id));
    if (method === 'CancelJob') Object.assign(job, { state: 'CANCELLED', reason: call.request.reason });
    cb(null, job);
  };
  return {
    SubmitJob(call: grpc.ServerUnaryCall<{ specJson: string }, Job__Output>, cb: grpc.sendUnaryData<Job__Output>) {
      record('SubmitJob', call.request);
      const spec = JSON.parse(call.request.specJson) as { name: string };
      const owner = peerIdentity(call)?.name ?? '';
      const job = aJob({ id: `job-${fake.jobs.size + 1}`, spec: { ...aJob().spec!, name: spec.name }, reason: 'waiting for GPUs', owner });
      fake.jobs.set(job.id, job);
      cb(null, job);
    },
    GetJob: withJob('GetJob'),
    CancelJob: withJob('CancelJob'),
    ListJobs(call: grpc.ServerUnaryCall<{ limit: number; pageToken: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('ListJobs', call.request);
      // Pages of `limit` (0: all); the token is the next offset.
      const all = [...fake.jobs.values()];
      const from = Number(call.request.pageToken || 0);
      const to = call.request.limit ? from + call.request.limit : all.length;
      cb(null, { jobs: all.slice(from, to), nextPageToken: to < all.length ? String(to) : '' });
    },
    WatchJob(call: grpc.ServerWritableStream<{ id: string }, Job__Output>) {
      record('WatchJob', call.request);
      const job = fake.jobs.get(call.request.id);
      if (!job) return call.emit('error', notFound(call.request.id));
      for (const update of fake.updates.get(job.id) ?? [job]) call.write(update);
      call.end();
    },
    JobLogs(call: grpc.ServerWritableStream<{ id: string; follow: boolean }, LogLine__Output>) {
      record('JobLogs', call.request);
      for (const line of fake.logs.get(call.request.id) ?? []) call.write(line);
      call.end();
    },
  };
}

/** Nodes, site, credentials, audit and accounting, from the fake's fields. */
function siteHandlers(fake: FakeScheduler, record: Recorder): grpc.UntypedServiceImplementation {
  return {
    ListNodes(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('ListNodes', call.request);
      cb(null, { nodes: fake.nodes });
    },
    GetSite(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('GetSite', call.request, call);
      cb(null, fake.site);
    },
    UpdateSite(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('UpdateSite', call.request);
      cb(null, fake.site);
    },
    RevokeCredential(call: grpc.ServerUnaryCall<{ kind: string; name: string; serials: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('RevokeCredential', call.request);
      cb(null, { ...call.request, issuedBeforeMs: 1_700_000_000_000, streamsClosed: call.request.kind === 'node' ? 1 : 0 });
    },
    ListAudit(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('ListAudit', call.request);
      cb(null, { records: fake.audit, truncated: false });
    },
    ListHistory(call: grpc.ServerUnaryCall<{ limit: number; pageToken: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('ListHistory', call.request);
      const from = Number(call.request.pageToken || 0);
      const to = from + (call.request.limit || 100);
      cb(null, { records: fake.history.slice(from, to), nextPageToken: to < fake.history.length ? String(to) : '' });
    },
    ListShares(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('ListShares', call.request);
      cb(null, {
        teams: [
          { team: 'nlp', shareGpus: 0.5, shareW: 0.5, usageGpuHours: 90, usageFacilityKwh: 60, normalizedUsage: 0.9, factor: 2 ** -1.8 },
          { team: 'vision', shareGpus: 0.5, shareW: 0.5, usageGpuHours: 10, usageFacilityKwh: 6.5, normalizedUsage: 0.1, factor: 2 ** -0.2 },
        ],
        decayHalfLifeS: 7 * 86400,
      });
    },
    GetJobUsage(call: grpc.ServerUnaryCall<{ id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record('GetJobUsage', call.request);
      const attempts = fake.history.filter((r) => r.jobId === call.request.id);
      if (!fake.jobs.has(call.request.id) && attempts.length === 0) return cb(notFound(call.request.id));
      cb(null, { attempts });
    },
  };
}
