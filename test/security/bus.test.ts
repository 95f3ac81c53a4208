import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeys, nkeyAuthenticator, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUCKETS,
  CONSUMERS,
  SITE_CONFIG_KEY,
  STREAMS,
  SUBJECTS,
  SitePki,
  connectNats,
  json,
  loadCredentials,
  natsConnectionOptions,
  signerOf,
  type Credentials,
  type StartCommand,
} from '@wattpack/common';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { JOB_USER, useLocalSite, waitFor } from '../e2e/harness.js';

/**
 * The bus's attacks, each re-enacted against a running site and shown to fail in effect:
 * a node that publishes commands, forges another node's events, writes the scheduler's
 * buckets or reads another node's commands; a command with an absurd term; strangers.
 */
const site = useLocalSite();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secure = (c: Credentials) => {
  if (c.insecure) throw new Error('secure credentials expected');
  return c;
};
const credentials = (nodeId: string) => secure(loadCredentials(site().trust.nodeCredentials(nodeId)));
const other = (nodeId: string) => (nodeId === 'gpu-1' ? 'gpu-2' : 'gpu-1');
const DENIED = /permissions violation/i;

/** A connection as a node (its nkey, its inbox prefix), as a compromised node would open it. */
const asNode = (nodeId: string) => connectNats(site().natsUrl, `attacker-${nodeId}`, { ...natsConnectionOptions(credentials(nodeId)), maxReconnectAttempts: 0 });
const asScheduler = () => connectNats(site().natsUrl, 'test-scheduler-creds', natsConnectionOptions(loadCredentials(site().trust.schedulerCredentials)));

/** Subscribing is refused asynchronously: the subscription ends with the server's error. */
async function subscribeError(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const ended = (async () => {
    try {
      for await (const _ of sub) return 'received a message';
      return 'ended without error';
    } catch (err) {
      return String(err);
    }
  })();
  return Promise.race([ended, sleep(5000).then(() => 'no error within 5s')]);
}

const idOf = (stdout: string): string => JSON.parse(stdout).id as string;

