import { declaredHostPower, describeIssues, gpuModelOf, parseDuration, readYamlFile, siteFieldsSchema, siteRules, WattpackError, type SiteConfig } from '@wattpack/common';
import { z } from 'zod';
import { FLEX_CLASSES, type MinerView, type NodeView } from '@wattpack/scheduler/core';
import { SHAPES } from './workload.js';

/**
 * A simulated site (sites/*.yaml): the live scheduler's site settings (`site`, a SiteConfig:
 * the same schema, names and meaning as `wattpack-scheduler --site`), and what only a
 * simulation needs: the GPU servers and miners to fabricate, the grid events to replay,
 * the workload mix, and the power policy trace jobs declare.
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

const fractionsSumToOne = (mix: Record<string, number>, ctx: z.RefinementCtx): void => {
  const sum = Object.values(mix).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: [], message: `fractions must sum to 1 (they sum to ${+sum.toFixed(6)})` });
};

/** Fractions by name, each 0-1 (default 0), summing to 1. */
const mixOf = <N extends string>(names: readonly N[]) =>
  z.strictObject(Object.fromEntries(names.map((n) => [n, z.number().min(0).max(1).default(0)])) as Record<N, z.ZodDefault<z.ZodNumber>>).superRefine((mix, ctx) => fractionsSumToOne(mix as Record<string, number>, ctx));

/**
 * The live site's settings. The cap has no default here (a simulated site names its own);
 * grid events are the simulation's (`gridEvents` beside it, in time from the start), since
 * the live ones are dated and the simulated clock has no calendar; the report is in USD.
 */
const siteSettingsSchema = siteFieldsSchema.extend({ capMw: siteFieldsSchema.shape.capMw.unwrap() }).superRefine((s, ctx) => {
  siteRules(s, ctx);
  if (s.gridEvents.length > 0) ctx.addIssue({ code: 'custom', path: ['gridEvents'], message: 'give a simulation\'s grid events at the top level (gridEvents: atS, durationS, capMw or reducePct, noticeS)' });
  if (s.prices.currency !== 'USD') ctx.addIssue({ code: 'custom', path: ['prices', 'currency'], message: 'the simulator reports in USD' });
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
    /** Host power as the group's agents would declare it; unset: the site's hostPower, as live. */
    hostIdleW: z.number().nonnegative().optional(),
    hostBusyW: z.number().nonnegative().optional(),
    rackSize: z.number().int().positive().default(8),
  })
  .superRefine((g, ctx) => {
    if (g.minW > g.maxW) ctx.addIssue({ code: 'custom', path: ['minW'], message: `${g.minW} W exceeds maxW ${g.maxW} W` });
    if (g.idleW > g.maxW) ctx.addIssue({ code: 'custom', path: ['idleW'], message: `${g.idleW} W exceeds maxW ${g.maxW} W` });
  });

const gridEventSchema = z
  .strictObject({
    atS: duration,
    durationS: duration.refine((v) => v > 0, 'must be positive'),
    capMw: z.number().nonnegative().optional(),
    reducePct: z.number().gt(0).lt(100).optional(),
    noticeS: duration.default(0),
  })
  .superRefine((e, ctx) => {
    if ((e.capMw === undefined) === (e.reducePct === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'give either capMw (a target) or reducePct (a cut), not both or neither' });
  });

/** Where the fields of the old layout went, for an error that says so. */
const MOVED: Record<string, string> = {
  facility: 'its capMw, pue, reserveFraction and rampMwPerMin are settings of the live site: put them under site',
  prices: 'energyUsdPerMwh and aiUsdPerGpuHour are site.prices.energyPerMwh and site.prices.gpuHour; hashpriceUsdPerThDay is under miners',
  teams: 'team shares are a setting of the live site: site.teams',
  powerSaving: 'powering idle servers off is a setting of the live site: site.powerSaving',
};

