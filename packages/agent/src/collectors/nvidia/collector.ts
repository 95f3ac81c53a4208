import { gpuModelOf, WattpackError, type GpuInfo, type GpuState } from '@wattpack/common/daemon';
import type { Devices } from '../collector.js';
import { gpuHealth } from './health.js';
import type { XidWatcher } from './kernel-log.js';
import { firstLine, type SmiFollow, type SmiFollower, type SmiRunner } from './nvidia-smi.js';
import { parseGpuList, type ListedGpu } from './parse-list.js';
import { ALL_QUERY_KEYS, deviceHandleError, parseQueryGpu, QUERY_FIELDS, queryArgs, unknownField, type QueryKey, type QueryResult, type SmiGpuRow } from './parse-query-gpu.js';
import { pciKey } from './parse-values.js';
import type { SmiXml, SmiXmlGpu } from './parse-xml.js';

/** Consecutive failed samples after which the GPUs count as failed rather than unknown. */
const FAILURES_BEFORE_FAILED = 3;
/** A looping nvidia-smi that died is started again after this, doubling up to the maximum. */
const MAX_RESTART_MS = 10_000;
/** A streamed reading older than three loops (and a second) is stale: nvidia-smi hangs. */
const staleAfterMs = (intervalMs: number) => 3 * intervalMs + 1000;

interface Stream {
  follower: SmiFollower;
  intervalMs: number;
  current?: SmiFollow;
  startedAtMs?: number;
  latest?: { result: QueryResult; atMs: number };
  /** Why the loop is not reporting, for the GPUs' health. */
  problem?: string;
  restart?: NodeJS.Timeout;
  restartMs: number;
  readingXml?: boolean;
}

/** What the power side tells the collector: its own findings per GPU, and a look at each sample. */
export interface PowerWatcher {
  conditions(index: number): string[];
  observe(rows: readonly SmiGpuRow[]): void;
}

/** Everything known about one GPU, for diagnostics. */
export type GpuDetails = SmiGpuRow & Partial<SmiXmlGpu> & { mig: ListedGpu['mig']; health: GpuState['health']; healthReason: string };

/**
 * NVIDIA GPUs through nvidia-smi: `--query-gpu` (one query per sample, async with a
 * timeout, or one looping process once streaming), `-q -x` where the driver's CSV lacks
 * power readings, `-L` for MIG children, and XIDs from the kernel log for health.
 */
export class NvidiaCollector implements Devices<GpuInfo, GpuState> {
  private power: PowerWatcher | undefined;
  private failures = 0;
  private stream: Stream | undefined;
  /** The last one-shot query: what a stream starts from until its first loop prints. */
  private lastQuery: Stream['latest'];

  private constructor(
    private readonly smi: SmiRunner,
    /** The fields this driver knows, found at open(). */
    private readonly keys: readonly QueryKey[],
    private readonly gpus: GpuInfo[],
    private readonly listed: ListedGpu[],
    /** Set when the CSV lacks power readings: every sample then reads -q -x as well. */
    private readonly xmlEachSample: boolean,
    private xml: SmiXml | undefined,
    private readonly xids: XidWatcher | undefined,
    /** Bus ids from open(), to match kernel-log and nvidia-smi errors to a GPU that stopped answering. */
    private readonly busIds: Map<string, { busId: string }>,
  ) {}

  /** Finds the fields the driver knows, the GPUs and their limits; rejects (UNAVAILABLE) when nvidia-smi does not work. */
  static async open(smi: SmiRunner, opts: { xids?: XidWatcher } = {}): Promise<NvidiaCollector> {
    const keys = [...ALL_QUERY_KEYS];
    let first: QueryResult;
    for (;;) {
      const out = await smi(queryArgs(keys)).catch(unavailable);
      const refused = unknownField(out.stdout + out.stderr);
      const key = refused && keys.find((k) => QUERY_FIELDS[k][0] === refused);
      if (key && key !== 'index' && key !== 'uuid') {
        keys.splice(keys.indexOf(key), 1);
        continue;
      }
      first = parseQueryGpu(out.stdout, keys);
      if (!first.rows.length) throw unavailable(new Error(out.exitCode === 0 ? 'no GPUs found' : firstLine(out)));
      break;
    }
    const listed = await smi(['-L']).then((o) => parseGpuList(o.stdout), () => []);
    const lacksPower = first.rows.some((r) => r.powerDrawW === undefined || r.enforcedLimitW === undefined);
    const lacksLimits = first.rows.some((r) => r.minLimitW === undefined || r.maxLimitW === undefined || r.defaultLimitW === undefined);
    const xml = lacksPower || lacksLimits ? await readXml(smi) : undefined;
    const gpus = first.rows.map((row) => gpuInfo(merge(row, xml)));
    const busIds = new Map(first.rows.map((r) => merge(r, xml)).filter((r) => r.busId).map((r) => [r.uuid, { busId: r.busId! }]));
    const collector = new NvidiaCollector(smi, keys, gpus, listed, lacksPower && xml !== undefined, xml, opts.xids, busIds);
    collector.lastQuery = { result: first, atMs: Date.now() };
    return collector;
  }

