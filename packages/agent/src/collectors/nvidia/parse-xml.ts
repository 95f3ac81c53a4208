import { XMLParser } from 'fast-xml-parser';
import type { SmiGpuRow } from './parse-query-gpu.js';
import { smiFlag, smiNumber, smiText } from './parse-values.js';

/** What `nvidia-smi -q -x` adds to the CSV query: the same readings, and the reset status. */
export interface SmiXmlGpu extends Partial<SmiGpuRow> {
  /** gpu_reset_status (schema v12): the driver asks for a reset, or a drain and reset. */
  resetRequired?: boolean;
  drainAndResetRecommended?: boolean;
  migDevices: { index: number; memoryMib?: number }[];
}

export interface SmiXml {
  /** From the DOCTYPE: nvsmi_device_v12.dtd -> 12. */
  schemaVersion?: number;
  driverVersion?: string;
  gpus: SmiXmlGpu[];
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Keep every value a string: "N/A" and units are ours to interpret.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'gpu' || name === 'mig_device',
});

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const child = (node: unknown, name: string): Node | undefined => {
  const v = (node as Node | undefined)?.[name];
  return v && typeof v === 'object' ? (v as Node) : undefined;
};

/**
 * Parses `nvidia-smi -q -x`. Power readings moved between schema versions: v11
 * `power_readings/{power_draw, power_limit, enforced_power_limit}`, v12
 * `gpu_power_readings/{power_draw, current_power_limit, requested_power_limit}`, v13
 * `gpu_power_readings/{average_power_draw, instant_power_draw, …}`. We look for each
 * reading under every name rather than trusting the version alone.
 */
export function parseSmiXml(xml: string): SmiXml {
  const doc = parser.parse(xml) as Node;
  const log = child(doc, 'nvidia_smi_log');
  if (!log) throw new Error('not nvidia-smi -q -x output: no <nvidia_smi_log>');
  const version = /nvsmi_device_v(\d+)\.dtd/.exec(xml.slice(0, 500))?.[1];
  const gpus = ((log.gpu as Node[] | undefined) ?? []).map(parseGpu);
  return {
    ...(version ? { schemaVersion: Number(version) } : {}),
    ...(smiText(text(log.driver_version)) ? { driverVersion: smiText(text(log.driver_version))! } : {}),
    gpus,
  };
}

function parseGpu(gpu: Node): SmiXmlGpu {
  const power = child(gpu, 'gpu_power_readings') ?? child(gpu, 'power_readings');
  const p = (...names: string[]) => {
    for (const name of names) {
      const n = smiNumber(text(power?.[name]));
      if (n !== undefined) return n;
    }
    return undefined;
  };
  const remapped = child(gpu, 'remapped_rows');
  const reset = child(gpu, 'gpu_reset_status');
  const retired = child(gpu, 'retired_pages');
  const fields: Partial<SmiXmlGpu> = {
    uuid: smiText(text(gpu.uuid)),
    model: smiText(text(gpu.product_name)),
    busId: smiText(text(gpu['@id'])),
    memoryTotalMib: smiNumber(text(child(gpu, 'fb_memory_usage')?.total)),
    memoryUsedMib: smiNumber(text(child(gpu, 'fb_memory_usage')?.used)),
    utilizationPct: smiNumber(text(child(gpu, 'utilization')?.gpu_util)),
    // v13's average matches CSV power.draw on current drivers; instant is the fallback.
    powerDrawW: p('power_draw', 'average_power_draw', 'instant_power_draw'),
    requestedLimitW: p('requested_power_limit', 'power_limit'),
    enforcedLimitW: p('current_power_limit', 'enforced_power_limit'),
    defaultLimitW: p('default_power_limit'),
    minLimitW: p('min_power_limit'),
    maxLimitW: p('max_power_limit'),
    temperatureC: smiNumber(text(child(gpu, 'temperature')?.gpu_temp)),
    memoryTemperatureC: smiNumber(text(child(gpu, 'temperature')?.memory_temp)),
    migEnabled: smiFlag(text(child(gpu, 'mig_mode')?.current_mig)),
    remappedRowsPending: smiFlag(text(remapped?.remapped_row_pending)),
    remappedRowsFailure: smiFlag(text(remapped?.remapped_row_failure)),
    retiredPagesPending: smiFlag(text(retired?.pending_retirement)),
    recoveryAction: smiText(text(gpu.gpu_recovery_action)),
    resetRequired: smiFlag(text(reset?.reset_required)),
    drainAndResetRecommended: smiFlag(text(reset?.drain_and_reset_recommended)),
  };
  const migDevices = ((child(gpu, 'mig_devices')?.mig_device as Node[] | undefined) ?? []).map((d) => {
    const memoryMib = smiNumber(text(child(d, 'fb_memory_usage')?.total));
    return { index: smiNumber(text(d.index)) ?? -1, ...(memoryMib !== undefined ? { memoryMib } : {}) };
  });
  return { ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<SmiXmlGpu>), migDevices };
}
