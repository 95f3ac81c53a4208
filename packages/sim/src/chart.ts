import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SeriesPoint } from './series.js';

/**
 * The run's chart, drawn with Vega-Lite and rendered to SVG headless by Vega: facility MW
 * over time stacked GPU servers (GPUs and hosts, PUE included) and miners, the cap as a
 * line, and the queue length in a second panel on the same time axis.
 */
export async function chartSvg(points: readonly SeriesPoint[], title: string): Promise<string> {
  const spanS = points.length ? points[points.length - 1]!.tS : 0;
  const [unit, perS] = spanS > 3 * 86400 ? ['days', 86400] : ['hours', 3600];
  const x = { field: 't', type: 'quantitative' as const, title: `time (${unit})`, scale: { nice: false } };
  const power = points.flatMap((p) => [
    { t: p.tS / perS, load: 'GPU servers', mw: p.gpuServersMw },
    { t: p.tS / perS, load: 'miners', mw: p.minersMw },
  ]);
  const caps = points.map((p) => ({ t: p.tS / perS, cap: p.capMw }));
  const queue = points.map((p) => ({ t: p.tS / perS, queued: p.queued }));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'sans-serif', view: { stroke: null } },
    vconcat: [
      {
        width: 900,
        height: 300,
        layer: [
          {
            data: { values: power },
            mark: { type: 'area', interpolate: 'step-after' },
            encoding: {
              x,
              y: { field: 'mw', type: 'quantitative', stack: 'zero', title: 'facility MW' },
              color: { field: 'load', type: 'nominal', title: null, scale: { domain: ['GPU servers', 'miners', 'cap'], range: ['#4c78a8', '#f58518', '#d62728'] } },
              order: { field: 'load', sort: 'ascending' },
            },
          },
          {
            data: { values: caps },
            mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
            encoding: { x, y: { field: 'cap', type: 'quantitative' }, color: { datum: 'cap' } },
          },
        ],
      },
      {
        width: 900,
        height: 120,
        data: { values: queue },
        mark: { type: 'area', interpolate: 'step-after', color: '#54a24b', opacity: 0.8 },
        encoding: { x, y: { field: 'queued', type: 'quantitative', title: 'jobs queued' } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
