import { parseSiteFile, type SiteFile, type SiteFileInput } from './site-file.js';
import type { Trace, TraceJob } from './traces/types.js';

/** Small sites and traces for tests and examples: results that can be worked out by hand. */

/** One group of `nodes` 8-GPU H100 servers (700/200/110 W; host 1.0/2.5 kW, the site's default), no miners, a cap that never binds, jobs at full draw. */
/** The tiny site's live settings (its `site` block). */
export const TINY_SETTINGS = { capMw: 1, pue: 1.2, reserveFraction: 0.02, prices: { energyPerMwh: 50, gpuHour: 2 } };

export function tinySite(overrides: Partial<SiteFileInput> = {}, nodes = 1): SiteFile {
  return parseSiteFile({
    name: 'tiny',
    site: TINY_SETTINGS,
    nodeGroups: [{ name: 'n', count: nodes, gpusPerNode: 8, model: 'H100', maxW: 700, minW: 200, idleW: 110, rackSize: 8 }],
    workloadMix: { train: 1 },
    // Jobs draw what their shape draws at full power: results that can be worked out by hand.
    drawLevel: 1,
    ...overrides,
  });
}

export function tinyTrace(jobs: Partial<TraceJob>[], name = 'tiny'): Trace {
  return {
    name,
    source: name,
    jobs: jobs.map((j) => ({ submitS: 0, durationS: 100, gpus: 8, team: 'a', gpuModels: [], ...j })),
    dropped: {},
  };
}
