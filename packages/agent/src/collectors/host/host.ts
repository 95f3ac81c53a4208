import { cpus, hostname, loadavg, totalmem, freemem, type as osType, release } from 'node:os';
import si, { type Systeminformation } from 'systeminformation';
import type { HostInfo, NodeReport } from '@wattpack/common';

const MIB = 1024 * 1024;

/** What systeminformation said about the machine; any part may be missing. */
export interface HostFacts {
  cpu?: Pick<Systeminformation.CpuData, 'cores' | 'manufacturer' | 'brand'>;
  mem?: Pick<Systeminformation.MemData, 'total'>;
  os?: Pick<Systeminformation.OsData, 'distro' | 'release' | 'kernel'>;
  system?: Pick<Systeminformation.SystemData, 'manufacturer' | 'model' | 'serial' | 'uuid' | 'virtual' | 'virtualHost'>;
}

/** DMI fields hold "", "-", "Default string" or "To Be Filled By O.E.M." when the vendor left them empty. */
const known = (v: string | undefined) => (v && !/^(-|default string|to be filled by o\.e\.m\.|not specified|system product name)$/i.test(v.trim()) ? v.trim() : undefined);

/**
 * The machine the agent runs on, from systeminformation (CPU, memory, OS), with the
 * kernel's own counts where it had no answer. Host power is not measurable here, so the
 * caller supplies it.
 */
export function hostInfoFrom(facts: HostFacts, power: Pick<HostInfo, 'idlePowerW' | 'busyPowerW'>): HostInfo {
  const os = facts.os?.distro ? `${facts.os.distro}${facts.os.release ? ` ${facts.os.release}` : ''} (kernel ${facts.os.kernel})` : `${osType()} ${release()}`;
  return {
    hostname: hostname(),
    cpuCores: facts.cpu?.cores || cpus().length,
    memoryMib: Math.round((facts.mem?.total || totalmem()) / MIB),
    os,
    ...power,
  };
}

/** "Supermicro SYS-821GE-TNHR, serial S123, Intel Xeon Platinum 8480+": what the machine is, for the logs. */
export function describeHost(facts: HostFacts): string {
  const s = facts.system;
  const parts = [
    [known(s?.manufacturer), known(s?.model)].filter(Boolean).join(' ') || 'unknown system',
    ...(s?.virtual ? [`virtual${known(s.virtualHost) ? ` (${known(s.virtualHost)})` : ''}`] : []),
    ...(known(s?.serial) ? [`serial ${known(s?.serial)}`] : known(s?.uuid) ? [`uuid ${known(s?.uuid)}`] : []),
    ...([known(facts.cpu?.manufacturer), known(facts.cpu?.brand)].filter(Boolean).length ? [[known(facts.cpu?.manufacturer), known(facts.cpu?.brand)].filter(Boolean).join(' ')] : []),
  ];
  return parts.join(', ');
}

let asked: Promise<HostFacts> | undefined;

/** Asks systeminformation once per process (the machine does not change); a part it cannot answer stays missing. */
export function hostFacts(): Promise<HostFacts> {
  const settle = <T>(p: Promise<T>) => p.catch(() => undefined);
  asked ??= Promise.all([settle(si.cpu()), settle(si.mem()), settle(si.osInfo()), settle(si.system())]).then(([cpu, mem, os, system]) => ({
    ...(cpu ? { cpu } : {}),
    ...(mem ? { mem } : {}),
    ...(os ? { os } : {}),
    ...(system ? { system } : {}),
  }));
  return asked;
}

export async function hostInfo(power: Pick<HostInfo, 'idlePowerW' | 'busyPowerW'>): Promise<HostInfo> {
  return hostInfoFrom(await hostFacts(), power);
}

/** Counted once: os.cpus() reads and builds an object per CPU (224 on a two-socket GPU server). */
let cores: number | undefined;

/** The kernel updates the load average every 5 s: a reading is reused this long. */
const HOST_STATE_MS = 1000;
let lastState: { at: number; state: NonNullable<NodeReport['host']> } | undefined;

/**
 * Cheap enough for every report: no subprocesses, only what the kernel already keeps; read
 * at most once a second per process, as the nodes of a hollow fleet share their host.
 */
export function hostState(): NonNullable<NodeReport['host']> {
  const now = Date.now();
  if (lastState && now - lastState.at < HOST_STATE_MS) return { ...lastState.state };
  cores ??= cpus().length || 1;
  const state = {
    cpuLoadPct: Math.min(100, Math.round((loadavg()[0]! / cores) * 1000) / 10),
    memoryUsedMib: Math.round((totalmem() - freemem()) / MIB),
  };
  lastState = { at: now, state };
  return { ...state };
}
