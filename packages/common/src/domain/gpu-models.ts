/**
 * GPU models wattpack knows, with their power bounds. Agents report each GPU's real
 * limits; this catalog validates job specs (an unknown model is a typo, not a wait)
 * and fills in idle draw, which nvidia-smi does not report.
 * Figures: packages/agent/hardware/README.md (typical limits) and the measured H200 idle draw.
 */
export interface GpuModel {
  name: string;
  maxW: number;
  minW: number;
  idleW: number;
}

export const GPU_MODELS: readonly GpuModel[] = [
  { name: 'H100', maxW: 700, minW: 200, idleW: 110 },
  { name: 'H200', maxW: 700, minW: 200, idleW: 110 },
  { name: 'B200', maxW: 1000, minW: 200, idleW: 140 },
  { name: 'A100', maxW: 400, minW: 100, idleW: 60 },
  { name: 'L40S', maxW: 350, minW: 100, idleW: 35 },
];

export const GPU_MODEL_NAMES = GPU_MODELS.map((m) => m.name);

/**
 * Maps a driver's product name ("NVIDIA H100 80GB HBM3", "NVIDIA H200") to a catalog
 * name, or undefined when the model is not in the catalog.
 */
export function gpuModelOf(productName: string): GpuModel | undefined {
  const upper = productName.toUpperCase();
  return GPU_MODELS.find((m) => upper === m.name || new RegExp(`\\b${m.name}\\b`).test(upper));
}

/**
 * The per-GPU limits, W, that GPUs of any of these models accept (catalog names); with no
 * models, the widest range of the whole catalog.
 */
export function powerRange(models: readonly string[]): { minW: number; maxW: number } {
  const chosen = models.length ? GPU_MODELS.filter((m) => models.includes(m.name)) : GPU_MODELS;
  const from = chosen.length ? chosen : GPU_MODELS;
  return { minW: Math.min(...from.map((m) => m.minW)), maxW: Math.max(...from.map((m) => m.maxW)) };
}
