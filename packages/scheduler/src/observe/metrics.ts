import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { isTerminal, type Job, type NodeReport } from '@wattpack/common/daemon';
import { budgetW, facilityOf } from '../core/watts.js';
import type { PassRecord } from '../loop/cycle.js';
import type { RegistrationResult } from '../loop/reports.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { JobWatch, JobWatchListener } from './job-watch.js';

const NODE_STATES = ['ready', 'not_ready', 'cordoned', 'draining', 'drained'] as const;
/** Power saving's states (NodePowerState): a node without one is on. */
const POWER_STATES = ['on', 'suspending', 'off', 'resuming', 'down'] as const;
const SOURCES = ['gpus', 'hosts', 'miners'] as const;
type Labels = Record<string, string>;
/** How a gauge's fill writes its samples (the site label is added for it). */
interface GaugeOut {
  set(labels: Labels, value: number): void;
  inc(labels: Labels): void;
}
/** Admission waits run from seconds to days. */
const WAIT_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400];

/**
 * The scheduler's Prometheus series (docs/observability.md lists them). Gauges are read
 * from the live scheduler at each scrape; counters and histograms follow its passes and
 * its jobs' transitions. Names follow kube-scheduler and Kueue where one fits. Labels are
 * bounded: teams, reasons and node states, never job ids.
 */
