import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeInventory, NodeReport } from '@wattpack/common';

/** A gap between two samples longer than this is unknown draw, not energy. */
const MAX_SAMPLE_GAP_MS = 10_000;

/** The last XID a GPU's health names (DCGM_FI_DEV_XID_ERRORS is the last XID seen), 0 for none. */
const lastXid = (reason: string): number => {
  const all = [...reason.matchAll(/XID (\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : 0;
};

/**
 * The node's Prometheus series: GPUs under DCGM-exporter's names and labels (gpu, UUID,
 * modelName, Hostname; hpc_job, DCGM's HPC job label, only while an attempt runs there,
 * so a finished job's series go away), and miners' hashrate and power. Filled from the
 * samples the agent takes for its reports; a scrape with no recent sample takes one.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  /** GPU energy since this agent started, mJ (DCGM counts since the driver loaded). */
  private readonly energyMj = new Map<number, number>();
  private last: NodeReport | undefined;
  /** One sample for every series of a scrape. */
  private sampling: Promise<NodeReport> | undefined;

  constructor(
    private readonly inventory: NodeInventory,
    private readonly sample: () => Promise<NodeReport>,
    private readonly freshMs: number,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const gpuLabels = ['gpu', 'UUID', 'modelName', 'Hostname', 'hpc_job'];
    const fresh = () => this.fresh();
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, r: NodeReport) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect(this: Gauge) {
          this.reset();
          fill(this, await fresh());
        },
      });
    const perGpu = (r: NodeReport, each: (labels: Record<string, string>, g: NodeReport['gpus'][number]) => void) => {
      const jobOf = new Map(r.attempts.flatMap((a) => a.gpuIndices.map((i) => [i, a.jobId] as const)));
      for (const g of r.gpus) {
        const info = this.inventory.gpus.find((x) => x.index === g.index);
        const job = jobOf.get(g.index);
        each({ gpu: String(g.index), UUID: info?.uuid ?? '', modelName: info?.model ?? '', Hostname: this.inventory.host.hostname, ...(job ? { hpc_job: job } : {}) }, g);
      }
    };
    const gpuGauge = (name: string, help: string, value: (g: NodeReport['gpus'][number]) => number | undefined) =>
      gauge(name, help, gpuLabels, (m, r) =>
        perGpu(r, (labels, g) => {
          const v = value(g);
          if (v !== undefined) m.set(labels, v);
        }),
      );
    gpuGauge('DCGM_FI_DEV_POWER_USAGE', 'Power draw (in W).', (g) => g.powerDrawW);
    gpuGauge('DCGM_FI_DEV_GPU_UTIL', 'GPU utilization (in %).', (g) => g.utilizationPct);
    gpuGauge('DCGM_FI_DEV_GPU_TEMP', 'GPU temperature (in C).', (g) => g.temperatureC);
    gpuGauge('DCGM_FI_DEV_FB_USED', 'Framebuffer memory used (in MiB).', (g) => g.memoryUsedMib);
    gpuGauge('DCGM_FI_DEV_POWER_MGMT_LIMIT', 'Power management limit (in W).', (g) => g.enforcedLimitW);
    gpuGauge('DCGM_FI_DEV_XID_ERRORS', 'Value of the last XID error encountered.', (g) => lastXid(g.healthReason));
    const energy = this.energyMj;
    new Counter({
      name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
      help: 'Total energy consumption since the agent started (in mJ).',
      labelNames: gpuLabels,
      registers,
      async collect(this: Counter) {
        this.reset();
        perGpu(await fresh(), (labels, g) => this.inc(labels, energy.get(g.index) ?? 0));
      },
    });
    const minerLabels = ['miner', 'model', 'Hostname'];
    const perMiner = (m: Gauge, r: NodeReport, value: (x: NodeReport['miners'][number]) => number | undefined) => {
      for (const x of r.miners) {
        const v = value(x);
        const model = this.inventory.miners.find((i) => i.id === x.id)?.model ?? '';
        if (v !== undefined) m.set({ miner: x.id, model, Hostname: this.inventory.host.hostname }, v);
      }
    };
    gauge('wattpack_miner_hashrate_terahashes', "A miner's hashrate (TH/s).", minerLabels, (m, r) => perMiner(m, r, (x) => x.hashrateThs));
    gauge('wattpack_miner_power_watts', "A miner's power draw (W).", minerLabels, (m, r) => perMiner(m, r, (x) => x.powerW));
    gauge('wattpack_miner_curtailed', '1 while a miner is curtailed, else 0.', minerLabels, (m, r) => perMiner(m, r, (x) => (x.state === 'MINER_RUN_STATE_CURTAILED' ? 1 : 0)));
  }

  /** Every sample the agent takes passes here: energy is integrated between them. */
  observe(report: NodeReport): void {
    const prev = this.last;
    this.last = report;
    if (!prev) return;
    const ms = report.timestampMs - prev.timestampMs;
    if (ms <= 0 || ms > MAX_SAMPLE_GAP_MS) return;
    for (const g of report.gpus) {
      if (g.powerDrawW === undefined) continue;
      this.energyMj.set(g.index, (this.energyMj.get(g.index) ?? 0) + g.powerDrawW * ms);
    }
  }

  private async fresh(): Promise<NodeReport> {
    if (this.last && Date.now() - this.last.timestampMs < this.freshMs) return this.last;
    this.sampling ??= this.sample()
      .then((report) => {
        this.observe(report);
        return report;
      })
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }
}
