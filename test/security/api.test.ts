import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { grpcChannelCredentials, identityOf, loadCredentials, loadProto, localSiteTrust } from '@wattpack/common';
import type { AuditRecord__Output } from '@wattpack/common/proto/AuditRecord';
import type { Job__Output } from '@wattpack/common/proto/Job';
import type { Node__Output } from '@wattpack/common/proto/Node';
import type { SchedulerMessage__Output } from '@wattpack/common/proto/SchedulerMessage';
import type { Site__Output } from '@wattpack/common/proto/Site';
import { rpcClient, useLocalSite, waitFor } from '../e2e/harness.js';

/**
 * The attacks of the Trust issue, re-enacted against a running site (real scheduler,
 * agents, nats-server, CLI): each must fail in effect, not only with an error.
 */
const site = useLocalSite({ capMw: 18 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const getSite = () => site().rpc<Site__Output>('GetSite', {});
const listJobs = async () => (await site().rpc<{ jobs: Job__Output[] }>('ListJobs', {})).jobs;
const node = async (id: string) => (await site().rpc<{ nodes: Node__Output[] }>('ListNodes', {})).nodes.find((n) => n.id === id);
const caPem = () => readFileSync(join(site().trust.pki.dir, 'ca.pem'));
const contextOf = (file: string) => (parse(readFileSync(file, 'utf8')) as { contexts: { ca: string; cert: string; key: string }[] }).contexts[0]!;
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (err: grpc.ServiceError) => grpc.status[err.code]);

/** A finance job with secrets in its environment and arguments, submitted by the admin. */
let ledger: Job__Output;

beforeAll(async () => {
  const spec = {
    name: 'ledger',
    team: 'finance',
    gpus: 8,
    command: ['sh', '-c', 'echo ledger-output; while true; do sleep 0.2; done'],
    args: ['s3cret-arg'],
    env: { LEDGER_TOKEN: 's3cret-env' },
  };
  const submitted = await site().rpc<Job__Output>('SubmitJob', { specJson: JSON.stringify(spec) });
  ledger = await site().waitForState(submitted.id, ['RUNNING']);
}, 30_000);

describe('authentication', () => {
  it('refuses callers without a certificate, plain TLS or plaintext: the cap is unchanged', async () => {
    for (const credentials of [grpc.credentials.createSsl(caPem()), grpc.credentials.createInsecure()]) {
      const c = rpcClient(site().address, credentials);
      expect(await codeOf(c.rpc('UpdateSite', { capMw: 1 }))).not.toBe('OK');
      expect(await codeOf(c.rpc('DrainNodes', { nodes: { nodeIds: ['gpu-1'] }, reason: 'x' }))).not.toBe('OK');
      c.close();
    }
    expect((await getSite()).capW).toBe(18e6);
    expect((await node('gpu-1'))!.drain).toBeNull();
  });

  it('refuses a certificate of another CA, even an admin one', async () => {
    const other = await localSiteTrust(mkdtempSync(join(tmpdir(), 'wattpack-other-ca-')), []);
    const ctx = contextOf(other.adminContext);
    expect(identityOf(ctx.cert)).toMatchObject({ name: 'dev', role: 'admin' });
    const c = rpcClient(site().address, grpc.credentials.createSsl(caPem(), Buffer.from(ctx.key), Buffer.from(ctx.cert)));
    expect(await codeOf(c.rpc('UpdateSite', { capMw: 1 }))).not.toBe('OK');
    expect(await codeOf(c.rpc('SubmitJob', { specJson: JSON.stringify({ name: 'foreign', gpus: 0, command: ['true'] }) }))).not.toBe('OK');
    c.close();
    expect((await getSite()).capW).toBe(18e6);
    expect((await listJobs()).some((j) => j.spec?.name === 'foreign')).toBe(false);
  });

  it('refuses a node credential used as a CLI caller', async () => {
    const c = rpcClient(site().address, grpcChannelCredentials(loadCredentials(site().trust.nodeCredentials('gpu-1'))));
    expect(await codeOf(c.rpc('ListJobs', {}))).toBe('PERMISSION_DENIED');
    expect(await codeOf(c.rpc('GetJob', { id: ledger.id }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(c.rpc('SubmitJob', { specJson: JSON.stringify({ name: 'from-node', gpus: 0, command: ['true'] }) }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(c.rpc('UpdateSite', { capMw: 1 }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(c.rpc('CancelJob', { id: ledger.id }))).toBe('PERMISSION_DENIED');
    c.close();
    expect((await getSite()).capW).toBe(18e6);
    expect((await listJobs()).some((j) => j.spec?.name === 'from-node')).toBe(false);
    expect((await site().job(ledger.id)).state).toBe('RUNNING');
  });

  it('does not let a node register as another: the real node stays READY and its job RUNNING', async () => {
    const victim = ledger.assignments[0]!.nodeId;
    const attacker = victim === 'gpu-1' ? 'gpu-2' : 'gpu-1';
    const { NodeService } = loadProto().wattpack.v1;
    const client = new NodeService(site().address, grpcChannelCredentials(loadCredentials(site().trust.nodeCredentials(attacker))));
    const call = client.Connect();
    const answer = new Promise<SchedulerMessage__Output>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
    });
    const host = { hostname: victim, cpuCores: 1, memoryMib: 1024, os: 'linux', idlePowerW: 100, busyPowerW: 200 };
    call.write({ register: { nodeId: victim, labels: { owned: 'yes' }, inventory: { gpus: [], miners: [], host }, agentVersion: 'evil' } });
    const msg = await answer;
    expect(msg.rejected?.reason).toContain(`cannot register node "${victim}"`);
    call.cancel();
    client.close();
    await sleep(1500);
    const n = (await node(victim))!;
    expect(n.status).toBe('READY');
    expect(n.labels.owned).toBeUndefined();
    expect(n.inventory!.gpus).toHaveLength(8);
    const j = await site().job(ledger.id);
    expect(j.state).toBe('RUNNING');
    expect(j.assignments[0]!.nodeId).toBe(victim);
  });
});

describe('roles and teams', () => {
  it("refuses a user the cap, grid events, drains and another team's job: each stays as it was", async () => {
    const alice = await site().cliAs('alice', 'user', ['vision']);
    const olga = await site().cliAs('olga', 'operator', ['ops']);
    expect((await olga(['site', 'grid-event', '15', '--for', '1h', '--in', '3h'])).exitCode).toBe(0);

    const setCap = await alice(['site', 'set-cap', '1']);
    expect(setCap.exitCode).toBe(5);
    expect(setCap.stderr).toContain('alice is a user: changing the cap needs the operator role');
    const clear = await alice(['site', 'clear-grid-events']);
    expect(clear.exitCode).toBe(5);
    expect(clear.stderr).toContain('changing grid events needs the operator role');
    const drain = await alice(['drain', 'gpu-1', '--reason', 'mine now']);
    expect(drain.exitCode).toBe(5);
    expect(drain.stderr).toContain('draining nodes needs the operator role');
    const cancel = await alice(['cancel', ledger.id]);
    expect(cancel.exitCode).toBe(5);
    expect(cancel.stderr).toContain("alice is a user: cancelling another team's job needs the operator role");
    const teams = await olga(['site', 'set-team', 'vision', '--gpus', '64']);
    expect(teams.exitCode).toBe(5);
    expect(teams.stderr).toContain('olga is an operator: changing teams and their shares needs the admin role');

    const s = await getSite();
    expect(s.capW).toBe(18e6);
    expect(s.gridEvents).toHaveLength(1);
    expect(s.teams).toEqual({});
    expect((await node('gpu-1'))!.drain).toBeNull();
    await sleep(500);
    const j = await site().job(ledger.id);
    expect(j.state).toBe('RUNNING');
    expect(j.reason).not.toContain('cancelled');
    expect((await olga(['site', 'clear-grid-events'])).exitCode).toBe(0);
  });

  it('submits for the caller’s teams only: another team is refused and nothing is created', async () => {
    const alice = await site().cliAs('alice', 'user', ['vision']);
    const sneaky = await alice(['submit', '--name', 'sneaky', '--team', 'finance', '--gpus', '1', '--', 'true']);
    expect(sneaky.exitCode).toBe(5);
    expect(sneaky.stderr).toContain('alice is not in team "finance"');
    expect((await listJobs()).some((j) => j.spec?.name === 'sneaky')).toBe(false);

    // Without a team, the job is the caller's first team's.
    const own = await alice(['submit', '--name', 'vision-train', '--gpus', '8', '--env', 'VISION_TOKEN=v-secret', '-o', 'json', '--', 'sh', '-c', 'echo vision-output; sleep 600']);
    expect(own.exitCode, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout).spec.team).toBe('vision');
  });

  it("lists other teams' jobs without env, args or command, and refuses their logs", async () => {
    const alice = await site().cliAs('alice', 'user', ['vision']);
    const client = await site().clientAs('alice', 'user', ['vision']);
    const { jobs } = await client.rpc<{ jobs: Job__Output[] }>('ListJobs', {});
    const theirs = jobs.find((j) => j.id === ledger.id)!;
    expect(theirs.spec).toMatchObject({ name: 'ledger', team: 'finance', command: [], args: [], env: {} });
    const mine = jobs.find((j) => j.spec?.name === 'vision-train')!;
    expect(mine.spec!.env).toEqual({ VISION_TOKEN: 'v-secret' });
    expect((await client.rpc<Job__Output>('GetJob', { id: ledger.id })).spec!.env).toEqual({});
    const watched = await client.stream<Job__Output>('WatchJob', { id: ledger.id }, 1000).catch(() => []);
    for (const j of watched) expect(j.spec!.args).toEqual([]);

    const listed = await alice(['jobs']);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain(ledger.id);
    const asJson = await alice(['jobs', '-o', 'json']);
    expect(asJson.stdout).not.toContain('s3cret');
    const shown = await alice(['job', ledger.id]);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain('hidden');
    expect(shown.stdout).not.toContain('s3cret');

    const logs = await alice(['logs', ledger.id]);
    expect(logs.exitCode).toBe(5);
    expect(logs.stdout).not.toContain('ledger-output');
    expect(await codeOf(client.stream('JobLogs', { id: ledger.id }))).toBe('PERMISSION_DENIED');
    // Their own team's logs, and the admin's view of the finance job, are whole.
    await waitFor('alice to read her job', async () => (await alice(['logs', mine.id])).stdout.includes('vision-output'));
    expect((await site().job(ledger.id)).spec!.env).toEqual({ LEDGER_TOKEN: 's3cret-env' });
    // An operator outside the team sees no more than a user, but may cancel (Slurm's operators can).
    const olga = await site().clientAs('olga', 'operator', ['ops']);
    expect((await olga.rpc<Job__Output>('GetJob', { id: ledger.id })).spec!.args).toEqual([]);
    expect(await codeOf(olga.stream('JobLogs', { id: ledger.id }))).toBe('PERMISSION_DENIED');
    await alice(['cancel', mine.id]);
  });
});

describe('revocation', () => {
  it('refuses a revoked person at once, without a restart; a re-issued credential works', async () => {
    const mallory = await site().person('mallory', 'operator', ['ops']);
    expect((await mallory.client.rpc<Site__Output>('GetSite', {})).capW).toBe(18e6);
    const revoked = await site().cli(['admin', 'revoke', 'user', 'mallory', '--pki', site().trust.pki.dir]);
    expect(revoked.exitCode, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('revoked user mallory');
    expect(site().pki().entries().find((e) => e.name === 'mallory')!.revokedAt).toBeDefined();

    expect(await codeOf(mallory.client.rpc('GetSite', {}))).toBe('UNAUTHENTICATED');
    expect(await codeOf(mallory.client.rpc('UpdateSite', { capMw: 2 }))).toBe('UNAUTHENTICATED');
    const cli = await site().cli(['site', 'set-cap', '2'], undefined, mallory.cliConfig);
    expect(cli.exitCode).toBe(5);
    expect(cli.stderr).toContain('revoked');
    expect((await getSite()).capW).toBe(18e6);

    const { path } = await site().pki().issue({ name: 'mallory', role: 'operator', teams: ['ops'] });
    const ctx = contextOf(path);
    const again = rpcClient(site().address, grpc.credentials.createSsl(Buffer.from(ctx.ca), Buffer.from(ctx.key), Buffer.from(ctx.cert)));
    expect((await again.rpc<Site__Output>('GetSite', {})).name).toBe('local');
    again.close();
  });

  it('closes a revoked agent’s stream and refuses it again: the node goes NOT_READY until it is re-issued', async () => {
    await site().startAgent({ id: 'gpu-3', profile: 'h100x8' });
    await site().waitForNodes(3);
    const revoked = await site().cli(['admin', 'revoke', 'node', 'gpu-3', '--pki', site().trust.pki.dir]);
    expect(revoked.exitCode, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('1 live stream(s) closed');
    expect(readFileSync(site().pki().natsFiles().auth, 'utf8')).not.toContain('node gpu-3');
    await Promise.all(site().natsServers.map((n) => n.reload()));

    const lost = await waitFor('gpu-3 to be NOT_READY', async () => {
      const n = await node('gpu-3');
      return n?.status === 'NOT_READY' ? n : undefined;
    }, 10_000);
    expect(lost.reason).toContain('revoked');
    // The agent keeps trying (every few seconds at most): every try is refused.
    await sleep(3000);
    expect((await node('gpu-3'))!.status).toBe('NOT_READY');

    // A new credential (issued after the revocation) lets it back.
    await site().killAgent('gpu-3');
    await site().startAgent({ id: 'gpu-3', profile: 'h100x8' });
    await site().waitForNodes(3);
  }, 60_000);
});

describe('audit', () => {
  it('records operator actions with the verified name and before/after, and refusals', async () => {
    const olga = await site().cliAs('olga', 'operator', ['ops']);
    expect((await olga(['site', 'set-cap', '17'])).exitCode).toBe(0);
    const drained = await olga(['drain', 'gpu-3', '--reason', 'audit me']);
    expect(drained.exitCode, drained.stderr).toBe(0);
    expect((await olga(['drain', 'status'])).stdout).toMatch(/gpu-3.*olga/);

    const res = await olga(['audit', '-o', 'json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const records = JSON.parse(res.stdout) as AuditRecord__Output[];
    expect(records).toContainEqual(
      expect.objectContaining({ name: 'olga', role: 'operator', action: 'UpdateSite', target: 'cap', result: 'OK', before: { capMw: '18' }, after: { capMw: '17' } }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({ name: 'olga', action: 'DrainNodes', target: 'nodes gpu-3', result: 'OK', before: { 'gpu-3': 'schedulable' }, after: { 'gpu-3': 'DRAINING' } }),
    );
    // Refusals: a user's, a revoked person's, a revoked agent's, and the handshakes without a valid certificate.
    expect(records).toContainEqual(expect.objectContaining({ name: 'alice', role: 'user', action: 'UpdateSite', result: 'PERMISSION_DENIED' }));
    expect(records).toContainEqual(expect.objectContaining({ name: 'alice', action: 'SubmitJob', result: 'PERMISSION_DENIED' }));
    expect(records).toContainEqual(expect.objectContaining({ name: 'mallory', action: 'GetSite', result: 'UNAUTHENTICATED' }));
    expect(records).toContainEqual(expect.objectContaining({ name: 'gpu-3', action: 'NodeService.Connect', result: 'UNAUTHENTICATED' }));
    expect(records).toContainEqual(expect.objectContaining({ name: 'gpu-1', role: 'node', action: 'ListJobs', result: 'PERMISSION_DENIED' }));
    expect(records).toContainEqual(expect.objectContaining({ action: 'TLS', result: 'UNAUTHENTICATED' }));
    expect(records).toContainEqual(expect.objectContaining({ name: 'dev', role: 'admin', action: 'RevokeCredential', target: 'node gpu-3', result: 'OK' }));
    // Secrets never reach the audit.
    expect(res.stdout).not.toContain('s3cret');
    expect(res.stdout).not.toContain('v-secret');

    const table = await olga(['audit', '--user', 'olga', '--since', '1h']);
    expect(table.stdout).toContain('capMw 18 -> 17');
    expect(table.stdout).not.toContain('alice');
    const alice = await site().cliAs('alice', 'user', ['vision']);
    const refused = await alice(['audit']);
    expect(refused.exitCode).toBe(5);
    expect(refused.stderr).toContain('reading the audit log needs the operator role');
  });
});

describe('a scheduler restart', () => {
  it('keeps revocations and the audit: both live in NATS, where a standby that takes over reads them', async () => {
    await site().killScheduler();
    await site().startScheduler();
    const mallory = await site().person('mallory', 'operator', ['ops']);
    // The revoked credential (the first one issued): refused by the new term as by the old.
    const code = await waitFor('the revoked credential to reach the new scheduler', async () => {
      const c = await codeOf(mallory.client.rpc('UpdateSite', { capMw: 2 }));
      return c === 'UNAVAILABLE' ? undefined : c;
    });
    expect(code).toBe('UNAUTHENTICATED');
    const records = await site().rpc<{ records: AuditRecord__Output[] }>('ListAudit', { user: 'olga' });
    expect(records.records.some((r) => r.action === 'UpdateSite' && r.after.capMw === '17')).toBe(true);
  }, 60_000);
});