export class SchedulerMetrics {
  private scheduler: Scheduler | undefined;
  private watch: JobWatch | undefined;
  /** When each pending job (re)joined the queue: where its admission wait starts. */
  private readonly queuedAt = new Map<string, number>();
  private readonly passDuration: Histogram;
  private readonly reportLag: Histogram;
  private readonly attempts: Counter;
  private readonly preemptions: Counter;
  private readonly admissionWait: Histogram;
  private readonly finished: Counter;
  private readonly energy: Counter;
  private readonly registrations: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.registerGauges(registers);
    this.passDuration = new Histogram({
      name: 'wattpack_scheduling_pass_duration_seconds',
      help: 'One packing pass: snapshot, plan, commit, dispatch (kube-scheduler: scheduling_algorithm_duration_seconds).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.reportLag = new Histogram({
      name: 'wattpack_node_report_lag_seconds',
      help: "From an agent sampling its report to the scheduler applying it (the serial queue's wait included): how far behind the scheduler's view of the site runs.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.attempts = new Counter({ name: 'wattpack_schedule_attempts_total', help: 'Jobs a pass tried to place, by result: scheduled or unschedulable (kube-scheduler: schedule_attempts_total).', labelNames: ['result'], registers });
    this.preemptions = new Counter({ name: 'wattpack_preemptions_total', help: 'Running jobs preempted by the planner, by reason: priority, fair-share, shed (a lower cap).', labelNames: ['reason'], registers });
    this.admissionWait = new Histogram({
      name: 'wattpack_admission_wait_time_seconds',
      help: 'From joining the queue (submit or requeue) to placement, by team (Kueue: admission_wait_time_seconds).',
      labelNames: ['team'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.finished = new Counter({ name: 'wattpack_jobs_finished_total', help: 'Jobs ended, by team and final state.', labelNames: ['team', 'state'], registers });
    this.energy = new Counter({ name: 'wattpack_team_gpu_energy_joules_total', help: "Energy the team's jobs' GPUs drew, integrated from agents' measurements, J.", labelNames: ['team'], registers });
    this.registrations = new Counter({
      name: 'wattpack_node_registrations_total',
      help: 'Agent registrations, by result: stored, unchanged (the store held the node as it registered: no write), or abandoned (its agent gave up before it was applied). After a restart, stored + unchanged should reach the node count once; more is agents retrying.',
      labelNames: ['result'],
      registers,
    });
  }

  /** The gauges, read from the scheduler that leads at each scrape. */
  private registerGauges(registers: Registry[]): void {
    const current = () => this.scheduler;
    const why = (jobId: string) => this.watch?.pendingReason(jobId) ?? 'queued';
    // Every gauge carries the site's name: a Prometheus may scrape several sites, and a
    // gauge with labels goes empty on a standby (an unlabelled one would read 0).
    const gauge = (name: string, help: string, labelNames: string[], fill: (out: GaugeOut, s: Scheduler) => void) =>
      new Gauge({
        name,
        help,
        labelNames: ['site', ...labelNames],
        registers,
        collect(this: Gauge) {
          this.reset();
          const scheduler = current();
          if (!scheduler) return;
          const site = scheduler.siteConfig().name;
          fill({ set: (labels, value) => this.set({ site, ...labels }, value), inc: (labels) => this.inc({ site, ...labels }) }, scheduler);
        },
      });
    gauge('wattpack_site_cap_watts', 'The configured facility power cap, W.', [], (g, s) => g.set({}, s.siteConfig().capMw * 1e6));
    gauge('wattpack_site_effective_cap_watts', 'The cap planned against now (lowered by a grid event or its lead), W.', [], (g, s) => g.set({}, s.effectiveCapW()));
    gauge('wattpack_site_reserve_watts', 'Watts kept free under the effective cap (reserve fraction × cap).', [], (g, s) => g.set({}, s.effectiveCapW() * s.siteConfig().reserveFraction));
    gauge('wattpack_site_allocated_watts', 'Facility watts allocated against the cap (PUE included), by source.', ['source'], (g, s) => {
      const { allocated } = s.siteWatts();
      const pue = s.siteConfig().pue;
      for (const src of SOURCES) g.set({ source: src }, facilityOf(pue, allocated[`${src}W`]));
    });
    gauge('wattpack_site_measured_watts', 'Facility watts as agents measured them (PUE included), by source; hosts count as allocated.', ['source'], (g, s) => {
      const { measured } = s.siteWatts();
      const pue = s.siteConfig().pue;
      for (const src of SOURCES) g.set({ source: src }, facilityOf(pue, measured[`${src}W`]));
    });
    gauge('wattpack_site_headroom_watts', 'Facility watts still free to allocate: cap minus reserve minus allocated.', [], (g, s) => {
      const snapshot = s.snapshot();
      g.set({}, budgetW(snapshot) - s.siteWatts(snapshot).allocated.facilityW);
    });
    gauge('wattpack_site_grid_event_active', '1 while a grid event (a lower cap) is in force, else 0.', [], (g, s) => g.set({}, s.gridEventInForce() ? 1 : 0));
    gauge('wattpack_pending_jobs', 'Jobs waiting, by team and why (gpus, power, never, queued).', ['team', 'reason'], (g, s) => {
      for (const job of s.listJobs({ states: ['PENDING'] })) g.inc({ team: job.spec.team, reason: why(job.id) });
    });
    gauge('wattpack_running_jobs', 'Jobs starting or running, by team.', ['team'], (g, s) => {
      for (const job of s.listJobs({ states: ['STARTING', 'RUNNING'] })) g.inc({ team: job.spec.team });
    });
    gauge('wattpack_nodes', 'Nodes by state: ready, not_ready, cordoned, draining, drained.', ['state'], (g, s) => {
      for (const state of NODE_STATES) g.set({ state }, 0);
      for (const { record } of s.listNodes()) g.inc({ state: record.drain ? record.drain.state.toLowerCase() : record.status.toLowerCase() });
    });
    gauge('wattpack_nodes_power', "Nodes by power saving's state: on, suspending, off, resuming, down.", ['state'], (g, s) => {
      for (const state of POWER_STATES) g.set({ state }, 0);
      for (const { record } of s.listNodes()) g.inc({ state: record.power?.state ?? 'on' });
    });
    gauge('wattpack_drains_in_progress', 'Nodes cordoned or draining: not yet drained.', [], (g, s) => {
      g.set({}, s.listNodes().filter(({ record }) => record.drain && record.drain.state !== 'DRAINED').length);
    });
    gauge('wattpack_drain_deadline_timestamp_seconds', 'When each draining node must be empty (Unix seconds).', ['node'], (g, s) => {
      for (const { record } of s.listNodes()) {
        if (record.drain?.deadlineAt !== undefined && record.drain.state !== 'DRAINED') g.set({ node: record.id }, record.drain.deadlineAt / 1000);
      }
    });
  }

  /** Reads this scheduler and listens to its watch while it leads; nothing while standby (site gauges go empty). */
  attach(lead: { scheduler: Scheduler; watch: JobWatch } | undefined): void {
    this.scheduler = lead?.scheduler;
    this.watch = lead?.watch;
    lead?.watch.listen(this.listener);
  }

  /** What the job watch feeds: passes, admission waits, finished jobs, energy per team. */
  private readonly listener: JobWatchListener = {
    pass: (record: PassRecord) => {
      this.passDuration.observe(record.seconds);
      this.attempts.inc({ result: 'scheduled' }, record.placed.length);
      this.attempts.inc({ result: 'unschedulable' }, record.waiting.length);
      for (const p of record.preemptions) this.preemptions.inc({ reason: p.code });
    },
    transition: (before: Job | undefined, job: Job) => {
      if (job.state === 'PENDING') this.queuedAt.set(job.id, before ? Date.now() : job.submittedAt);
      else if (job.state === 'STARTING') {
        const since = this.queuedAt.get(job.id) ?? job.submittedAt;
        this.admissionWait.observe({ team: job.spec.team }, Math.max(0, Date.now() - since) / 1000);
        this.queuedAt.delete(job.id);
      }
      if (isTerminal(job.state)) {
        this.queuedAt.delete(job.id);
        this.finished.inc({ team: job.spec.team, state: job.state.toLowerCase() });
      }
    },
    energy: (job: Job, joules: number) => this.energy.inc({ team: job.spec.team }, joules),
    // Agent and scheduler share no clock on a real site: a skew shows as lag, never below 0.
    report: (_nodeId: string, report: NodeReport) => this.reportLag.observe(Math.max(0, Date.now() - report.timestampMs) / 1000),
    registration: (_nodeId: string, result: RegistrationResult) => this.registrations.inc({ result }),
  };
}
