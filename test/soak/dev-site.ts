/**
 * A `wattpack dev` site for the soak scripts, started detached as a user would, with an
 * admin client on it and the scheduler's pid (from dev.json) to read its memory.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { freePort, grpcChannelCredentials, identityOf } from '@wattpack/common';
import { BIN, rpcClient, type RpcClient } from '../e2e/harness.js';

/** A process of the dev site, from its state file (dev.json). */
export interface DevProcess {
  role: string;
  name: string;
  pid: number;
}

export interface DevSite {
  client: RpcClient;
  schedulerPid: number;
  /** Each process's --metrics-addr by name (the scheduler's as `scheduler`). */
  metrics: Record<string, string>;
  processes: DevProcess[];
  /** A folder every job's user may write. */
  dir: string;
  down(): Promise<void>;
}

export async function startDevSite(agents: string, site: Record<string, unknown>): Promise<DevSite> {
  const dir = mkdtempSync(join(tmpdir(), 'wattpack-soak-'));
  const port = await freePort();
  const env = { ...process.env, WATTPACK_DEV_DIR: join(dir, 'dev'), WATTPACK_CONFIG: join(dir, 'config.yaml') };
  const siteFile = join(dir, 'site.yaml');
  writeFileSync(siteFile, stringify(site));
  const up = await execa(process.execPath, [BIN.cli, 'dev', '--detach', '--port', String(port), '--agents', agents, '--site', siteFile, '--log-level', process.env.SOAK_LOG_LEVEL ?? 'warn'], { env, reject: false });
  if (up.exitCode !== 0) throw new Error(`wattpack dev failed: ${up.stderr}`);
  const down = () => execa(process.execPath, [BIN.cli, 'dev', 'down'], { env, reject: false }).then(() => undefined);
  const ctx = (parse(readFileSync(env.WATTPACK_CONFIG, 'utf8')) as { contexts: { ca: string; cert: string; key: string }[] }).contexts[0]!;
  const client = rpcClient(`127.0.0.1:${port}`, grpcChannelCredentials({ insecure: false, caPem: ctx.ca, certPem: ctx.cert, keyPem: ctx.key, identity: identityOf(ctx.cert) }));
  const { processes, metrics } = JSON.parse(readFileSync(join(env.WATTPACK_DEV_DIR, 'dev.json'), 'utf8')) as { processes: DevProcess[]; metrics: Record<string, string> };
  return {
    client,
    schedulerPid: processes.find((p) => p.role === 'scheduler')!.pid,
    metrics,
    processes,
    dir,
    down: async () => {
      client.close();
      await down();
    },
  };
}
