import type { NodeReport } from '@wattpack/common/daemon';

/** Samples kept per node and state: at one report a second, the last five minutes. */
const WINDOW = 300;
/** Fewer samples than this are no estimate yet: the site file's figure applies. */
const MIN_SAMPLES = 10;
/** Server input power beyond this is no reading (an 8-GPU system draws ~10-15 kW). */
const MAX_INPUT_W = 100_000;

/** A report's BMC reading, if it is one: a number from 0 to MAX_INPUT_W. */
export const plausibleInputW = (w: number | undefined): number | undefined => (w !== undefined && Number.isFinite(w) && w >= 0 && w <= MAX_INPUT_W ? w : undefined);

/**
 * Each node's host power (CPUs, fans, NICs: the server's input power from its BMC minus
 * what its GPUs drew in the same report), learned apart for idle and busy (an attempt
 * runs). The estimate is the median of the window: the BMC and the GPUs are read at
 * different moments, so a sample across a job's start or end is off by the GPUs' whole
 * swing, and the median ignores those; what the model still misses, the facility meter
 * catches (docs/metering.md). A reading that reports repeat (the BMC is read every few
 * seconds, reports come every second) is one sample: repeated across a job's end, it would
 * count the ended job's GPUs as host for seconds. Reports are hostile input: readings that
 * are no number, negative, or beyond any server are ignored.
 */
export class HostPowerLearner {
  private readonly samples = new Map<string, { idle: number[]; busy: number[]; readAtMs?: number; estimate?: { idleW?: number; busyW?: number } }>();

  add(nodeId: string, report: NodeReport): void {
    const input = plausibleInputW(report.host?.inputPowerW);
    if (input === undefined) return;
    const gpusW = report.gpus.reduce((sum, g) => sum + (Number.isFinite(g.powerDrawW) ? Math.max(0, g.powerDrawW!) : 0), 0);
    const hostW = Math.max(0, input - gpusW);
    const node = this.samples.get(nodeId) ?? this.samples.set(nodeId, { idle: [], busy: [] }).get(nodeId)!;
    const readAtMs = report.host?.inputPowerAtMs;
    if (readAtMs !== undefined && readAtMs === node.readAtMs) return;
    node.readAtMs = readAtMs;
    const list = report.attempts.length > 0 ? node.busy : node.idle;
    list.push(hostW);
    if (list.length > WINDOW) list.shift();
    node.estimate = undefined;
  }

  forget(nodeId: string): void {
    this.samples.delete(nodeId);
  }

  /**
   * The learned idle and busy host power, W; each absent until enough samples. Kept until
   * the next sample: every pass asks for every node, and sorting two windows of 300 for
   * each of 3,200 nodes on every pass was most of a site-sized snapshot's cost.
   */
  estimate(nodeId: string): { idleW?: number; busyW?: number } {
    const node = this.samples.get(nodeId);
    if (!node) return {};
    if (node.estimate) return node.estimate;
    const idle = median(node.idle);
    const busy = median(node.busy);
    node.estimate = { ...(idle !== undefined ? { idleW: idle } : {}), ...(busy !== undefined ? { busyW: busy } : {}) };
    return node.estimate;
  }
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length < MIN_SAMPLES) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[(sorted.length - 1) >> 1]!);
}
