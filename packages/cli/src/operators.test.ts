import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SitePki } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { useFakeScheduler } from './testing/cli-session.js';
import { aNode } from './testing/fake-scheduler.js';

// The operators' commands (nodes, site, audit, admin) against the fake scheduler; program.test.ts has the users' and the command line's.
const { fake, cli, sent } = useFakeScheduler();

describe('nodes and site', () => {
  it('lists nodes', async () => {
    fake().nodes = [aNode()];
    const table = await cli('nodes');
    expect(table.out).toMatch(/gpu-1\s+alloc\s+READY\s+8\/8 H100/);
    const json = await cli('nodes', '-o', 'json');
    expect(JSON.parse(json.out)).toMatchObject([{ id: 'gpu-1', gpusAllocated: 8 }]);
  });

  it('shows the site', async () => {
    const table = await cli('site');
    expect(table.out).toMatch(/Cap:\s+18.000 MW/);
    const json = await cli('site', '-o', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ capW: 18e6, nodesReady: 3 });
  });

  it('changes the cap and schedules or clears grid events', async () => {
    expect(await cli('site', 'set-cap', '12.5')).toMatchObject({ code: 0, out: expect.stringMatching(/Cap:\s+18.000 MW/) });
    const before = Date.now();
    expect((await cli('site', 'grid-event', '9', '--in', '10m', '--for', '1h')).code).toBe(0);
    expect((await cli('site', 'clear-grid-events')).code).toBe(0);
    const [setCap, gridEvent, clear] = sent('UpdateSite') as { capMw?: number; addGridEvents: { startMs: number }[]; clearGridEvents: boolean }[];
    expect(setCap).toMatchObject({ capMw: 12.5, addGridEvents: [], clearGridEvents: false });
    expect(gridEvent).toMatchObject({ addGridEvents: [{ durationS: 3600, capMw: 9, noticeS: 600 }], clearGridEvents: false });
    expect(gridEvent!.capMw).toBeUndefined();
    expect(gridEvent!.addGridEvents[0]!.startMs - before).toBeGreaterThanOrEqual(600_000);
    expect(gridEvent!.addGridEvents[0]!.startMs - before).toBeLessThan(610_000);
    expect(clear).toMatchObject({ addGridEvents: [], clearGridEvents: true });
  });

  it('schedules absolute and relative grid events: --target with --from, and --reduce against the measured baseline', async () => {
    expect((await cli('site', 'grid-event', '--target', '12MW', '--from', '2099-07-01T14:00:00Z', '--for', '3h')).code).toBe(0);
    expect((await cli('site', 'grid-event', '--reduce', '25%', '--for', '3h')).code).toBe(0);
    expect((await cli('site', 'grid-event', '--target', '500kW', '--for', '10m')).code).toBe(0);
    const [target, reduce, kw] = sent('UpdateSite') as { addGridEvents: { startMs: number; capMw: number; reduceFraction?: number; durationS: number }[] }[];
    expect(target!.addGridEvents[0]).toMatchObject({ startMs: Date.parse('2099-07-01T14:00:00Z'), capMw: 12, durationS: 10_800 });
    expect(target!.addGridEvents[0]!.reduceFraction).toBeUndefined();
    expect(reduce!.addGridEvents[0]).toMatchObject({ reduceFraction: 0.25, durationS: 10_800, noticeS: 0 });
    expect(kw!.addGridEvents[0]).toMatchObject({ capMw: 0.5 });
  });

  it.each([
    [['site', 'grid-event', '9', '--reduce', '25%', '--for', '1h'], /give exactly one of <MW>, --target or --reduce/],
    [['site', 'grid-event', '--for', '1h'], /give exactly one of <MW>, --target or --reduce/],
    [['site', 'grid-event', '--target', '12MW', '--from', '2020-01-01T00:00:00Z', '--for', '1h'], /--from: the event would have ended at 2020-01-01T01:00:00.000Z, before now/],
    [['site', 'grid-event', '--target', '12MW', '--from', '2099-01-01T00:00:00Z', '--in', '1h', '--for', '1h'], /give --from or --in, not both/],
    [['site', 'grid-event', '--reduce', '120%', '--for', '1h'], /option '--reduce <percent>' argument '120%' is invalid. use a percentage above 0 and below 100/],
    [['site', 'grid-event', '--reduce', '-5%', '--for', '1h'], /'--reduce <percent>' argument '-5%' is invalid/],
    [['site', 'grid-event', '--target', '-12MW', '--for', '1h'], /'--target <power>' argument '-12MW' is invalid. use a power such as 12MW/],
    [['site', 'grid-event', '--target', '12MW', '--from', 'tomorrow', '--for', '1h'], /'--from <time>' argument 'tomorrow' is invalid. use an ISO time/],
  ])('refuses grid-event %j by the option at fault, sending nothing', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBeGreaterThan(0);
    expect(r.err).toMatch(message);
    expect(fake().calls).toEqual([]);
  });

  it("sets and removes teams' shares", async () => {
    expect((await cli('site', 'set-team', 'vision', '--gpus', '64', '--mw', '2.5')).code).toBe(0);
    expect((await cli('site', 'set-team', 'nlp', '--mw', '1')).code).toBe(0);
    expect((await cli('site', 'remove-team', 'vision')).code).toBe(0);
    const [vision, nlp, removed] = sent('UpdateSite') as { capMw?: number; setTeams: Record<string, { gpus?: number; mw?: number }>; removeTeams: string[] }[];
    expect(vision).toMatchObject({ setTeams: { vision: { gpus: 64, mw: 2.5 } }, removeTeams: [] });
    expect(vision!.capMw).toBeUndefined();
    expect(nlp!.setTeams.nlp!.gpus).toBeUndefined();
    expect(removed).toMatchObject({ setTeams: {}, removeTeams: ['vision'] });
    expect((await cli('site', 'set-team', 'x', '--gpus', '1.5')).code).toBe(2);
  });

  it.each([
    [['site', 'set-cap', '-3'], /invalid for argument 'MW'. must not be negative/],
    [['site', 'set-cap', 'lots'], /not a number/],
    [['site', 'grid-event', '9'], /required option '--for <duration>' not specified/],
    [['site', 'grid-event', '9', '--for', 'soon'], /option '--for <duration>' argument 'soon' is invalid/],
  ])('rejects site %j with exit 2, sending nothing', async (argv, message) => {
    const r = await cli(...argv);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(message);
    expect(fake().calls).toEqual([]);
  });
});