export const siteFileSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    site: siteSettingsSchema,
    nodeGroups: z.array(nodeGroupSchema).min(1),
    miners: z
      .strictObject({
        count: z.number().int().nonnegative(),
        model: z.string().min(1),
        hashrateThs: z.number().nonnegative(),
        powerW: watts,
        /** USD earned per TH/s per day of mining. */
        hashpriceUsdPerThDay: z.number().nonnegative(),
        /** Miners per simulated container (a node view with no GPUs). */
        perContainer: z.number().int().positive().default(100),
      })
      .optional(),
    /**
     * The cap drops at atS (from the simulation's start) for durationS, announced noticeS
     * ahead: to capMw, or by reducePct % of the facility's measured (drawn) watts when the
     * event is announced, as `wattpack site grid-event --reduce` takes its baseline.
     */
    gridEvents: z.array(gridEventSchema).default([]),
    /**
     * Flexibility classes of the trace's jobs (traces record none): fractions of jobs in
     * each class (0, 10, 25, 50 % slowdown tolerated); each job draws its class from its id.
     * Unset: the site's flexDefaults, as live; without those, no class.
     */
    flexMix: mixOf(FLEX_CLASSES.map(String)).optional(),
    /** Fractions of jobs of each measured shape; each job draws its shape from its id. */
    workloadMix: mixOf(SHAPES),
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
        /**
         * After a preemption, how long a job takes to start again and restore its last
         * checkpoint before it makes progress (it holds its GPUs at its limit meanwhile);
         * the work since that checkpoint is lost as well. Default 0: back at once.
         */
        restartTime: duration.default(0),
      })
      .superRefine((p, ctx) => {
        if (p.minW !== undefined && p.maxW !== undefined && p.minW > p.maxW) ctx.addIssue({ code: 'custom', path: ['minW'], message: `${p.minW} W exceeds maxW ${p.maxW} W` });
      })
      .default({ preemptible: true, priority: 100, restartTime: 0 }),
  })
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.nodeGroups.forEach((g, i) => {
      if (names.has(g.name)) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'name'], message: `"${g.name}" is used twice` });
      names.add(g.name);
      const host = groupHostPower(file.site, g);
      if (host.busyW < host.idleW) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'hostBusyW'], message: `${host.busyW} W is the host's total busy power: at least its idle power (${host.idleW} W)` });
    });
  })
  // Compiled: each group's host power as the live scheduler would count it.
  .transform((file) => ({
    ...file,
    nodeGroups: file.nodeGroups.map((g) => {
      const host = groupHostPower(file.site, g);
      return { ...g, hostIdleW: host.idleW, hostBusyW: host.busyW };
    }),
  }));

/** The site's name defaults to the file's; the old layout's fields get an error that says where they went. */
const withSiteName = (value: unknown, ctx: z.RefinementCtx): unknown => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const file = value as Record<string, unknown>;
  for (const [key, where] of Object.entries(MOVED)) if (key in file) ctx.addIssue({ code: 'custom', path: [key], message: `moved: ${where} (packages/sim/README.md, "Site files")` });
  const site = file['site'];
  if (typeof site !== 'object' || site === null || 'name' in site) return value;
  return { ...file, site: { name: file['name'], ...site } };
};

const siteFileInput = z.preprocess(withSiteName, siteFileSchema);

export type SiteFileInput = z.input<typeof siteFileSchema>;
export type SiteFile = z.output<typeof siteFileSchema>;

/** Validates a parsed site file; the error names each bad field ("facility.capMw: ..."). */
export function parseSiteFile(value: unknown, source = 'site'): SiteFile {
  const parsed = siteFileInput.safeParse(value);
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

/** A node group's host power: its own figures, else the site's hostPower (the live scheduler's rule for an agent's inventory). */
function groupHostPower(site: Pick<SiteConfig, 'hostPower'>, g: { hostIdleW?: number | undefined; hostBusyW?: number | undefined }): { idleW: number; busyW: number } {
  return declaredHostPower(site, { idleW: g.hostIdleW, busyW: g.hostBusyW });
}
