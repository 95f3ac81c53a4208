import { cpus, hostname, loadavg, totalmem, freemem, type as osType, release } from 'node:os';
import si from 'systeminformation';
import type { HostInfo, NodeReport } from '@wattpack/shared';

const MIB = 1024 * 1024;

/** The machine the agent runs on; host power is not measurable here, so the caller supplies it. */
export async function hostInfo(power: Pick<HostInfo, 'idlePowerW' | 'busyPowerW'>): Promise<HostInfo> {
  return {
    hostname: hostname(),
    cpuCores: cpus().length,
    memoryMib: Math.round(totalmem() / MIB),
    os: await osName(),
    ...power,
  };
}

/** Cheap enough for every report: no subprocesses, only what the kernel already keeps. */
export function hostState(): NonNullable<NodeReport['host']> {
  const cores = cpus().length || 1;
  return {
    cpuLoadPct: Math.min(100, Math.round((loadavg()[0]! / cores) * 1000) / 10),
    memoryUsedMib: Math.round((totalmem() - freemem()) / MIB),
  };
}

/** "Debian GNU/Linux 12 (kernel 6.1.0)"; falls back to the kernel name when the distro is unknown. */
async function osName(): Promise<string> {
  try {
    const os = await si.osInfo();
    if (os.distro) return `${os.distro}${os.release ? ` ${os.release}` : ''} (kernel ${os.kernel})`;
  } catch {
    // systeminformation reads files and runs helpers; none of them is essential.
  }
  return `${osType()} ${release()}`;
}