describe('audit', () => {
  const record = (extra: object) => ({ atMs: 1_700_000_000_000, name: 'olga', role: 'operator', serial: 'ab', action: 'UpdateSite', target: 'cap', result: 'OK', message: '', before: {}, after: {}, ...extra });

  it('asks for the last 24 hours by default and shows what changed, or why it was refused', async () => {
    fake().audit = [
      record({ before: { capMw: '18' }, after: { capMw: '12' } }),
      record({ name: 'alice', role: 'user', result: 'PERMISSION_DENIED', message: 'alice is a user: changing the cap needs the operator role' }),
    ];
    const before = Date.now();
    const r = await cli('audit');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^TIME\s+WHO\s+ROLE\s+ACTION\s+TARGET\s+RESULT\s+CHANGE$/m);
    expect(r.out).toMatch(/olga\s+operator\s+UpdateSite\s+cap\s+OK\s+capMw 18 -> 12/);
    expect(r.out).toMatch(/alice\s+user\s+UpdateSite\s+cap\s+PERMISSION_DENIED\s+alice is a user/);
    const [req] = sent('ListAudit') as [{ sinceMs: number; user: string; limit: number }];
    expect(req.sinceMs - (before - 24 * 3600_000)).toBeGreaterThanOrEqual(0);
    expect(req.sinceMs - (before - 24 * 3600_000)).toBeLessThan(5000);
    expect(req).toMatchObject({ user: '', limit: 1000 });
    const json = await cli('audit', '--since', '1h', '--user', 'olga', '-o', 'json');
    expect(JSON.parse(json.out)).toHaveLength(2);
    expect((sent('ListAudit')[1] as { user: string }).user).toBe('olga');
  });
});

describe('admin revoke', () => {
  it('tells the scheduler; with --pki it marks the registry and drops the node from the NATS authorization first', async () => {
    const plain = await cli('admin', 'revoke', 'user', 'mallory');
    expect(plain).toMatchObject({ code: 0, out: expect.stringContaining('revoked user mallory: credentials issued before 2023-11-14T22:13:20.000Z are refused; 0 live stream(s) closed') });
    expect(sent('RevokeCredential')).toEqual([{ kind: 'user', name: 'mallory', serials: [] }]);

    const dir = join(mkdtempSync(join(tmpdir(), 'wattpack-cli-pki-')), 'pki');
    const pki = await SitePki.init(dir, { site: 'test', schedulerHosts: ['127.0.0.1'], natsHosts: ['127.0.0.1'] });
    const { entry } = await pki.issue({ name: 'gpu-9', role: 'node', teams: [] });
    expect(readFileSync(pki.natsFiles().auth, 'utf8')).toContain('node gpu-9');
    const r = await cli('admin', 'revoke', 'node', 'gpu-9', '--pki', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('1 live stream(s) closed');
    expect(r.out).toContain('reload nats-server');
    expect(sent('RevokeCredential')[1]).toEqual({ kind: 'node', name: 'gpu-9', serials: [entry.serial] });
    expect(SitePki.open(dir).entries().find((e) => e.name === 'gpu-9')!.revokedAt).toBeDefined();
    expect(readFileSync(pki.natsFiles().auth, 'utf8')).not.toContain('node gpu-9');

    expect((await cli('admin', 'revoke', 'scheduler', 'x')).code).toBe(2);
  });
});