  /**
   * From now on one looping nvidia-smi reports every `intervalMs` and samples read its
   * latest output: no process start per sample. A loop that dies or stops printing is
   * started again (and the GPUs report why meanwhile).
   */
  startStreaming(follower: SmiFollower, intervalMs: number): void {
    this.stream = { follower, intervalMs, restartMs: intervalMs, ...(this.lastQuery ? { latest: this.lastQuery } : {}) };
    this.follow(this.stream);
  }

  stopStreaming(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.current?.stop();
    clearTimeout(s?.restart);
  }

  private follow(s: Stream): void {
    const first = this.gpus[0]!.index;
    let group: QueryResult = { rows: [], errors: [] };
    const complete = () => {
      if (!group.rows.length && !group.errors.length) return;
      const done = group;
      group = { rows: [], errors: [] };
      s.latest = { result: done, atMs: Date.now() };
      s.restartMs = s.intervalMs;
      this.power?.observe(done.rows);
      if (this.xmlEachSample && !s.readingXml) {
        s.readingXml = true;
        void readXml(this.smi).then((xml) => (this.xml = xml ?? this.xml)).finally(() => (s.readingXml = false));
      }
    };
    const current = s.follower([...queryArgs(this.keys), '-lms', String(s.intervalMs)], (line) => {
      const parsed = parseQueryGpu(line, this.keys);
      // nvidia-smi prints every GPU once per loop, in index order.
      if (parsed.rows[0]?.index === first) complete();
      group.rows.push(...parsed.rows);
      group.errors.push(...parsed.errors);
      if (group.rows.length + group.errors.length >= this.gpus.length) complete();
    });
    s.current = current;
    s.startedAtMs = Date.now();
    void current.ended.then((why) => {
      if (this.stream !== s || s.current !== current) return;
      s.problem = `nvidia-smi -lms exited: ${why}`;
      s.current = undefined;
      s.restart = setTimeout(() => this.follow(s), s.restartMs);
      s.restartMs = Math.min(s.restartMs * 2, MAX_RESTART_MS);
    });
  }

  /** The latest streamed reading, or why there is none fresh enough; a loop that went quiet is replaced. */
  private streamed(s: Stream): { result?: QueryResult; failure?: string } {
    const now = Date.now();
    const stale = staleAfterMs(s.intervalMs);
    if (s.latest && now - s.latest.atMs <= stale) return { result: s.latest.result };
    const quiet = now - Math.max(s.latest?.atMs ?? 0, s.startedAtMs ?? 0);
    if (s.current && quiet > stale) {
      s.problem = `nvidia-smi printed nothing for ${Math.round(quiet / 1000)} s`;
      s.current.stop();
    }
    return { failure: `nvidia-smi: ${s.problem ?? 'no reading yet'}` };
  }

  /** Lets the power control report its findings in each GPU's health and see every sample. */
  watchPower(power: PowerWatcher): void {
    this.power = power;
  }

  async inventory(): Promise<GpuInfo[]> {
    return this.gpus.map((g) => ({ ...g }));
  }

  /** Telemetry and health of every GPU found at open(); never rejects. */
  async sample(): Promise<GpuState[]> {
    return (await this.details()).map((d) => {
      const state: GpuState = { index: d.index, health: d.health, healthReason: d.healthReason };
      if (d.powerDrawW !== undefined) state.powerDrawW = d.powerDrawW;
      if (d.enforcedLimitW !== undefined) state.enforcedLimitW = d.enforcedLimitW;
      if (d.utilizationPct !== undefined) state.utilizationPct = d.utilizationPct;
      if (d.temperatureC !== undefined) state.temperatureC = d.temperatureC;
      if (d.memoryUsedMib !== undefined) state.memoryUsedMib = d.memoryUsedMib;
      // Bit 0x4 of clocks_event_reasons.active (SwPowerCap): the limit, not the job, bounds the draw.
      if (d.clockEventReasons) state.powerCapped = d.clockEventReasons.includes('sw_power_cap');
      return state;
    });
  }

