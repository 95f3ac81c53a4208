import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJobUser, siteConfigSchema } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { writeDevSite } from './launch.js';
import { splitHostPort } from './meter.js';

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe("the dev site's settings", () => {
  it('run every job as the invoking user (nobody for root) unless the site file maps users', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-dev-site-'));
    expect(read(writeDevSite(dir))).toEqual({ users: { '*': localJobUser() } });
    const given = join(dir, 'given.yaml');
    writeFileSync(given, 'capMw: 2\n');
    expect(read(writeDevSite(dir, given))).toEqual({ users: { '*': localJobUser() }, capMw: 2 });
    writeFileSync(given, 'capMw: 2\nusers:\n  alice: { uid: 1001, gid: 1001 }\n');
    expect(read(writeDevSite(dir, given))).toEqual({ users: { alice: { uid: 1001, gid: 1001 } }, capMw: 2 });
    writeFileSync(given, '- a\n');
    expect(() => writeDevSite(dir, given)).toThrow(`${given}: expected a mapping of settings`);
  });

  it('point the scheduler at the simulated meter with --meter, an SDM630 map that site settings accept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-dev-site-'));
    const site = read(writeDevSite(dir, undefined, 5020));
    expect(site.meter).toEqual({ host: '127.0.0.1', port: 5020, preset: 'eastron-sdm630' });
    expect(siteConfigSchema.parse(site).meter?.register).toMatchObject({ address: 0x34, type: 'float32' });
  });

  it('refuse a meter address without a port by its flag', () => {
    expect(splitHostPort('127.0.0.1:5020', '--listen')).toEqual({ host: '127.0.0.1', port: 5020 });
    expect(() => splitHostPort('127.0.0.1', '--listen')).toThrow('--listen: expected host:port with a port 1-65535, got "127.0.0.1"');
    expect(() => splitHostPort('h:70000', '--listen')).toThrow(/--listen: expected host:port/);
  });
});
