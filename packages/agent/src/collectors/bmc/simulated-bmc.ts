import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { describeIssues, freePort, readYamlFile, WattpackError } from '@wattpack/common/daemon';
import { stringify } from 'yaml';
import { RESET_TYPES, type ResetType } from './reset-types.js';

/**
 * A simulated agent's BMC that the scheduler can power off and on (`wattpack-agent
 * --simulate ... --simulate-bmc <file>`): where it listens, its user, its TLS files and
 * how long its server boots. The launcher (`wattpack dev`, the e2e harness) writes the file
 * and gives the scheduler the same BMC in site setting powerSaving.bmcs, as a site's
 * operator configures real BMCs; the agent serves Redfish there.
 */
const fileSchema = z.strictObject({
  /** host:port */
  listen: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'host:port'),
  credentialsFile: z.string().min(1),
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  caFile: z.string().min(1),
  /** How long a power-on takes before the server (and its agent) is up. */
  bootSeconds: z.number().nonnegative().max(3600).default(0),
  /** Reset types it accepts and ignores (a server whose OS ignores GracefulShutdown): tests of the scheduler's shutdown checks. */
  ignoreResets: z.array(z.enum(RESET_TYPES)).default([]),
});

export interface SimulatedBmcConfig {
  listen: { host: string; port: number };
  username: string;
  password: string;
  tls: { certPem: string; keyPem: string; caPem: string };
  bootMs: number;
  ignoreResets: readonly ResetType[];
}

const credentialsSchema = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });

/** The file, read and checked: each error names the flag, the file and the field. */
export function loadSimulatedBmc(file: string): SimulatedBmcConfig {
  const invalid = (why: string) => new WattpackError('INVALID_ARGUMENT', `--simulate-bmc ${file}: ${why}`);
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw invalid((err as Error).message);
    }
  };
  const parsed = fileSchema.safeParse(readYamlFile(file));
  if (!parsed.success) throw invalid(describeIssues(parsed.error));
  const f = parsed.data;
  const creds = credentialsSchema.safeParse(readYamlFile(f.credentialsFile));
  if (!creds.success) throw invalid(`credentialsFile ${f.credentialsFile}: ${describeIssues(creds.error)}`);
  const colon = f.listen.lastIndexOf(':');
  return {
    listen: { host: f.listen.slice(0, colon), port: Number(f.listen.slice(colon + 1)) },
    ...creds.data,
    tls: { certPem: read(f.certFile), keyPem: read(f.keyFile), caPem: read(f.caFile) },
    bootMs: f.bootSeconds * 1000,
    ignoreResets: f.ignoreResets,
  };
}

/** What site setting powerSaving.bmcs says of one BMC. */
export interface BmcSetting {
  url: string;
  credentialsFile: string;
  caFile: string;
}

/**
 * Writes a simulated BMC's files for `nodeId` under `dir` (a loopback port, free unless
 * given, a random password, a certificate from a CA of its own): the agent's
 * --simulate-bmc file, and the scheduler's powerSaving.bmcs entry for it. `ignoreResets`:
 * the resets it accepts and ignores (none by default).
 */
export async function writeSimulatedBmc(dir: string, nodeId: string, bootSeconds: number, port?: number, ignoreResets: readonly ResetType[] = []): Promise<{ file: string; setting: BmcSetting }> {
  const home = resolve(join(dir, nodeId));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // Only the launcher writes the file: the agent that reads it loads no X.509 code for it.
  const { ownTls } = await import('./redfish-simulator.js');
  const tls = await ownTls(365);
  const at = (name: string, text: string) => {
    writeFileSync(join(home, name), text, { mode: 0o600 });
    return join(home, name);
  };
  const credentialsFile = at('credentials.yaml', stringify({ username: 'wattpack', password: randomBytes(12).toString('hex') }));
  const caFile = at('ca.pem', tls.caPem);
  port ??= await freePort();
  const file = at('bmc-simulator.yaml', stringify({ listen: `127.0.0.1:${port}`, credentialsFile, certFile: at('tls.crt', tls.certPem), keyFile: at('tls.key', tls.keyPem), caFile, bootSeconds, ignoreResets }));
  return { file, setting: { url: `https://127.0.0.1:${port}`, credentialsFile, caFile } };
}
