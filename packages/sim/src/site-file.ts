import { describeIssues, gpuModelOf, parseDuration, readYamlFile, siteConfigSchema, WattpackError } from '@wattpack/common';
import { z } from 'zod';
import { FLEX_CLASSES, type MinerView, type NodeView } from '@wattpack/scheduler/core';
import { SHAPES } from './workload.js';

/**
 * A simulated site (sites/*.yaml): the facility, its GPU servers and miners, prices,
 * grid events, team shares, the workload mix, and the power policy trace jobs declare.
 * Unknown fields are errors; every error names its field.
 */

const watts = z.number().positive();

/** Seconds, or a duration such as "90s", "10m", "2h", "1d", "1h30m". */
const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const s = parseDuration(v);
  if (s === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration: use seconds or e.g. 90s, 10m, 2h, 1d` });
    return z.NEVER;
  }
  return s;
});

const nodeGroupSchema = z
  .strictObject({
    /** Prefix of node ids (e.g. "h100" -> h100-0000). */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'use lowercase letters, digits or "-"'),
    count: z.number().int().positive(),
    gpusPerNode: z.number().int().min(1).max(64),
    /** A catalog name (H100, H200, ...) or any other name for a model the catalog lacks. */
    model: z.string().min(1),
    maxW: watts,
    minW: watts,
    idleW: z.number().nonnegative(),
    /** Host power (CPUs, fans, NICs, switches) when no GPU is held, and in total when any is. */
    hostIdleW: z.number().nonnegative(),
    hostBusyW: z.number().nonnegative(),
    rackSize: z.number().int().positive().default(8),
  })
  .superRefine((g, ctx) => {
    if (g.minW > g.maxW) ctx.addIssue({ code: 'custom', path: ['minW'], message: `${g.minW} W exceeds maxW ${g.maxW} W` });
    if (g.idleW > g.maxW) ctx.addIssue({ code: 'custom', path: ['idleW'], message: `${g.idleW} W exceeds maxW ${g.maxW} W` });
    if (g.hostBusyW < g.hostIdleW) ctx.addIssue({ code: 'custom', path: ['hostBusyW'], message: `is the host's total busy power: at least hostIdleW (${g.hostIdleW} W)` });
  });

const mixSchema = z
  .strictObject(Object.fromEntries(SHAPES.map((s) => [s, z.number().min(0).max(1).default(0)])) as Record<(typeof SHAPES)[number], z.ZodDefault<z.ZodNumber>>)
  .superRefine((mix, ctx) => {
    const sum = SHAPES.reduce((acc, s) => acc + mix[s], 0);
    if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: [], message: `fractions must sum to 1 (they sum to ${+sum.toFixed(6)})` });
  });

export const siteFileSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    // The live site's own settings, checked by the same schema (SiteConfig): one definition
    // of what a cap, a PUE, a reserve and a ramp limit may be. The cap has no default here.
    facility: z.strictObject({
      /** The grid connection's cap, MW: everything on site, cooling included. */
      capMw: siteConfigSchema.shape.capMw.unwrap(),
      pue: siteConfigSchema.shape.pue.unwrap(),
      reserveFraction: siteConfigSchema.shape.reserveFraction,
      /** Grid ramp limit: steps larger than this within a minute are counted (not prevented). */
      rampMwPerMin: siteConfigSchema.shape.rampMwPerMin,
    }),
    nodeGroups: z.array(nodeGroupSchema).min(1),
    /** Powering idle GPU servers off and on: the live setting (SiteConfig), the same schema. */
    powerSaving: siteConfigSchema.shape.powerSaving,
    miners: z
      .strictObject({
        count: z.number().int().nonnegative(),
        model: z.string().min(1),
        hashrateThs: z.number().nonnegative(),
        powerW: watts,
        /** Miners per simulated container (a node view with no GPUs). */
        perContainer: z.number().int().positive().default(100),
      })
      .optional(),
    prices: z.strictObject({
      /** USD earned per TH/s per day of mining. */
      hashpriceUsdPerThDay: z.number().nonnegative(),
      /** USD earned per GPU-hour of useful work (full-power equivalent). */
      aiUsdPerGpuHour: z.number().nonnegative(),
      energyUsdPerMwh: z.number().nonnegative(),
    }),
    /**
     * The cap drops at atS (from the simulation's start) for durationS, announced noticeS
     * ahead: to capMw, or by reducePct % of the facility's measured (drawn) watts when the
     * event is announced, as `wattpack site grid-event --reduce` takes its baseline.
     */
    gridEvents: z
      .array(
        z
          .strictObject({
            atS: duration,
            durationS: duration.refine((v) => v > 0, 'must be positive'),
            capMw: z.number().nonnegative().optional(),
            reducePct: z.number().gt(0).lt(100).optional(),
            noticeS: duration.default(0),
          })
          .superRefine((e, ctx) => {
            if ((e.capMw === undefined) === (e.reducePct === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'give either capMw (a target) or reducePct (a cut), not both or neither' });
          }),
      )
      .default([]),
    /**
     * Flexibility classes of the trace's jobs (traces record none): fractions of jobs in
     * each class (0, 10, 25, 50 % slowdown tolerated); each job draws its class from its id.
     * Unset: jobs have no class (their power range alone bounds them).
     */
    flexMix: z
      .strictObject(Object.fromEntries(FLEX_CLASSES.map((c) => [String(c), z.number().min(0).max(1).default(0)])) as Record<string, z.ZodDefault<z.ZodNumber>>)
      .superRefine((mix, ctx) => {
        const sum = Object.values(mix).reduce((a, b) => a + b, 0);
        if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: [], message: `fractions must sum to 1 (they sum to ${+sum.toFixed(6)})` });
      })
      .optional(),
    /** Guaranteed GPUs and MW per team (the policy's fair shares). */
    teams: z.record(z.string().min(1), z.strictObject({ gpus: z.number().int().nonnegative().optional(), mw: z.number().nonnegative().optional() })).default({}),
    /** Fractions of jobs of each measured shape; each job draws its shape from its id. */
    workloadMix: mixSchema,
    /**
     * How hard jobs draw, as a share of their shape's full draw (1: the measured curve's
     * draw; 0.5: half of it). Unset: each job draws its level from the Acme 2023 clusters.
     */
    drawLevel: z.number().positive().max(1).optional(),
    /** The power policy every trace job declares (traces record none). */
    jobDefaults: z
      .strictObject({
        /** Lowest per-GPU limit a job accepts; unset: never capped below its maximum. */
        minW: watts.optional(),
        maxW: watts.optional(),
        preemptible: z.boolean().default(true),
        priority: z.number().int().min(0).max(1000).default(100),
      })
      .superRefine((p, ctx) => {
        if (p.minW !== undefined && p.maxW !== undefined && p.minW > p.maxW) ctx.addIssue({ code: 'custom', path: ['minW'], message: `${p.minW} W exceeds maxW ${p.maxW} W` });
      })
      .default({ preemptible: true, priority: 100 }),
  })
  .superRefine((site, ctx) => {
    const names = new Set<string>();
    site.nodeGroups.forEach((g, i) => {
      if (names.has(g.name)) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'name'], message: `"${g.name}" is used twice` });
      names.add(g.name);
    });
  });

