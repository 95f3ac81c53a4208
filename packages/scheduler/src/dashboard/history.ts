import type { Job } from '@wattpack/common/daemon';
import type { Scheduler } from '../loop/scheduler.js';
import type { JobWatchListener } from '../observe/job-watch.js';
import { facilityOf } from '../core/watts.js';

/** One sample of the site: facility watts (PUE included) as measured, and the cap then. */
export interface SiteSample {
  t: number;
  capW: number;
  gpusW: number;
  hostsW: number;
  minersW: number;
  /** 1 while a grid event was in force. */
  gridEvent: number;
}

/** One sample of a job's draw: the sum over its GPUs, and its per-GPU limit then. */
export interface DrawSample {
  t: number;
  drawW: number;
  limitW: number;
}

/** A fixed-size ring: the newest `size` items, oldest first. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(private readonly size: number) {}
  push(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }
  list(): T[] {
    return this.items.length < this.size ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export interface HistoryOptions {
  /** Seconds between site samples (default 30: 2,880 samples for 24 h). */
  siteEveryS?: number;
  /** Seconds kept (default 24 h). */
  keepS?: number;
}

/** Draw samples kept per job, and finished jobs whose series are kept. */
const JOB_SAMPLES = 720;
const JOBS_KEPT = 200;

/**
 * What the dashboard draws that no store keeps: the site's facility watts against the cap
 * over the last day, and each recent job's draw. In memory and bounded (rings), per
 * scheduler process: a new leader starts with an empty history.
 */
export class History {
  private readonly site: Ring<SiteSample>;
  private readonly jobs = new Map<string, Ring<DrawSample>>();
  private readonly lastJobSample = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly everyS: number;

  constructor(opts: HistoryOptions = {}) {
    this.everyS = opts.siteEveryS ?? 30;
    this.site = new Ring(Math.ceil((opts.keepS ?? 86_400) / this.everyS));
  }

  /** Samples this scheduler while it leads: one now, then every `siteEveryS`. */
  start(scheduler: Scheduler): void {
    this.stop();
    const sample = () => this.site.push(siteSample(scheduler));
    sample();
    this.timer = setInterval(sample, this.everyS * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  siteSamples(): SiteSample[] {
    return this.site.list();
  }

  jobSamples(jobId: string): DrawSample[] {
    return this.jobs.get(jobId)?.list() ?? [];
  }

  /** Fed by the job watch: a job's draw, at most one sample a second. */
  readonly listener: JobWatchListener = {
    draw: (job: Job, drawW: number) => {
      const now = Date.now();
      if (now - (this.lastJobSample.get(job.id) ?? 0) < 1000) return;
      this.lastJobSample.set(job.id, now);
      let ring = this.jobs.get(job.id);
      if (!ring) {
        ring = new Ring(JOB_SAMPLES);
        this.jobs.set(job.id, ring);
        // Maps keep insertion order: the oldest job's series goes first.
        while (this.jobs.size > JOBS_KEPT) {
          const oldest = this.jobs.keys().next().value!;
          this.jobs.delete(oldest);
          this.lastJobSample.delete(oldest);
        }
      }
      ring.push({ t: now, drawW, limitW: job.powerLimitW });
    },
  };
}

function siteSample(scheduler: Scheduler): SiteSample {
  const { measured } = scheduler.siteWatts();
  const { pue } = scheduler.siteConfig();
  return {
    t: Date.now(),
    capW: scheduler.effectiveCapW(),
    gpusW: facilityOf(pue, measured.gpusW),
    hostsW: facilityOf(pue, measured.hostsW),
    minersW: facilityOf(pue, measured.minersW),
    gridEvent: scheduler.gridEventInForce() ? 1 : 0,
  };
}
