import { hostname } from 'node:os';
import { loadConfig } from '@wattpack/common/daemon';
import { z } from 'zod';

const optionsSchema = z.strictObject({
  listen: z.string().regex(/^[^:]+:\d+$/, 'use host:port').default('127.0.0.1:7700'),
  nats: z.string().min(1).default('nats://127.0.0.1:4222'),
  site: z.string().optional(),
  capMw: z.number().positive().optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  natsReplicas: z.number().int().min(1).max(5).default(1),
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1-64 letters, digits, ".", "_" or "-"').default(hostname()),
  credentials: z.string().optional(),
  insecure: z.boolean().default(false),
  auditDays: z.number().int().min(1).max(36_500).default(365),
  auditMaxMib: z.number().int().min(1).max(1024 * 1024).default(1024),
  stateDir: z.string().min(1).default('/var/lib/wattpack/scheduler'),
  accountingDb: z.string().regex(/^postgres(ql)?:\/\//, 'use a postgres:// URL').optional(),
  metricsAddr: z.string().regex(/^[^:]*\S:\d+$/, 'use host:port').optional(),
  dashboardAddr: z.string().regex(/^[^:]*\S:\d+$/, 'use host:port').optional(),
  dashboardSampleS: z.number().int().min(1).max(3600).default(30),
  // The leader lease: a standby takes over this long after the leader dies (docs/operations.md).
  leaseSeconds: z.number().min(1).max(60).default(3),
});

export type SchedulerSettings = z.output<typeof optionsSchema>;

/**
 * The scheduler's settings: a flag wins over WATTPACK_<SETTING> in the environment, which
 * wins over the --config file (/etc/wattpack/scheduler.yaml under systemd), which wins over
 * the defaults. Errors name the setting and, for the file, the file.
 */
export function schedulerOptions(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): SchedulerSettings {
  const { config, ...rest } = flags;
  return loadConfig(optionsSchema, { ...(typeof config === 'string' ? { file: config } : {}), envPrefix: 'WATTPACK_', env, flags: rest });
}
