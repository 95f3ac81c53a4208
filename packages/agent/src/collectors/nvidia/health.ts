import type { Health } from '@wattpack/common';
import type { SmiGpuRow } from './parse-query-gpu.js';
import { pciKey } from './parse-values.js';
import type { SmiXmlGpu } from './parse-xml.js';

export interface XidEvent {
  /** pciKey() of the GPU: "0000:3b:00". */
  pci: string;
  xid: number;
  /** The rest of the kernel's line, e.g. "pid=1234, GPU has fallen off the bus." */
  detail: string;
}

/**
 * XIDs after which NVIDIA's catalogue says the GPU needs a reset or service
 * (48 DBE ECC, 64 ECC page retirement or row remap failure, 74 NVLink, 79 fallen off
 * the bus, 95 uncontained ECC, 119/120 GSP, 140 unrecovered ECC).
 */
export const FATAL_XIDS: ReadonlySet<number> = new Set([48, 64, 74, 79, 95, 119, 120, 140]);

/** `NVRM: Xid (PCI:0000:3b:00): 79, pid=…, GPU has fallen off the bus.` from a kernel log line, if it is one. */
export function parseXid(line: string): XidEvent | undefined {
  const m = /NVRM: Xid \(PCI:([0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2})(?:\.[0-7])?\): (\d+),?\s*(.*)$/.exec(line);
  const pci = m && pciKey(m[1]!);
  return pci ? { pci, xid: Number(m[2]), detail: m[3]!.trim() } : undefined;
}

export interface HealthVerdict {
  health: Health;
  reason: string;
}

/**
 * One GPU's health from everything we know about it. FAILED (the scheduler places
 * nothing there) when NVIDIA says it needs a reset or service, or when the agent
 * cannot control its power; DEGRADED for errors that do not need one yet.
 * `conditions` are the agent's own findings (nvidia-smi failures, power control).
 */
export function gpuHealth(row: Partial<SmiGpuRow> & Partial<SmiXmlGpu>, xids: readonly XidEvent[], conditions: readonly string[] = []): HealthVerdict {
  const failed: string[] = [...conditions];
  const degraded: string[] = [];
  const pci = row.busId ? pciKey(row.busId) : undefined;
  const fatal = new Map<number, XidEvent>();
  for (const e of xids) if (e.pci === pci && FATAL_XIDS.has(e.xid)) fatal.set(e.xid, e);
  for (const e of fatal.values()) failed.push(`XID ${e.xid}${e.detail ? ` (${e.detail})` : ''}: needs a GPU reset or service`);
  if (row.remappedRowsPending) failed.push('row remapping pending: reset the GPU');
  if (row.remappedRowsFailure) failed.push('row remapping failed: the GPU needs service');
  if (row.retiredPagesPending) failed.push('page retirement pending: reset the GPU');
  if (row.recoveryAction && row.recoveryAction !== 'None') failed.push(`recovery action "${row.recoveryAction}" required`);
  if (row.resetRequired) failed.push('driver reports a reset is required');
  if (row.drainAndResetRecommended) failed.push('driver recommends drain and reset');
  if (row.eccUncorrectedVolatile) degraded.push(`${row.eccUncorrectedVolatile} uncorrected ECC errors since the driver loaded`);
  if (failed.length) return { health: 'HEALTH_FAILED', reason: failed.join('; ') };
  if (degraded.length) return { health: 'HEALTH_DEGRADED', reason: degraded.join('; ') };
  return { health: 'HEALTH_OK', reason: '' };
}
