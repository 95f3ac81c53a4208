import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { identityOf, INSECURE, WattpackError, type Credentials } from '@wattpack/common/core';
import { parse, stringify } from 'yaml';
import { z } from 'zod';

/**
 * The CLI's own settings, like a kubeconfig: named contexts, each a scheduler address and
 * a credential (the site CA, a client certificate and its key, inline). WATTPACK_CONFIG
 * names the file; the default is ~/.config/wattpack/config.yaml.
 */
const contextSchema = z.object({
  name: z.string().min(1),
  scheduler: z.string().optional(),
  ca: z.string().min(1),
  cert: z.string().min(1),
  key: z.string().min(1),
});
const configSchema = z.object({
  'current-context': z.string().optional(),
  contexts: z.array(contextSchema).default([]),
});
export type CliContext = z.infer<typeof contextSchema>;
export type CliConfig = z.infer<typeof configSchema>;

export const configPath = (env: NodeJS.ProcessEnv): string => env.WATTPACK_CONFIG || join(env.HOME || homedir(), '.config', 'wattpack', 'config.yaml');

export function parseConfig(text: string, source: string): CliConfig {
  const parsed = configSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new WattpackError('INVALID_ARGUMENT', `${source}: ${issue.path.join('.') || 'the file'}: ${issue.message}`);
  }
  return parsed.data;
}

export function readConfig(env: NodeJS.ProcessEnv): CliConfig {
  const file = configPath(env);
  return existsSync(file) ? parseConfig(readFileSync(file, 'utf8'), file) : { contexts: [] };
}

/** Adds or replaces contexts by name; the last one becomes current. Written readable by its owner only: it holds keys. */
export function saveContexts(env: NodeJS.ProcessEnv, contexts: CliContext[], makeCurrent = true): string {
  const file = configPath(env);
  const config = readConfig(env);
  for (const c of contexts) config.contexts = [...config.contexts.filter((x) => x.name !== c.name), c];
  if (makeCurrent && contexts.length) config['current-context'] = contexts.at(-1)!.name;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, stringify(config), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function useContext(env: NodeJS.ProcessEnv, name: string): string {
  const config = readConfig(env);
  if (!config.contexts.some((c) => c.name === name)) {
    throw new WattpackError('NOT_FOUND', `no context "${name.slice(0, 40)}" in ${configPath(env)}: ${config.contexts.map((c) => c.name).join(', ') || 'it has none'}`);
  }
  config['current-context'] = name;
  writeFileSync(configPath(env), stringify(config), { mode: 0o600 });
  return name;
}

export interface Connection {
  address: string;
  credentials: Credentials;
  context?: string;
}

/**
 * Where and as whom a command connects: --scheduler, then WATTPACK_SCHEDULER, then the
 * context's address, then the local default; the credential comes from the context
 * (--context, WATTPACK_CONTEXT, or the current one). Never from $USER.
 */
export function resolveConnection(env: NodeJS.ProcessEnv, o: { scheduler?: string; context?: string; insecure?: boolean }, fallback: string): Connection {
  const explicit = o.scheduler || env.WATTPACK_SCHEDULER;
  if (o.insecure) return { address: explicit || fallback, credentials: INSECURE };
  const config = readConfig(env);
  const name = o.context || env.WATTPACK_CONTEXT || config['current-context'];
  const ctx = config.contexts.find((c) => c.name === name);
  if (!ctx) {
    const why = name ? `there is no context "${name.slice(0, 40)}" in ${configPath(env)}` : `${configPath(env)} names no current context`;
    throw new WattpackError(
      'UNAUTHENTICATED',
      `no credentials: ${why}. Start a local site with "wattpack dev" (it writes one), or import the file your admin gave you: wattpack login <file> --scheduler host:port`,
    );
  }
  return { address: explicit || ctx.scheduler || fallback, context: ctx.name, credentials: contextCredentials(ctx) };
}

export const contextCredentials = (ctx: CliContext): Credentials => ({ insecure: false, caPem: ctx.ca, certPem: ctx.cert, keyPem: ctx.key, identity: identityOf(ctx.cert) });
