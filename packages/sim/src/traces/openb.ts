import { gpuModelOf } from '@wattpack/common/core';
import type { Trace, TraceJob } from './types.js';
import { NO_MODELS } from './types.js';
import { column, countDrop, num, parseCsv } from './csv.js';

/**
 * Alibaba openb 2023 task lists (packages/sim/data/traces/alibaba-openb-2023/openb_pod_list_*.csv).
 * - submit: `creation_time` (s);
 * - duration: `deletion_time − scheduled_time`, or `deletion_time − creation_time` for a
 *   task never scheduled (pod_phase Pending: its time in the system). Tasks still
 *   running were cut at the trace end by the recorders, and stay cut;
 * - GPUs: `num_gpu`; a shared-GPU task (`gpu_milli` < 1000 with one GPU) counts as one
 *   whole GPU, since wattpack does not share GPUs between jobs; CPU-only tasks
 *   (`num_gpu` 0) are dropped;
 * - team: `qos` (LS, BE, Burstable, Guaranteed): the trace has no user or team, and the
 *   service class is the one grouping it has;
 * - models: `gpu_spec` names the fleet's models (T4, P100, V100M16, A10, G2, G3...).
 *   Names that map onto the wattpack catalog are kept; the others are dropped, and a job
 *   left with none accepts any GPU (openb's models are not on our H100/H200 sites).
 */
export function parseOpenb(text: string, source = 'openb_pod_list_default.csv'): Trace {
  const table = parseCsv(text, source);
  const col = (c: string) => column(table, c, source);
  const [numGpu, spec, qos, created, deleted, scheduled] = [
    col('num_gpu'),
    col('gpu_spec'),
    col('qos'),
    col('creation_time'),
    col('deletion_time'),
    col('scheduled_time'),
  ];
  const jobs: TraceJob[] = [];
  const dropped: Record<string, number> = {};
  for (const row of table.rows) {
    const gpus = num(row[numGpu!]);
    const submitS = num(row[created!]);
    const endS = num(row[deleted!]);
    if (gpus === undefined || submitS === undefined || endS === undefined) {
      countDrop(dropped, 'malformed row');
      continue;
    }
    if (gpus <= 0) {
      countDrop(dropped, 'CPU-only task');
      continue;
    }
    const startS = num(row[scheduled!]) ?? submitS;
    const durationS = endS - startS;
    if (durationS < 0) {
      countDrop(dropped, 'negative duration');
      continue;
    }
    jobs.push({ submitS, durationS, gpus: Math.ceil(gpus), team: row[qos!] || 'default', gpuModels: mapModels(row[spec!]) });
  }
  return { name: 'openb', source, jobs, dropped };
}

const specCache = new Map<string, readonly string[]>();

/** "V100M16|V100M32" -> catalog names it maps onto (none, for openb's fleet). */
export function mapModels(spec: string | undefined): readonly string[] {
  if (!spec) return NO_MODELS;
  let models = specCache.get(spec);
  if (!models) {
    const names = spec.split('|').flatMap((s) => {
      const m = gpuModelOf(s.trim());
      return m ? [m.name] : [];
    });
    models = names.length ? Object.freeze([...new Set(names)]) : NO_MODELS;
    specCache.set(spec, models);
  }
  return models;
}
