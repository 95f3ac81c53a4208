import type { GpuView, NodeView, SiteSnapshot } from './snapshot.js';

/**
 * Where watts are counted. Facility power = PUE x (hosts + GPUs + miners): a held GPU
 * counts at its power limit (the hardware enforces it, so draw can never exceed it),
 * an idle GPU at its idle draw, a host at busy power while any of its GPUs is held,
 * a miner at nameplate unless curtailed. A node powered off counts at its standby watts
 * alone; one on its way off (until its BMC confirms it off) or booting counts at idle
 * (core/power-saving.ts): watts are never counted gone before they are.
 */

/** IT watts as the facility draws them (cooling and conversion on top): what the cap counts. */
export const facilityOf = (pue: number, itW: number): number => pue * itW;

/** Facility watts a running job's limit change adds over its GPUs (negative: it frees them). */
export const limitChangeW = (pue: number, gpus: number, fromW: number, toW: number): number => facilityOf(pue, gpus * (toW - fromW));

/** IT watts of a node's held GPUs, at the limits they count at. */
export const heldGpuW = (n: NodeView): number => n.gpus.reduce((sum, g) => (g.jobId !== undefined ? sum + gpuW(g) : sum), 0);

export const gpuW = (g: GpuView): number => (g.jobId !== undefined ? (g.limitW ?? g.maxW) : g.idleW);

export const isBusy = (n: NodeView): boolean => n.gpus.some((g) => g.jobId !== undefined);

export interface ItSplit {
  gpusW: number;
  hostsW: number;
  minersW: number;
}

/** A node whose server is off: its BMC's standby draw is all it costs. */
export const isStandby = (power: NodeView['power']): boolean => power === 'off';

export function nodeSplit(n: NodeView): ItSplit {
  if (isStandby(n.power)) return { gpusW: 0, hostsW: n.standbyW ?? 0, minersW: 0 };
  let gpusW = 0;
  for (const g of n.gpus) gpusW += gpuW(g);
  let minersW = 0;
  for (const m of n.miners) if (!m.curtailed) minersW += m.nameplateW;
  return { gpusW, hostsW: isBusy(n) ? n.hostBusyW : n.hostIdleW, minersW };
}

export function siteSplit(site: SiteSnapshot): ItSplit & { facilityW: number } {
  return sumSplits(site.pue, site.nodes.map(nodeSplit));
}

/** Totals in node order: the same sum, to the last bit, whoever keeps the per-node splits. */
function sumSplits(pue: number, splits: readonly ItSplit[]): ItSplit & { facilityW: number } {
  const total = { gpusW: 0, hostsW: 0, minersW: 0 };
  for (const s of splits) {
    total.gpusW += s.gpusW;
    total.hostsW += s.hostsW;
    total.minersW += s.minersW;
  }
  return { ...total, facilityW: pue * (total.gpusW + total.hostsW + total.minersW) };
}

/**
 * siteSplit for a driver that changes a few nodes at a time (the simulator): it keeps
 * each node's split and counts again only the nodes it was told changed.
 */
export class SiteSplit {
  private readonly perNode: ItSplit[];
  private readonly changedNodes = new Set<number>();

  constructor(private readonly site: SiteSnapshot) {
    this.perNode = site.nodes.map(nodeSplit);
  }

  changed(pos: number): void {
    this.changedNodes.add(pos);
  }

  total(): ItSplit & { facilityW: number } {
    for (const pos of this.changedNodes) this.perNode[pos] = nodeSplit(this.site.nodes[pos]!);
    this.changedNodes.clear();
    return sumSplits(this.site.pue, this.perNode);
  }
}

/** The most facility watts the site may allocate: the cap minus its reserve. */
export const budgetW = (site: Pick<SiteSnapshot, 'capW' | 'reserveFraction'>): number => site.capW * (1 - site.reserveFraction);

/**
 * Facility watts added by running `gpus` GPUs at `limitW` on a node: the GPUs rise from
 * idle to their limit, and an idle host turns busy.
 */
export function placementW(pue: number, gpus: readonly GpuView[], limitW: number, hostTurnsBusyW: number): number {
  let it = hostTurnsBusyW;
  for (const g of gpus) it += limitW - g.idleW;
  return pue * it;
}

