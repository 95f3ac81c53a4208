import { readFile } from 'node:fs/promises';
import { WattpackError } from '@wattpack/common/core';
import type { VtnSimulator } from '@wattpack/scheduler';
import { splitHostPort } from './meter.js';

export interface DevVtnOptions {
  /** host:port to serve the VTN's REST API on. */
  listen: string;
  /** The bearer token VENs must present, read from this file (the one the site's openadr.tokenFile names). */
  tokenFile: string;
  /** The event: an import capacity limit (MW) from `inS` seconds from now, for `forS` seconds. */
  limitMw: number;
  inS: number;
  forS: number;
}

/**
 * A utility's VTN for a dev site (docs/grid.md): program "capacity" with one
 * IMPORT_CAPACITY_LIMIT event; each report a VEN posts goes to `print`.
 */
export async function startDevVtn(o: DevVtnOptions, print: (line: string) => void): Promise<VtnSimulator> {
  const { host, port } = splitHostPort(o.listen, '--listen');
  const token = (await readFile(o.tokenFile, 'utf8').catch((err: Error) => {
    throw new WattpackError('INVALID_ARGUMENT', `--token-file: cannot read ${o.tokenFile}: ${err.message}`);
  })).trim();
  if (!token) throw new WattpackError('INVALID_ARGUMENT', `--token-file: ${o.tokenFile} is empty`);
  // Loaded when used: the scheduler package would slow every CLI start.
  const { startVtnSimulator } = await import('@wattpack/scheduler');
  const vtn = await startVtnSimulator({
    token,
    host,
    port,
    onReport: (r) => print(`report from ${String(r.clientName)} for ${String(r.eventID)}: ${JSON.stringify(r.resources)}`),
  });
  vtn.events.push({
    id: 'dev-1',
    objectType: 'EVENT',
    programID: 'p-1',
    eventName: 'dev capacity limit',
    payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
    intervalPeriod: { start: new Date(Date.now() + o.inS * 1000).toISOString(), duration: `PT${o.forS}S` },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [o.limitMw * 1000] }] }],
  });
  print(`VTN at ${vtn.url}: program capacity, event dev-1: ${o.limitMw} MW in ${o.inS}s for ${o.forS}s`);
  return vtn;
}