  /** Everything read about each GPU now (streamed, or queried when not streaming), with its health. */
  async details(): Promise<GpuDetails[]> {
    const { result, failure } = this.stream ? this.streamed(this.stream) : await this.queryNow();
    this.failures = failure ? this.failures + 1 : 0;
    const unreachable = new Map((result?.errors ?? []).map(deviceHandleError).filter((e) => e !== undefined).map((e) => [pciKey(e.busId), e.error]));
    const xids = this.xids?.events() ?? [];
    return this.gpus.map((info) => {
      const found = result?.rows.find((r) => r.uuid === info.uuid);
      // A GPU without a row has no telemetry now: only what identifies it.
      const row: SmiGpuRow = found ? merge(found, this.xmlEachSample ? this.xml : undefined) : { index: info.index, uuid: info.uuid, ...this.busIds.get(info.uuid) };
      const conditions = [...(this.power?.conditions(info.index) ?? [])];
      const lost = row.busId ? unreachable.get(pciKey(row.busId)) : undefined;
      if (lost) conditions.push(`nvidia-smi cannot reach the GPU: ${lost}`);
      else if (!found && !failure) conditions.push('missing from nvidia-smi output');
      let verdict = gpuHealth(row, xids, conditions);
      if (failure) {
        // One slow nvidia-smi is no reason to drain the node: unknown first, failed if it lasts.
        const health = verdict.health === 'HEALTH_FAILED' || this.failures >= FAILURES_BEFORE_FAILED ? 'HEALTH_FAILED' : 'HEALTH_UNSPECIFIED';
        verdict = { health, reason: verdict.health === 'HEALTH_FAILED' ? `${verdict.reason}; ${failure}` : failure };
      }
      const mig = this.listed.find((l) => l.uuid === info.uuid)?.mig ?? [];
      return { ...row, index: info.index, mig, health: verdict.health, healthReason: verdict.reason };
    });
  }

  /** Why XID health is not being watched, if it is not. */
  xidWatchProblem(): string | undefined {
    return this.xids ? this.xids.unavailable() : 'not watched';
  }

  /** The requested and enforced limits of some GPUs, read now (the power control verifies with it). */
  async readLimits(indices: readonly number[]): Promise<SmiGpuRow[]> {
    const keys: QueryKey[] = ['index', 'uuid', 'requestedLimitW', 'enforcedLimitW'].filter((k): k is QueryKey => this.keys.includes(k as QueryKey));
    const { rows } = await this.query(keys, indices);
    if (this.xmlEachSample) {
      const xml = await readXml(this.smi);
      return rows.map((r) => merge(r, xml));
    }
    return rows;
  }

  private async queryNow(): Promise<{ result?: QueryResult; failure?: string }> {
    try {
      const result = await this.query(this.keys);
      if (this.xmlEachSample) this.xml = await readXml(this.smi);
      this.lastQuery = { result, atMs: Date.now() };
      this.power?.observe(result.rows);
      return { result };
    } catch (err) {
      return { failure: `nvidia-smi: ${(err as Error).message}` };
    }
  }

  private async query(keys: readonly QueryKey[], indices?: readonly number[]): Promise<QueryResult> {
    const out = await this.smi([...queryArgs(keys), ...(indices ? ['-i', indices.join(',')] : [])]);
    const result = parseQueryGpu(out.stdout, keys);
    // A lost GPU makes nvidia-smi exit non-zero, yet the others' rows are good.
    if (!result.rows.length && out.exitCode !== 0) throw new Error(firstLine(out));
    return result;
  }

}

/** -q -x, or undefined when it fails: it only fills gaps, so its parser is loaded only where a driver needs it. */
async function readXml(smi: SmiRunner): Promise<SmiXml | undefined> {
  try {
    const out = await smi(['-q', '-x']);
    if (out.exitCode !== 0) return undefined;
    const { parseSmiXml } = await import('./parse-xml.js');
    return parseSmiXml(out.stdout);
  } catch {
    return undefined;
  }
}

/** The CSV row (which holds only known values) with gaps filled from the XML of the same GPU. */
function merge(row: SmiGpuRow, xml: SmiXml | undefined): SmiGpuRow {
  const x = xml?.gpus.find((g) => (g.uuid && g.uuid === row.uuid) || (g.busId && row.busId && pciKey(g.busId) === pciKey(row.busId)));
  if (!x) return row;
  const { migDevices: _mig, ...fromXml } = x;
  return { ...fromXml, ...row };
}

function gpuInfo(row: SmiGpuRow): GpuInfo {
  const model = row.model ?? 'unknown';
  const catalog = gpuModelOf(model);
  const maxW = row.maxLimitW ?? catalog?.maxW;
  const minW = row.minLimitW ?? catalog?.minW;
  if (maxW === undefined || minW === undefined) {
    throw new WattpackError('UNAVAILABLE', `GPU ${row.index} (${model}): nvidia-smi reports no power limits and the model is not in the catalog, so its power cannot be scheduled`);
  }
  return {
    index: row.index,
    uuid: row.uuid,
    model,
    memoryMib: row.memoryTotalMib ?? 0,
    minPowerLimitW: minW,
    maxPowerLimitW: maxW,
    defaultPowerLimitW: row.defaultLimitW ?? maxW,
  };
}

function unavailable(err: unknown): never {
  throw new WattpackError('UNAVAILABLE', `cannot read NVIDIA GPUs: ${(err as Error).message}`, { cause: err });
}