/**
 * GPUs held by jobs, facility watts: at their jobs' max limits (what static limits would
 * reserve) and at the limits counted against the cap; the difference is what right-sizing
 * reclaimed.
 */
export function heldGpusW(site: SiteSnapshot): { reservedW: number; enforcedW: number; reclaimedW: number } {
  const jobMaxW = new Map(site.running.map((r) => [r.id, r.maxW ?? Infinity]));
  let reservedW = 0;
  let enforcedW = 0;
  for (const n of site.nodes) {
    for (const g of n.gpus) {
      if (g.jobId === undefined) continue;
      reservedW += Math.min(g.maxW, jobMaxW.get(g.jobId) ?? Infinity);
      enforcedW += gpuW(g);
    }
  }
  return { reservedW: site.pue * reservedW, enforcedW: site.pue * enforcedW, reclaimedW: site.pue * Math.max(0, reservedW - enforcedW) };
}

/** What an agent measured: its GPUs' and miners' draw (the shape of a node report). */
export interface MeasuredNode {
  nodeId: string;
  gpus: readonly { index: number; powerDrawW?: number }[];
  miners: readonly { powerW?: number }[];
  /** The server's input power from its BMC (GPUs included), when it has one. */
  inputPowerW?: number;
}

export interface SiteWatts {
  /** As the cap counts them (limits, idle draw, hosts, nameplate miners). */
  allocated: ItSplit & { facilityW: number };
  /** As agents measured them; a host without a BMC reading counts as allocated. */
  measured: ItSplit & { facilityW: number };
  /** Held GPUs: reserved at their jobs' max, at their enforced limits, and drawn (facility W). */
  heldGpus: { reservedW: number; enforcedW: number; reclaimedW: number; drawnW: number };
  /** The conversion (IT W): miners mining, miners of drained hosts (retired), AI GPUs and hosts. */
  miningW: number;
  retiredW: number;
  aiW: number;
}

/** Every figure of the site's watts the API shows, counted here so that the API only formats. */
export function siteWatts(site: SiteSnapshot, measuredNodes: readonly MeasuredNode[], drained: ReadonlySet<string>): SiteWatts {
  const allocated = siteSplit(site);
  const held = new Set(site.nodes.flatMap((n) => n.gpus.filter((g) => g.jobId !== undefined).map((g) => `${n.id}/${g.index}`)));
  const measured: ItSplit = { gpusW: 0, hostsW: allocated.hostsW, minersW: 0 };
  const allocatedHostW = new Map(site.nodes.map((n) => [n.id, nodeSplit(n).hostsW]));
  let heldDrawnW = 0;
  for (const n of measuredNodes) {
    let nodeGpusW = 0;
    for (const g of n.gpus) {
      nodeGpusW += g.powerDrawW ?? 0;
      if (held.has(`${n.nodeId}/${g.index}`)) heldDrawnW += g.powerDrawW ?? 0;
    }
    measured.gpusW += nodeGpusW;
    if (n.inputPowerW !== undefined) measured.hostsW += Math.max(0, n.inputPowerW - nodeGpusW) - (allocatedHostW.get(n.nodeId) ?? 0);
    for (const m of n.miners) measured.minersW += m.powerW ?? 0;
  }
  let miningW = 0;
  let retiredW = 0;
  for (const n of site.nodes) {
    for (const m of n.miners) {
      if (drained.has(n.id)) retiredW += m.nameplateW;
      else if (!m.curtailed) miningW += m.nameplateW;
    }
  }
  return {
    allocated,
    measured: { ...measured, facilityW: site.pue * (measured.gpusW + measured.hostsW + measured.minersW) },
    heldGpus: { ...heldGpusW(site), drawnW: site.pue * heldDrawnW },
    miningW,
    retiredW,
    aiW: allocated.gpusW + allocated.hostsW,
  };
}

/**
 * A job's share of a busy host: the host's busy watts split over the node's GPUs, for
 * the GPUs the job holds there (hosts are not metered per job, so this is allocated).
 */
export const hostShareW = (hostBusyW: number, jobGpus: number, nodeGpus: number): number => (nodeGpus > 0 ? (hostBusyW * jobGpus) / nodeGpus : 0);

