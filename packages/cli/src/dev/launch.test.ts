import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJobUser } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { agentProcesses, writeDevSite } from './launch.js';
import { parseAgents } from './agents.js';

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
});

describe("the dev site's agent processes", () => {
  it('runs a kind of nine or more nodes as one fleet process, smaller kinds a process per node', () => {
    const names = (spec: string) => agentProcesses(parseAgents(spec)).map((g) => g.map((a) => a.nodeId).join('+'));
    expect(names('h100x8:2,s19xp:4')).toEqual(['gpu-1', 'gpu-2', 'miners-1']);
    expect(names('h100x8:9,h200x8:2')).toEqual(['gpu-1+gpu-2+gpu-3+gpu-4+gpu-5+gpu-6+gpu-7+gpu-8+gpu-9', 'gpu-10', 'gpu-11']);
    expect(agentProcesses(parseAgents('h100x4:1200'))).toHaveLength(1);
  });
});
