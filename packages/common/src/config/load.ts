import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../domain/job.js';
import { WattpackError } from '../errors.js';

/** Reads a YAML (or JSON) file into a plain value, with errors that name the file. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WattpackError('INVALID_ARGUMENT', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseYamlText(text, path);
}

/** YAML text into a plain value; `source` names it in the error. */
export function parseYamlText(text: string, source: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new WattpackError('INVALID_ARGUMENT', `${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

const toEnvName = (prefix: string, key: string) => prefix + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * Config in stages: file < environment (PREFIX + CONSTANT_CASE of each top-level key)
 * < flags, then one zod parse whose errors name the field.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  sources: { file?: string; envPrefix?: string; env?: NodeJS.ProcessEnv; flags?: Record<string, unknown> },
): z.output<S> {
  const merged: Record<string, unknown> = {};
  if (sources.file) {
    const fromFile = readYamlFile(sources.file);
    if (fromFile !== null && fromFile !== undefined) {
      if (typeof fromFile !== 'object' || Array.isArray(fromFile)) {
        throw new WattpackError('INVALID_ARGUMENT', `${sources.file}: expected a mapping of settings`);
      }
      Object.assign(merged, fromFile);
    }
  }
  if (sources.envPrefix) {
    const env = sources.env ?? process.env;
    for (const [key, field] of Object.entries(schema.shape)) {
      const raw = env[toEnvName(sources.envPrefix, key)];
      if (raw !== undefined) merged[key] = coerceEnv(raw, field as z.ZodType);
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) if (value !== undefined) merged[key] = value;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    throw new WattpackError('INVALID_ARGUMENT', `invalid configuration${sources.file ? ` (${sources.file})` : ''}: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** Environment values are strings; numbers and booleans are parsed when the field wants them. */
function coerceEnv(raw: string, field: z.ZodType): unknown {
  const probe = (v: unknown) => field.safeParse(v).success;
  if (probe(raw)) return raw;
  const n = Number(raw);
  if (raw.trim() !== '' && !Number.isNaN(n) && probe(n)) return n;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}
