import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAsset, WattpackError } from '@wattpack/common/core';
import { parseGenericCsv, type CsvMapping } from './generic.js';
import { parseOpenb } from './openb.js';
import { parsePhilly } from './philly.js';
import type { Trace } from './types.js';

export type { Trace, TraceJob } from './types.js';
export { parsePhilly } from './philly.js';
export { parseOpenb, mapModels } from './openb.js';
export { parseGenericCsv, TIME_FORMATS, type CsvMapping, type TimeFormat } from './generic.js';

/** Trace names `--trace` accepts besides a path, relative to packages/sim/data/traces/. */
export const NAMED_TRACES: Record<string, { file: string; parse: (text: string, source: string) => Trace }> = {
  philly: { file: 'philly-2017.csv', parse: parsePhilly },
  openb: { file: 'alibaba-openb-2023/openb_pod_list_default.csv', parse: parseOpenb },
  'openb-gpuspec33': { file: 'alibaba-openb-2023/openb_pod_list_gpuspec33.csv', parse: parseOpenb },
};

/**
 * The repository root: the nearest folder above this module with pnpm-workspace.yaml
 * (src/traces when run from source, dist/traces when built).
 */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new WattpackError('INTERNAL', `cannot find the repository root above ${from}`);
  }
}

/**
 * The traces the sim package ships (packages/sim/data/traces, two folders up from
 * src/traces and from dist/traces alike); WATTPACK_TRACES overrides it.
 */
export function tracesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WATTPACK_TRACES ? resolve(env.WATTPACK_TRACES) : fileURLToPath(new URL('../../data/traces', import.meta.url));
}

/** `philly`, `openb`, `openb-gpuspec33`, or a CSV path (read with the column mapping). */
export function loadTrace(spec: string, mapping: Partial<CsvMapping> = {}, env: NodeJS.ProcessEnv = process.env): Trace {
  const named = NAMED_TRACES[spec];
  if (named && !env.WATTPACK_TRACES) {
    // The shipped traces: from the checkout, or embedded in the single executable.
    const asset = `packages/sim/data/traces/${named.file}`;
    return named.parse(readAsset(asset), asset);
  }
  if (named) {
    const path = join(tracesDir(env), named.file);
    if (!existsSync(path)) {
      throw new WattpackError('NOT_FOUND', `trace "${spec}" not found: expected ${path} (WATTPACK_TRACES names the folder)`);
    }
    return named.parse(readFileSync(path, 'utf8'), path);
  }
  if (!spec.endsWith('.csv') && !existsSync(spec)) {
    throw new WattpackError('INVALID_ARGUMENT', `--trace: "${spec}" is neither ${Object.keys(NAMED_TRACES).join(', ')} nor a CSV file`);
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (err) {
    throw new WattpackError('NOT_FOUND', `cannot read trace ${spec}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseGenericCsv(text, mapping, spec);
}
