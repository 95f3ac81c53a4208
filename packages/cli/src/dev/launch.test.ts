import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJobUser, siteConfigSchema } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { agentProcesses, writeDevSite } from './launch.js';
import { parseAgents } from './agents.js';
import { splitHostPort } from './meter.js';
import { DEV_BOOT_S, writeDevBmcs } from './bmcs.js';

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe("the dev site's settings", () => {
  it('run every job as the invoking user (nobody for root) unless the site file maps users, with checkpoints in a shared temporary directory unless it names one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-dev-site-'));
    const checkpointRoot = join(tmpdir(), `wattpack-dev-checkpoints-${process.getuid?.() ?? 0}`);
    expect(read(writeDevSite(dir))).toEqual({ users: { '*': localJobUser() }, checkpointRoot });
    const given = join(dir, 'given.yaml');
    writeFileSync(given, 'capMw: 2\n');
    expect(read(writeDevSite(dir, given))).toEqual({ users: { '*': localJobUser() }, checkpointRoot, capMw: 2 });
    writeFileSync(given, 'capMw: 2\ncheckpointRoot: /nfs/ckpt\nusers:\n  alice: { uid: 1001, gid: 1001 }\n');
    expect(read(writeDevSite(dir, given))).toEqual({ users: { alice: { uid: 1001, gid: 1001 } }, checkpointRoot: '/nfs/ckpt', capMw: 2 });
    writeFileSync(given, '- a\n');
    expect(() => writeDevSite(dir, given)).toThrow(`${given}: expected a mapping of settings`);
  });

  it('point the scheduler at the simulated meter with --meter, an SDM630 map that site settings accept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-dev-site-'));
    const site = read(writeDevSite(dir, undefined, 5020));
    expect(site.meter).toEqual({ host: '127.0.0.1', port: 5020, preset: 'eastron-sdm630' });
    expect(siteConfigSchema.parse(site).meter?.register).toMatchObject({ address: 0x34, type: 'float32' });
  });

  it("give the scheduler each GPU node's simulated BMC, and with --power-saving turn it on; a site file's own setting wins", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-dev-site-'));
    const bmcs = await writeDevBmcs(dir, agentProcesses(parseAgents('h100x8:2,s19xp:4')), []);
    expect([...bmcs.keys()]).toEqual(['gpu-1', 'gpu-2']);
    const on = siteConfigSchema.parse(read(writeDevSite(dir, undefined, undefined, { bmcs, suspendAfterS: 30 }))).powerSaving;
    expect(on).toMatchObject({ enabled: true, suspendAfter: 30, resumeTime: DEV_BOOT_S, bmcs: { 'gpu-1': bmcs.get('gpu-1')!.setting } });
    expect(readFileSync(bmcs.get('gpu-1')!.file, 'utf8')).toContain(`bootSeconds: ${DEV_BOOT_S}`);
    const given = join(dir, 'given.yaml');
    writeFileSync(given, 'powerSaving: { enabled: true, suspendAfter: 10m, bmcs: { gpu-2: { url: "https://10.0.0.9", credentialsFile: /etc/bmc.yaml } } }\n');
    const mixed = siteConfigSchema.parse(read(writeDevSite(dir, given, undefined, { bmcs }))).powerSaving;
    expect(mixed).toMatchObject({ enabled: true, suspendAfter: 600, bmcs: { 'gpu-1': bmcs.get('gpu-1')!.setting, 'gpu-2': { url: 'https://10.0.0.9' } } });
    expect(read(writeDevSite(dir, undefined, undefined, { bmcs: new Map() })).powerSaving).toBeUndefined();
  });

  it('refuse a meter address without a port by its flag', () => {
    expect(splitHostPort('127.0.0.1:5020', '--listen')).toEqual({ host: '127.0.0.1', port: 5020 });
    expect(() => splitHostPort('127.0.0.1', '--listen')).toThrow('--listen: expected host:port with a port 1-65535, got "127.0.0.1"');
    expect(() => splitHostPort('h:70000', '--listen')).toThrow(/--listen: expected host:port/);
  });
});

describe("the dev site's agent processes", () => {
  it('runs a kind of nine or more nodes as one fleet process, smaller kinds a process per node', () => {
    const names = (spec: string) => agentProcesses(parseAgents(spec)).map((g) => g.map((a) => a.nodeId).join('+'));
    expect(names('h100x8:2,s19xp:4')).toEqual(['gpu-1', 'gpu-2', 'miners-1']);
    expect(names('h100x8:9,h200x8:2')).toEqual(['gpu-1+gpu-2+gpu-3+gpu-4+gpu-5+gpu-6+gpu-7+gpu-8+gpu-9', 'gpu-10', 'gpu-11']);
    expect(agentProcesses(parseAgents('h100x4:1200'))).toHaveLength(1);
  });
});
