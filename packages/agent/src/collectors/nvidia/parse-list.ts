export interface MigDevice {
  /** "3g.40gb", "1c.3g.71gb". */
  profile: string;
  index: number;
  uuid: string;
}

export interface ListedGpu {
  index: number;
  model: string;
  uuid: string;
  /** MIG children, listed indented under their GPU. */
  mig: MigDevice[];
}

/**
 * Parses `nvidia-smi -L`:
 *   GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)
 *     MIG 3g.40gb     Device  0: (UUID: MIG-…)
 */
export function parseGpuList(stdout: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  for (const line of stdout.split('\n')) {
    const gpu = /^GPU (\d+): (.+?) \(UUID: ([^)]+)\)/.exec(line.trim());
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), model: gpu[2]!, uuid: gpu[3]!, mig: [] });
      continue;
    }
    const mig = /^MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)/.exec(line.trim());
    if (mig && gpus.length) gpus.at(-1)!.mig.push({ profile: mig[1]!, index: Number(mig[2]), uuid: mig[3]! });
  }
  return gpus;
}