export type SiteFileInput = z.input<typeof siteFileSchema>;
export type SiteFile = z.output<typeof siteFileSchema>;

/** Validates a parsed site file; the error names each bad field ("facility.capMw: ..."). */
export function parseSiteFile(value: unknown, source = 'site'): SiteFile {
  const parsed = siteFileSchema.safeParse(value);
  if (!parsed.success) throw new WattpackError('INVALID_ARGUMENT', `invalid site file ${source}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function loadSiteFile(path: string): SiteFile {
  return parseSiteFile(readYamlFile(path), path);
}

/** The site's hardware as the core sees it, fresh (the simulator mutates it as jobs run). */
export interface SiteHardware {
  nodes: NodeView[];
  /** Positions in `nodes` of GPU servers, then of miner containers. */
  gpuNodes: number;
  gpus: number;
  miners: MinerView[];
  /** Most GPUs on one node: larger jobs run as gangs of whole nodes. */
  maxGpusPerNode: number;
  models: Set<string>;
}

export function buildHardware(site: SiteFile): SiteHardware {
  const nodes: NodeView[] = [];
  const models = new Set<string>();
  let gpus = 0;
  for (const g of site.nodeGroups) {
    const model = gpuModelOf(g.model)?.name ?? g.model;
    models.add(model);
    const width = Math.max(4, String(g.count - 1).length);
    for (let i = 0; i < g.count; i++) {
      nodes.push({
        id: `${g.name}-${String(i).padStart(width, '0')}`,
        labels: { rack: `${g.name}-r${Math.floor(i / g.rackSize)}`, group: g.name },
        schedulable: true,
        hostIdleW: g.hostIdleW,
        hostBusyW: g.hostBusyW,
        // jobId and limitW present from the start: one object shape for every GPU view.
        gpus: Array.from({ length: g.gpusPerNode }, (_, index) => ({ index, model, minW: g.minW, maxW: g.maxW, idleW: g.idleW, jobId: undefined, limitW: undefined })),
        miners: [],
      });
    }
    gpus += g.count * g.gpusPerNode;
  }
  const gpuNodes = nodes.length;
  const miners: MinerView[] = [];
  const m = site.miners;
  if (m && m.count > 0) {
    const width = Math.max(4, String(m.count - 1).length);
    for (let c = 0; c * m.perContainer < m.count; c++) {
      const inThis = Math.min(m.perContainer, m.count - c * m.perContainer);
      const views = Array.from({ length: inThis }, (_, k) => ({ id: `miner-${String(c * m.perContainer + k).padStart(width, '0')}`, nameplateW: m.powerW, hashrateThs: m.hashrateThs, curtailed: false }));
      miners.push(...views);
      nodes.push({ id: `miners-${c}`, labels: { kind: 'miners' }, schedulable: true, hostIdleW: 0, hostBusyW: 0, gpus: [], miners: views });
    }
  }
  return { nodes, gpuNodes, gpus, miners, maxGpusPerNode: Math.max(...site.nodeGroups.map((g) => g.gpusPerNode)), models };
}
