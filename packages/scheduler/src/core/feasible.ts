/**
 * Whether a job could ever run on a site's hardware, whatever else runs: what a submit is
 * refused for (a typo should not wait forever). Pure: the caller passes the GPUs it knows.
 */

/** A node's GPUs: how many of each model (catalog names). */
export type NodeGpus = ReadonlyMap<string, number>;

/** GPUs of each model among `models` (catalog names), as `NodeGpus`. */
export function countGpus(models: Iterable<string>): Map<string, number> {
  const byModel = new Map<string, number>();
  for (const m of models) byModel.set(m, (byModel.get(m) ?? 0) + 1);
  return byModel;
}

/**
 * Why no set of the site's nodes could ever hold `nodes` nodes of `gpus` GPUs each, all of
 * one of `models` (empty: any model the site has), in the words the API refuses the submit
 * with; undefined when they could, or when the site has no GPU yet to compare with.
 */
export function infeasible(counts: readonly NodeGpus[], gpus: number, nodes: number, models: readonly string[]): string | undefined {
  if (!counts.some((c) => c.size > 0)) return undefined;
  const siteModels = [...new Set(counts.flatMap((c) => [...c.keys()]))];
  const accepted = models.length ? models : siteModels;
  if (!accepted.some((m) => siteModels.includes(m))) {
    return `invalid job spec: gpuModels: no node of this site has ${models.join('|')} GPUs (it has ${siteModels.join(', ')})`;
  }
  const largest = Math.max(...counts.map((c) => Math.max(0, ...accepted.map((m) => c.get(m) ?? 0))));
  if (gpus > largest) return `invalid job spec: gpus: ${gpus} per node requested, but the largest node has ${largest} ${accepted.join('|')}`;
  // A gang runs on one model (as the core places it): count the capable nodes model by model.
  const capable = Math.max(...accepted.map((m) => counts.filter((c) => (c.get(m) ?? 0) >= gpus).length));
  if (nodes > capable) return `invalid job spec: nodes: ${nodes} nodes with ${gpus} GPUs requested, but the site has ${capable} with one GPU model (a gang runs on one)`;
  return undefined;
}
