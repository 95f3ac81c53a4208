import { describeIssues, readYamlFile, WattpackError } from '@wattpack/common/daemon';
import { z } from 'zod';
import { FIRMWARES } from './parse-telemetry.js';
import { parseEndpoint } from './rpc-client.js';

const credentialsSchema = z.object({ username: z.string().min(1), password: z.string() }).strict();

export const minerConfigSchema = z
  .object({
    /** Unique on the site; default: the endpoint. */
    id: z.string().regex(/^[A-Za-z0-9_.:[\]-]{1,128}$/, 'use letters, digits and _ . : - [ ]').optional(),
    /** cgminer API, host[:port] (port 4028 by default). */
    endpoint: z.string().refine((e) => {
      try {
        parseEndpoint(e);
        return true;
      } catch {
        return false;
      }
    }, 'use host or host:port'),
    firmware: z.enum(['auto', ...FIRMWARES]).default('auto'),
    /** When the firmware does not report it, or to pick the nameplate. */
    model: z.string().min(1).optional(),
    credentials: credentialsSchema.optional(),
    /** Web or REST base URL; default http://<endpoint host>. */
    web: z.url().optional(),
    /** For models not in the catalog. */
    nameplate: z.object({ powerW: z.number().positive(), hashrateThs: z.number().positive() }).strict().optional(),
  })
  .strict();

export type MinerConfig = z.output<typeof minerConfigSchema>;

/** Reads a miners file: a YAML list of {endpoint, firmware?, model?, credentials?, web?, id?, nameplate?}. */
export function loadMinersFile(path: string): MinerConfig[] {
  const parsed = z.array(minerConfigSchema).min(1, 'list at least one miner').safeParse(readYamlFile(path));
  if (!parsed.success) throw new WattpackError('INVALID_ARGUMENT', `miners file ${path}: ${describeIssues(parsed.error)}`);
  const ids = parsed.data.map((m) => m.id ?? m.endpoint);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new WattpackError('INVALID_ARGUMENT', `miners file ${path}: miner "${dup}" is listed twice`);
  return parsed.data;
}