/** A job on one whole node that records its pid and runs until cancelled. */
async function runningJob(name: string, env: Record<string, string> = {}) {
  // Jobs run as the site's job user, never root: a directory that user may write.
  const dir = site().jobDir(`sec-${name}`);
  const pidFile = join(dir, 'pid');
  const submitted = await site().cli(['submit', '--name', name, '--gpus', '8', ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), '-o', 'json', '--', 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`]);
  expect(submitted.exitCode, submitted.stderr).toBe(0);
  const id = idOf(submitted.stdout);
  const job = await site().waitForState(id, ['RUNNING']);
  const pid = Number(await waitFor('the pid file', () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() || undefined : undefined)));
  return { id, job, nodeId: job.assignments[0]!.nodeId, attemptId: job.attemptId, pid, dir };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits until the scheduler has taken every event off WP_EVENTS (applied or dropped them). */
async function eventsConsumed(): Promise<void> {
  const nc = await asScheduler();
  try {
    const jsm = await nc.jetstreamManager();
    await waitFor('the scheduler to consume every event', async () => {
      const c = await jsm.consumers.info(STREAMS.events, CONSUMERS.scheduler);
      return c.num_pending === 0 && c.num_ack_pending === 0;
    });
  } finally {
    await nc.close();
  }
}

let gpu1: NatsConnection;
beforeAll(async () => {
  gpu1 = await asNode('gpu-1');
});
afterAll(async () => {
  await gpu1?.close();
});

describe('the bus (NATS) as a compromised node sees it', () => {
  it('cannot command another node: the publish is refused and nothing runs', async () => {
    // Where the job user could write: were the command run, the file would be there.
    const marker = join(site().jobDir('forged'), 'pwned');
    const cmd: StartCommand = {
      kind: 'start',
      // Runs as the job user, who may write the marker's folder: only the bus stops it.
      owner: 'dev',
      runAs: JOB_USER,
      hostNetwork: false,
      commandId: 'evil-start',
      issuedAt: Date.now(),
      term: 0,
      jobId: 'evil',
      attemptId: 'evil-a1',
      attempt: 1,
      nodeRank: 0,
      nodeCount: 1,
      command: ['sh', '-c', `id > ${marker}`],
      args: [],
      env: {},
      gpuIndices: [0],
      powerLimitW: 500,
      checkpoint: { signal: 'SIGTERM', graceSeconds: 5 },
    };
    await expect(gpu1.jetstream().publish(SUBJECTS.command('gpu-2'), json.encode(cmd))).rejects.toThrow(DENIED);
    // Nor on its own subject, nor as a plain publish.
    await expect(gpu1.jetstream().publish(SUBJECTS.command('gpu-1'), json.encode(cmd))).rejects.toThrow(DENIED);
    gpu1.publish(SUBJECTS.command('gpu-2'), json.encode(cmd));
    await gpu1.flush();
    await sleep(2000);
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot read another node's commands (a start carries its job's secrets), nor the scheduler's buckets", async () => {
    const jsm = await gpu1.jetstreamManager({ checkAPI: false });
    await expect(gpu1.jetstream().consumers.get(STREAMS.commands, CONSUMERS.agent('gpu-2'))).rejects.toThrow(DENIED);
    await expect(gpu1.request(`$JS.API.CONSUMER.MSG.NEXT.${STREAMS.commands}.${CONSUMERS.agent('gpu-2')}`, json.encode({ batch: 1 }))).rejects.toThrow(DENIED);
    await expect(jsm.streams.getMessage(STREAMS.commands, { last_by_subj: SUBJECTS.command('gpu-2') })).rejects.toThrow(DENIED);
    // A consumer of its own making, over another node's subject.
    await expect(jsm.consumers.add(STREAMS.commands, { durable_name: 'spy', filter_subject: SUBJECTS.command('gpu-2') })).rejects.toThrow(DENIED);
    // Jobs (with their env) and the site settings live in KV.
    await expect(jsm.streams.getMessage(`KV_${BUCKETS.jobs}`, { seq: 1 })).rejects.toThrow(DENIED);
    await expect(gpu1.request(`$JS.API.DIRECT.GET.KV_${BUCKETS.jobs}`, json.encode({ seq: 1 }))).rejects.toThrow(DENIED);
    for (const subject of [SUBJECTS.command('gpu-2'), SUBJECTS.commandsAll, SUBJECTS.logsAll, '$KV.>', '_INBOX.>', '>']) {
      expect(await subscribeError(gpu1, subject), subject).toMatch(DENIED);
    }
    // The secret stays where it belongs: the job runs with it, on its node only.
    const job = await runningJob('secret', { HF_TOKEN: 'hf_secret' });
    const spy = job.nodeId === 'gpu-1' ? gpu1 : await asNode(other(job.nodeId));
    try {
      expect(await subscribeError(spy, SUBJECTS.command(job.nodeId)), 'subscribe').toMatch(DENIED);
    } finally {
      if (spy !== gpu1) await spy.close();
      await site().cli(['cancel', job.id]);
    }
  });

  it("cannot end another node's job by a forged event: the job keeps RUNNING and its process lives", async () => {
    const job = await runningJob('victim');
    const attackerId = other(job.nodeId);
    const attacker = attackerId === 'gpu-1' ? gpu1 : await asNode(attackerId);
    try {
      const forged = { kind: 'exited', nodeId: job.nodeId, jobId: job.id, attemptId: job.attemptId, at: Date.now(), exitCode: 0 };
      // On the victim's subject: refused.
      await expect(attacker.jetstream().publish(SUBJECTS.event(job.nodeId), json.encode(forged))).rejects.toThrow(DENIED);
      // On its own: stored, and taken as the attacker's word about its own part, which it has none of.
      await attacker.jetstream().publish(SUBJECTS.event(attackerId), json.encode(forged));
      await eventsConsumed();
      await sleep(500);
      expect((await site().job(job.id)).state).toBe('RUNNING');
      expect(alive(job.pid)).toBe(true);
    } finally {
      if (attacker !== gpu1) await attacker.close();
    }
    // The real owner still ends it.
    const cancelled = await site().cli(['cancel', job.id]);
    expect(cancelled.exitCode, cancelled.stderr).toBe(0);
    expect((await site().waitForState(job.id, ['CANCELLED'])).state).toBe('CANCELLED');
    await waitFor('the process to end', () => !alive(job.pid));
  });

  it("cannot add lines to another node's job log", async () => {
    const job = await runningJob('logged');
    const attackerId = other(job.nodeId);
    const attacker = attackerId === 'gpu-1' ? gpu1 : await asNode(attackerId);
    try {
      const line = { jobId: job.id, attemptId: job.attemptId, nodeId: job.nodeId, stream: 'stdout', line: 'forged line', at: Date.now() };
      attacker.publish(SUBJECTS.log(attackerId, job.id), json.encode(line));
      await expect(attacker.jetstream().publish(SUBJECTS.log(job.nodeId, job.id), json.encode(line))).rejects.toThrow(DENIED);
      await attacker.flush();
    } finally {
      if (attacker !== gpu1) await attacker.close();
    }
    await site().cli(['cancel', job.id]);
    await site().waitForState(job.id, ['CANCELLED']);
    const logs = await site().cli(['logs', job.id]);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).not.toContain('forged line');
  });

  it('cannot write the KV buckets: the cap is unchanged after the scheduler restarts', async () => {
    const before = (await site().rpc<Site__Output>('GetSite', {})).capW;
    const js = gpu1.jetstream();
    await expect(js.publish(`$KV.${BUCKETS.site}.${SITE_CONFIG_KEY}`, json.encode({ capMw: 0.001 }))).rejects.toThrow(DENIED);
    await expect(js.publish(`$KV.${BUCKETS.leader}.scheduler`, json.encode({ id: 'evil', at: Date.now() }))).rejects.toThrow(DENIED);
    await expect(js.views.kv(BUCKETS.site, { bindOnly: true }).then((kv) => kv.put(SITE_CONFIG_KEY, json.encode({ capMw: 0.001 })))).rejects.toThrow(DENIED);
    await expect((await gpu1.jetstreamManager({ checkAPI: false })).streams.delete(`KV_${BUCKETS.leader}`)).rejects.toThrow(DENIED);
    await site().killScheduler();
    await site().startScheduler();
    expect((await site().rpc<Site__Output>('GetSite', {})).capW).toBe(before);
  });
});

describe('commands the agent refuses', () => {
  it('ignores a stop of term 2^53-1 that is unsigned, signed by another CA, or signed but beyond the leader; a real cancel still works', async () => {
    const job = await runningJob('term');
    const foreign = await SitePki.init(mkdtempSync(join(tmpdir(), 'wattpack-foreign-pki-')), { site: 'foreign', schedulerHosts: ['127.0.0.1'], natsHosts: ['127.0.0.1'] });
    const foreignScheduler = secure(loadCredentials(foreign.credentialsDir('scheduler', 'scheduler')));
    const ours = secure(loadCredentials(site().trust.schedulerCredentials));
    // The scheduler's own NATS credentials: only the signature and the term stand in the way.
    const nc = await asScheduler();
    try {
      const subject = SUBJECTS.command(job.nodeId);
      const stop = (n: string) => json.encode({ kind: 'stop', commandId: `evil-stop-${n}`, issuedAt: Date.now(), term: Number.MAX_SAFE_INTEGER, jobId: job.id, attemptId: job.attemptId, reason: 'hijacked', signal: 'SIGKILL', graceSeconds: 0 });
      const unsigned = stop('unsigned');
      await nc.jetstream().publish(subject, unsigned);
      const byForeign = stop('foreign');
      await nc.jetstream().publish(subject, byForeign, { headers: signerOf(foreignScheduler.certPem, foreignScheduler.keyPem).headers(subject, byForeign) });
      const beyond = stop('beyond');
      await nc.jetstream().publish(subject, beyond, { headers: signerOf(ours.certPem, ours.keyPem).headers(subject, beyond) });
      const jsm = await nc.jetstreamManager();
      await waitFor('the agent to take the forged commands', async () => (await jsm.consumers.info(STREAMS.commands, CONSUMERS.agent(job.nodeId))).num_pending === 0);
      await waitFor('the agent to acknowledge them', async () => (await jsm.consumers.info(STREAMS.commands, CONSUMERS.agent(job.nodeId))).num_ack_pending === 0);
    } finally {
      await nc.close();
    }
    await sleep(500);
    expect(alive(job.pid)).toBe(true);
    expect((await site().job(job.id)).state).toBe('RUNNING');
    // Had the agent taken 2^53-1 as the term, it would refuse this cancel as a deposed leader's.
    const cancelled = await site().cli(['cancel', job.id]);
    expect(cancelled.exitCode, cancelled.stderr).toBe(0);
    expect((await site().waitForState(job.id, ['CANCELLED'])).state).toBe('CANCELLED');
    await waitFor('the process to end', () => !alive(job.pid));
  });
});

describe('who may connect', () => {
  const attempt = (opts: Parameters<typeof connect>[0]) =>
    connect({ servers: site().natsUrl, maxReconnectAttempts: 0, reconnect: false, timeout: 3000, tls: { ca: site().trust.pki.caPem }, ...opts });

  it('nobody without credentials, and no unknown nkey', async () => {
    await expect(attempt({})).rejects.toThrow(/authorization/i);
    const stranger = nkeys.createUser();
    await expect(attempt({ authenticator: nkeyAuthenticator(stranger.getSeed()) })).rejects.toThrow(/authorization/i);
  });

  it('a node with its own key, to do its work', async () => {
    const nc = await attempt(natsConnectionOptions(credentials('gpu-2')));
    await nc.close();
  });
});
