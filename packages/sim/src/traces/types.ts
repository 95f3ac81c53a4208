/** One job of a trace, as recorded: what the simulator replays. */
export interface TraceJob {
  /** Submit time, s (any origin: the simulator starts its clock at the first submit). */
  submitS: number;
  /** Run time at full power, s: the work the job must do. */
  durationS: number;
  /** GPUs in total (the simulator splits large jobs into gangs of whole nodes). */
  gpus: number;
  team: string;
  /** Accepted GPU models in catalog names; empty accepts any. */
  gpuModels: readonly string[];
}

export interface Trace {
  /** A short name for reports: "philly", "openb" or the file name. */
  name: string;
  /** Where it came from. */
  source: string;
  jobs: TraceJob[];
  /** Rows left out, and why (CPU-only tasks, malformed rows). */
  dropped: Record<string, number>;
}

export const NO_MODELS: readonly string[] = Object.freeze([]);
