import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN } from './harness.js';

const HOOK = fileURLToPath(new URL('./module-log-hook.mjs', import.meta.url));
/** What a command that does not talk to a scheduler, NATS or the PKI must not load (it made `wattpack --help` take 0.65 s). */
const HEAVY = ['@grpc/grpc-js', 'protobufjs', 'nats', '@peculiar/x509', 'jose', 'pino', 'prom-client', 'vega', 'systeminformation'];

/** The packages a built program loads for `args`, by name. */
async function packagesLoaded(args: string[], bin = BIN.cli): Promise<{ exitCode: number | undefined; packages: Set<string> }> {
  const log = join(mkdtempSync(join(tmpdir(), 'cli-startup-')), 'modules');
  const r = await execa(process.execPath, ['--import', HOOK, bin, ...args], { reject: false, env: { MODULE_LOG: log, WATTPACK_CONFIG: join(tmpdir(), 'no-such-wattpack-config.yaml') } });
  const urls = readFileSync(log, 'utf8').trim().split('\n');
  const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u.replace(/.*\/node_modules\/\.pnpm\/[^/]+/, ''))?.[1] ?? []));
  return { exitCode: r.exitCode, packages };
}

describe('the CLI starts light', () => {
  it.each(['--help', 'jobs --help', 'sim --help', 'dev --help', 'admin init --help'])('wattpack %s loads no gRPC, NATS, PKI, logging or charts', async (line) => {
    const { packages } = await packagesLoaded(line.split(' '));
    expect(packages.has('commander')).toBe(true);
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
  });

  it('loads gRPC once a command talks to the scheduler, and still no NATS, PKI or logging', async () => {
    const { exitCode, packages } = await packagesLoaded(['jobs', '--insecure', '--scheduler', '127.0.0.1:9']);
    expect(exitCode).toBe(4);
    expect(packages.has('@grpc/grpc-js')).toBe(true);
    expect(['nats', '@peculiar/x509', 'jose', 'pino'].filter((p) => packages.has(p))).toEqual([]);
  });
});

describe('the agent starts light', () => {
  it('loads no X.509/ASN.1 code, login tokens or prom-client unless a flag needs them (--simulate, --metrics-addr)', async () => {
    const { packages } = await packagesLoaded(['--help'], BIN.agent);
    expect(packages.has('@grpc/grpc-js') && packages.has('nats')).toBe(true);
    expect(['@peculiar/x509', 'jose', 'prom-client', 'vega'].filter((p) => packages.has(p))).toEqual([]);
  });
});
