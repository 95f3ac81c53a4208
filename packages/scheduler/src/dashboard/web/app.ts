import uPlot from 'uplot';
import './app.css';

/**
 * The dashboard's one page: routes by path (/, /queue, /nodes, /drains, /jobs/<id>),
 * reads the scheduler's /api/* (the same figures as the gRPC API) and draws with uPlot.
 * Text only through textContent: job names and reasons are user input.
 */

type Json = Record<string, any>;
const main = document.getElementById('main')!;
const MW = (w: number) => (w / 1e6).toFixed(3);
const kW = (w: number) => (w / 1e3).toFixed(1);
const time = (ms: number) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-');

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function table(id: string, head: string[], rows: (string | Node)[][], rowIds: string[] = []): HTMLElement {
  return el(
    'table',
    { id },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((r, i) => el('tr', rowIds[i] ? { 'data-id': rowIds[i]! } : {}, ...r.map((c) => el('td', {}, c))))),
  );
}

const figure = (id: string, label: string, value: string) => el('div', { class: 'figure' }, label, el('b', { id }, value));

async function get(path: string): Promise<Json> {
  const res = await fetch(path, { credentials: 'same-origin' });
  const body = (await res.json()) as Json;
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Stacked areas: each series drawn as the sum of itself and those below it. */
function stacked(target: HTMLElement, unit: string, x: number[], layers: { label: string; color: string; values: number[] }[], lines: { label: string; color: string; values: number[] }[], marks: number[] = []) {
  const sums = layers.map(() => new Array<number>(x.length).fill(0));
  layers.forEach((l, i) => l.values.forEach((v, j) => (sums[i]![j] = v + (i ? sums[i - 1]![j]! : 0))));
  const shade: uPlot.Plugin = {
    hooks: {
      drawClear: (u) => {
        // Grid events in force: shaded columns behind the series.
        const { ctx } = u;
        ctx.save();
        ctx.fillStyle = 'rgba(220, 60, 60, 0.12)';
        marks.forEach((m, j) => {
          if (!m) return;
          const x0 = u.valToPos(x[j]!, 'x', true);
          const x1 = u.valToPos(x[Math.min(j + 1, x.length - 1)]!, 'x', true);
          ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
        });
        ctx.restore();
      },
    },
  };
  const series: uPlot.Series[] = [{}];
  for (let i = layers.length - 1; i >= 0; i--) series.push({ label: layers[i]!.label, stroke: layers[i]!.color, fill: layers[i]!.color + '99' });
  for (const l of lines) series.push({ label: l.label, stroke: l.color, width: 2, dash: [6, 4] });
  const data = [x, ...sums.slice().reverse(), ...lines.map((l) => l.values)] as uPlot.AlignedData;
  new uPlot({ width: Math.min(1100, window.innerWidth - 60), height: 320, series, plugins: [shade], axes: [{}, { label: unit }] }, data, target);
}

async function sitePage() {
  const { site, history } = await get('/api/site');
  const samples = history as Json[];
  const pue = site.pue as number;
  main.replaceChildren(
    el('h2', {}, `Site ${site.name}`),
    el(
      'div',
      { class: 'figures' },
      figure('site-cap-mw', 'Cap, MW', MW(site.capW)),
      figure('site-effective-cap-mw', 'Cap now, MW', MW(site.effectiveCapW)),
      figure('site-measured-mw', 'Measured, MW', MW(site.measured.facilityW)),
      figure('site-allocated-mw', 'Allocated, MW', MW(site.allocated.facilityW)),
      figure('site-gpus', 'GPUs allocated', `${site.gpusAllocated} / ${site.gpusTotal}`),
      figure('site-miners', 'Miners mining', String(site.minersMining)),
      figure('site-pending', 'Jobs pending', String(site.jobsPending)),
    ),
    el('h2', {}, 'Facility power, last 24 h (PUE ' + pue + '; grid events shaded)'),
    el('div', { id: 'site-chart' }),
  );
  const x = samples.map((s) => s.t / 1000);
  stacked(
    document.getElementById('site-chart')!,
    'MW',
    x,
    [
      { label: 'AI GPUs', color: '#2f6fdf', values: samples.map((s) => s.gpusW / 1e6) },
      { label: 'hosts', color: '#8c98ad', values: samples.map((s) => s.hostsW / 1e6) },
      { label: 'miners', color: '#e0962b', values: samples.map((s) => s.minersW / 1e6) },
    ],
    [{ label: 'cap', color: '#c2303a', values: samples.map((s) => s.capW / 1e6) }],
    samples.map((s) => s.gridEvent),
  );
}

async function queuePage() {
  const { jobs, reasons } = await get('/api/queue');
  const counts = new Map<string, number>();
  for (const j of jobs as Json[]) {
    const key = `${j.spec.team}\t${reasons[j.id]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const now = Date.now();
  main.replaceChildren(
    el('h2', {}, 'Queue by team and reason'),
    el('p', {}, 'gpus: waiting for free GPUs; power: for watts under the cap; never: the site as it is cannot run it; queued: not planned yet.'),
    table('queue-summary', ['team', 'reason', 'jobs'], [...counts].map(([k, n]) => [...k.split('\t'), String(n)])),
    el('h2', {}, 'Pending jobs'),
    table(
      'queue-jobs',
      ['job', 'name', 'team', 'user', 'GPUs', 'waiting', 'reason'],
      (jobs as Json[]).map((j) => [el('a', { href: `/jobs/${j.id}` }, j.id), j.spec.name, j.spec.team, j.owner, `${j.spec.nodes} × ${j.spec.gpus}`, `${Math.round((now - j.submittedAtMs) / 1000)} s`, j.reason]),
      (jobs as Json[]).map((j) => j.id),
    ),
  );
}

const nodeState = (n: Json) => (n.drain ? n.drain.state : n.status);
const measuredW = (n: Json) => (n.lastReport?.gpus ?? []).reduce((s: number, g: Json) => s + (g.powerDrawW ?? 0), 0);
const minersW = (n: Json) => (n.lastReport?.miners ?? []).reduce((s: number, m: Json) => s + (m.powerW ?? 0), 0);

async function nodesPage() {
  const { nodes } = await get('/api/nodes');
  const racks = new Map<string, Json[]>();
  for (const n of nodes as Json[]) {
    const rack = n.labels.rack ?? '(no rack)';
    racks.set(rack, [...(racks.get(rack) ?? []), n]);
  }
  main.replaceChildren(
    ...[...racks].sort(([a], [b]) => a.localeCompare(b)).flatMap(([rack, list]) => [
      el('h2', {}, `Rack ${rack}`),
      table(
        `rack-${rack}`,
        ['node', 'state', 'GPUs allocated', 'GPU limits, kW', 'GPUs drawing, kW', 'miners', 'miners drawing, kW'],
        list.map((n) => [n.id, nodeState(n), `${n.gpusAllocated} / ${n.inventory.gpus.length}`, kW(n.allocatedW), kW(measuredW(n)), String(n.inventory.miners.length), kW(minersW(n))]),
        list.map((n) => n.id),
      ),
    ]),
  );
}

async function drainsPage() {
  const { nodes } = await get('/api/nodes');
  const draining = (nodes as Json[]).filter((n) => n.drain && n.drain.state !== 'DRAINED');
  main.replaceChildren(
    el('h2', {}, 'Drains in progress'),
    draining.length
      ? table('drains', ['node', 'state', 'jobs left', 'deadline', 'by', 'reason'], draining.map((n) => [n.id, n.drain.state, String(n.drain.jobsRemaining), time(n.drain.deadlineMs), n.drain.by, n.drain.reason]), draining.map((n) => n.id))
      : el('p', { id: 'drains-none' }, 'No node is draining.'),
  );
}

async function jobPage(id: string) {
  const { job, draw } = await get(`/api/jobs/${encodeURIComponent(id)}`);
  const gpus = (job.assignments as Json[]).reduce((s, a) => s + a.gpuIndices.length, 0);
  main.replaceChildren(
    el('h2', {}, `Job ${job.id} (${job.spec.name})`),
    el(
      'div',
      { class: 'figures' },
      figure('job-state', 'State', job.state),
      figure('job-limit', 'Limit per GPU, W', String(job.powerLimitW)),
      figure('job-gpus', 'GPUs', String(gpus)),
      figure('job-team', 'Team', job.spec.team),
      figure('job-p99', 'Hottest GPU p99, W', job.power ? String(Math.round(job.power.p99W)) : '-'),
    ),
    el('h2', {}, "Draw of its GPUs against their limits, kW"),
    el('div', { id: 'job-chart' }),
    el('h2', {}, 'Power-limit history'),
    table('job-limits', ['at', 'limit, W', 'why', 'confirmed'], (job.limitHistory as Json[]).map((c) => [time(c.atMs), String(c.limitW), c.why, time(c.confirmedAtMs)])),
  );
  const samples = draw as Json[];
  stacked(
    document.getElementById('job-chart')!,
    'kW',
    samples.map((s) => s.t / 1000),
    [{ label: 'draw', color: '#2f6fdf', values: samples.map((s) => s.drawW / 1e3) }],
    [{ label: 'limit × GPUs', color: '#c2303a', values: samples.map((s) => (s.limitW * gpus) / 1e3) }],
  );
}

async function login() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  history.replaceState(null, '', '/login');
  if (!token) throw new Error('no token in the link: run "wattpack dashboard" and open the link it prints');
  const res = await fetch('/api/login', { method: 'POST', body: token, credentials: 'same-origin' });
  if (!res.ok) throw new Error(((await res.json()) as Json).error ?? `HTTP ${res.status}`);
  location.replace('/');
}

async function route() {
  const path = location.pathname;
  const job = /^\/jobs\/(.+)$/.exec(path);
  if (path === '/login') await login();
  else if (path === '/queue') await queuePage();
  else if (path === '/nodes') await nodesPage();
  else if (path === '/drains') await drainsPage();
  else if (job) await jobPage(decodeURIComponent(job[1]!));
  else await sitePage();
  document.body.dataset.loaded = path;
}

route().catch((err: Error) => {
  main.replaceChildren(el('p', { class: 'error', id: 'error' }, err.message));
  document.body.dataset.loaded = 'error';
});
