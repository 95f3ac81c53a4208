import { clockEventReasons, smiFlag, smiNumber, smiText } from './parse-values.js';

/** One GPU as `nvidia-smi --query-gpu` describes it; absent fields are unknown. */
export interface SmiGpuRow {
  index: number;
  uuid: string;
  model?: string;
  busId?: string;
  memoryTotalMib?: number;
  memoryUsedMib?: number;
  utilizationPct?: number;
  powerDrawW?: number;
  /** power.limit: what was asked for. */
  requestedLimitW?: number;
  /** enforced.power.limit: what the hardware applies; may be lower than requested. */
  enforcedLimitW?: number;
  defaultLimitW?: number;
  minLimitW?: number;
  maxLimitW?: number;
  temperatureC?: number;
  memoryTemperatureC?: number;
  smClockMhz?: number;
  maxSmClockMhz?: number;
  memoryClockMhz?: number;
  eccUncorrectedVolatile?: number;
  migEnabled?: boolean;
  clockEventReasons?: string[];
  remappedRowsPending?: boolean;
  remappedRowsFailure?: boolean;
  retiredPagesPending?: boolean;
  /** gpu_recovery_action: "None", "Reset", "Reboot", "Drain P2P", "Drain and Reset". */
  recoveryAction?: string;
}

type Read = (raw: string | undefined) => unknown;

/**
 * What we ask for, by the names every driver since the 470 series accepts
 * (`clocks_throttle_reasons.active` rather than its newer alias). A driver that does
 * not know one fails the whole query; the collector then drops it and asks again.
 */
export const QUERY_FIELDS = {
  index: ['index', smiNumber],
  uuid: ['uuid', smiText],
  model: ['name', smiText],
  busId: ['pci.bus_id', smiText],
  memoryTotalMib: ['memory.total', smiNumber],
  memoryUsedMib: ['memory.used', smiNumber],
  utilizationPct: ['utilization.gpu', smiNumber],
  powerDrawW: ['power.draw', smiNumber],
  requestedLimitW: ['power.limit', smiNumber],
  enforcedLimitW: ['enforced.power.limit', smiNumber],
  defaultLimitW: ['power.default_limit', smiNumber],
  minLimitW: ['power.min_limit', smiNumber],
  maxLimitW: ['power.max_limit', smiNumber],
  temperatureC: ['temperature.gpu', smiNumber],
  memoryTemperatureC: ['temperature.memory', smiNumber],
  smClockMhz: ['clocks.sm', smiNumber],
  maxSmClockMhz: ['clocks.max.sm', smiNumber],
  memoryClockMhz: ['clocks.mem', smiNumber],
  eccUncorrectedVolatile: ['ecc.errors.uncorrected.volatile.total', smiNumber],
  migEnabled: ['mig.mode.current', smiFlag],
  clockEventReasons: ['clocks_throttle_reasons.active', clockEventReasons],
  remappedRowsPending: ['remapped_rows.pending', smiFlag],
  remappedRowsFailure: ['remapped_rows.failure', smiFlag],
  retiredPagesPending: ['retired_pages.pending', smiFlag],
  recoveryAction: ['gpu_recovery_action', smiText],
} as const satisfies Record<keyof SmiGpuRow, readonly [string, Read]>;

export type QueryKey = keyof typeof QUERY_FIELDS;
export const ALL_QUERY_KEYS = Object.keys(QUERY_FIELDS) as QueryKey[];

export const queryArgs = (keys: readonly QueryKey[]) => [`--query-gpu=${keys.map((k) => QUERY_FIELDS[k][0]).join(',')}`, '--format=csv,noheader,nounits'];

export interface QueryResult {
  rows: SmiGpuRow[];
  /** Lines that are not rows: "Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error" and the like. */
  errors: string[];
}

/**
 * Parses `--format=csv,noheader,nounits` output of a query for `keys`, in that order.
 * Values are separated by ", "; a line with another number of values, or without an
 * index and uuid, is reported in `errors` rather than guessed at.
 */
export function parseQueryGpu(stdout: string, keys: readonly QueryKey[]): QueryResult {
  const rows: SmiGpuRow[] = [];
  const errors: string[] = [];
  for (const line of stdout.split('\n').map((l) => l.trimEnd())) {
    if (!line.trim()) continue;
    const cells = line.split(', ');
    if (cells.length !== keys.length) {
      errors.push(line.trim());
      continue;
    }
    const row: Record<string, unknown> = {};
    keys.forEach((key, i) => {
      const value = QUERY_FIELDS[key][1](cells[i]);
      if (value !== undefined) row[key] = value;
    });
    if (typeof row.index !== 'number' || typeof row.uuid !== 'string') {
      errors.push(line.trim());
      continue;
    }
    rows.push(row as unknown as SmiGpuRow);
  }
  return { rows, errors };
}

/** The field a driver refused (`Field "x" is not a valid field to query.`), if that is what `output` says. */
export function unknownField(output: string): string | undefined {
  return /Field "([^"]+)" is not a valid field to query/.exec(output)?.[1];
}

/** "Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error" -> the bus id and the error. */
export function deviceHandleError(line: string): { busId: string; error: string } | undefined {
  const m = /Unable to determine the device handle for (?:GPU\s*)?([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]):\s*(.*)$/.exec(line);
  return m ? { busId: m[1]!, error: m[2]!.trim() || 'unknown error' } : undefined;
}
