import { z } from 'zod';
import { durationSeconds } from './duration.js';

/**
 * Power saving (site setting `powerSaving`; docs/scheduling.md, "Power saving"): idle GPU
 * servers are powered off to their BMC's standby and back on when work or watts need
 * them. Slurm users know it from slurm.conf: SuspendTime (suspendAfter), SuspendTimeout
 * (suspendTimeout), ResumeTimeout (resumeTimeout), SuspendExcNodes (excludeNodes, minIdleNodes).
 */
export const powerSavingSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /**
     * Idle this long, a server is powered off (seconds or e.g. "10m"); "never" (Slurm's
     * SuspendTime=INFINITE): only to shed load for a grid event or a lower cap.
     */
    suspendAfter: z.union([durationSeconds, z.literal('never')]).default(600),
    /**
     * Consolidation while shedding (docs/scheduling.md, "Consolidation"): jobs that have run
     * at least this long (Slurm's PreemptExemptTime) may be checkpointed off a lightly
     * loaded server and placed on free GPUs of busy ones, so that server can power off.
     * "never" (the default): running jobs are never moved.
     */
    consolidateAfter: z.union([durationSeconds, z.literal('never')]).default('never'),
    /** How long a server takes to boot and report again (what the simulator models). */
    resumeTime: durationSeconds.default(300),
    /**
     * How long a server may take to read PowerState Off after GracefulShutdown (Slurm's
     * SuspendTimeout); then ForceOff, and as long again before it is marked down. It
     * counts as on until its BMC reads it off.
     */
    suspendTimeout: durationSeconds.default(60),
    /** A server not back this long after its power-on is marked down (Slurm's ResumeTimeout). */
    resumeTimeout: durationSeconds.default(900),
    /** IT watts of a powered-off server (its BMC and fans in standby). */
    standbyW: z.number().nonnegative().max(5000).default(40),
    /** Idle servers of each GPU model kept on for quick starts, whatever else. */
    minIdleNodes: z.number().int().nonnegative().default(0),
    /** Servers never powered off (Slurm's SuspendExcNodes): node ids. */
    excludeNodes: z.array(z.string().min(1)).default([]),
    /**
     * Each server's BMC, by node id: the scheduler powers servers off and on through it
     * (Redfish ComputerSystem.Reset), as Slurm's controller runs ResumeProgram: a server
     * cannot power itself on. Files are read on the scheduler's host.
     */
    bmcs: z
      .record(
        z.string().min(1),
        z.strictObject({
          url: z.url({ protocol: /^https$/, error: 'the BMC\'s Redfish address as https://host[:port] (credentials must not cross the network in the clear)' }),
          /** YAML or JSON { username, password }. */
          credentialsFile: z.string().min(1),
          /** PEM of the CA that signed the BMC's certificate. */
          caFile: z.string().min(1).optional(),
          /** Which ComputerSystem: default the first member of /redfish/v1/Systems. */
          systemId: z.string().min(1).optional(),
        }),
      )
      .default({}),
  })
  .refine((p) => p.resumeTimeout >= p.resumeTime, { message: 'must be at least resumeTime: a server needs that long to boot', path: ['resumeTimeout'] });

export type PowerSavingInput = z.input<typeof powerSavingSchema>;
export type PowerSaving = z.output<typeof powerSavingSchema>;

export const defaultPowerSaving = (): PowerSaving => powerSavingSchema.parse({});
