/**
 * One attempt's GPU energy, integrated from its nodes' reports. Each report's draw (the
 * sum over the attempt's GPUs there) is taken to have held since that node's previous
 * report, or since the part started; at the end, the last draw is held to the end. So a
 * restart of the scheduler mid-attempt, which loses the meter, costs resolution, not time:
 * the first report after it covers the gap. Pure: the live loop feeds it reports.
 */
export class UsageMeter {
  private readonly parts = new Map<string, { startedAt: number; lastAt: number; lastW: number; firstAt?: number; wh: number }>();
  private peakW = 0;

  /** A part of the attempt running on `nodeId` since `startedAt` (ms). */
  addPart(nodeId: string, startedAt: number): void {
    if (!this.parts.has(nodeId)) this.parts.set(nodeId, { startedAt, lastAt: startedAt, lastW: 0, wh: 0 });
  }

  /** A report from the node: the attempt's GPUs there drew `gpuW` in total at `atMs`. */
  sample(nodeId: string, atMs: number, gpuW: number): void {
    const p = this.parts.get(nodeId);
    if (!p || !Number.isFinite(gpuW) || gpuW < 0 || atMs < p.lastAt) return;
    p.wh += (gpuW * (atMs - p.lastAt)) / 3_600_000;
    p.lastAt = atMs;
    p.lastW = gpuW;
    p.firstAt ??= atMs;
    let now = 0;
    for (const q of this.parts.values()) now += q.lastW;
    this.peakW = Math.max(this.peakW, now);
  }

  /** Totals at `endAt`: GPU Wh, time-weighted mean and peak draw (W), seconds reports covered. */
  finish(endAt: number): { gpuWh: number; meanW: number; peakW: number; measuredS: number } {
    let gpuWh = 0;
    let spanMs = 0;
    let measuredMs = 0;
    for (const p of this.parts.values()) {
      gpuWh += p.wh + (p.lastW * Math.max(0, endAt - p.lastAt)) / 3_600_000;
      spanMs = Math.max(spanMs, endAt - p.startedAt);
      if (p.firstAt !== undefined) measuredMs = Math.max(measuredMs, p.lastAt - p.firstAt);
    }
    return { gpuWh, meanW: spanMs > 0 ? (gpuWh * 3_600_000) / spanMs : 0, peakW: this.peakW, measuredS: measuredMs / 1000 };
  }
}
