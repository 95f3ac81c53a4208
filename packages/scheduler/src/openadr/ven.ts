import { readFile } from 'node:fs/promises';
import type { Logger, OpenAdrConfig, SiteConfig } from '@wattpack/common/daemon';
import type { EventReport } from '../loop/compliance.js';
import type { SiteChange } from '../loop/operators.js';
import { parseEvents, programsSchema, type VtnGridEvent } from './events.js';
import { reportOf } from './report.js';

/** What the VEN needs of the scheduler: the site, a change to it, and the compliance record. */
export interface VenSite {
  siteConfig(): SiteConfig;
  updateSite(change: SiteChange): Promise<SiteConfig>;
  eventReports(): EventReport[];
}

export interface VenStatus {
  vtnUrl: string;
  ok: boolean;
  reasons: string[];
  polledAtMs: number;
  events: number;
  reportsSent: number;
}

const TIMEOUT_MS = 10_000;
/** The most of one VTN answer read: a year of 5-minute intervals is well under it; more is refused, not buffered. */
const MAX_ANSWER_BYTES = 4 << 20;
/** A VTN event's report is finished this long after its end (the meter's last minute is in). */
const REPORT_AFTER_END_MS = 120_000;

/**
 * The site's OpenADR 3 VEN: polls the VTN for its programs' events, makes them the site's
 * grid events (replacing only its own), and posts each finished minute of metered power back
 * as a DEMAND report. A VTN that is down or answers garbage changes nothing: the events
 * already taken are held, and the reason is shown in `wattpack site`.
 */
export class Ven {
  private timer: NodeJS.Timeout | undefined;
  private state: VenStatus;
  /** Events taken from the VTN, by source, kept until their report is done. */
  private readonly taken = new Map<string, VtnGridEvent & { reported: number }>();

  constructor(
    private readonly config: OpenAdrConfig,
    private readonly site: VenSite,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.state = { vtnUrl: config.vtnUrl, ok: false, reasons: ['not polled yet'], polledAtMs: 0, events: 0, reportsSent: 0 };
  }

  status(): VenStatus {
    return this.state;
  }

  start(): void {
    const tick = (): void => {
      this.poll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.config.pollS * 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One poll: events in, reports out. Never throws: a failure is a reason held in the status. */
  async poll(): Promise<VenStatus> {
    const now = this.now();
    try {
      const token = (await readFile(this.config.tokenFile, 'utf8')).trim();
      if (!token) throw new Error(`tokenFile ${this.config.tokenFile} is empty: put the VTN's bearer token in it`);
      const events = await this.fetchEvents(token, now);
      const reasons = [...events.reasons];
      await this.apply(events.events).catch((err: Error) => reasons.push(`events not taken: ${err.message}`));
      await this.report(token).catch((err: Error) => reasons.push(`report not sent: ${err.message}`));
      this.state = { ...this.state, ok: true, reasons, polledAtMs: now, events: events.events.length };
    } catch (err) {
      const reason = `VTN ${this.config.vtnUrl}: ${(err as Error).message}; holding the events already taken`;
      this.state = { ...this.state, ok: false, reasons: [reason], polledAtMs: now };
    }
    if (this.state.reasons.length) this.log.warn({ reasons: this.state.reasons }, 'openadr');
    return this.state;
  }

  private async fetchEvents(token: string, now: number): Promise<ReturnType<typeof parseEvents>> {
    const programs = programsSchema.safeParse(await this.get(token, '/programs'));
    if (!programs.success) throw new Error(`programs: not a list of programs with id and programName (${programs.error.issues[0]!.message})`);
    const wanted = programs.data.filter((p) => !this.config.programs || this.config.programs.includes(p.programName));
    const missing = (this.config.programs ?? []).filter((n) => !programs.data.some((p) => p.programName === n));
    const all: ReturnType<typeof parseEvents> = { events: [], reasons: missing.map((n) => `program ${n}: the VTN does not list it`) };
    for (const p of wanted) {
      const one = parseEvents(await this.get(token, `/events?programID=${encodeURIComponent(p.id)}`), now);
      all.events.push(...one.events);
      all.reasons.push(...one.reasons.map((r) => `program ${p.programName}: ${r}`));
    }
    return all;
  }

  /** The VTN's events become the site's: new or changed ones added, withdrawn ones dropped. */
  private async apply(events: VtnGridEvent[]): Promise<void> {
    const same = (a: VtnGridEvent, b: SiteConfig['gridEvents'][number]): boolean =>
      a.startMs === b.startMs && a.durationS === b.durationS && (a.reduceFraction !== undefined ? a.reduceFraction === b.reduceFraction : a.capMw === b.capMw);
    const ours = this.site.siteConfig().gridEvents.filter((e) => e.source?.startsWith('openadr:'));
    const add = events.filter((e) => !ours.some((o) => o.source === e.source && same(e, o)));
    const remove = ours.filter((o) => !events.some((e) => e.source === o.source && same(e, o))).map((o) => o.source!);
    for (const e of events) if (!this.taken.has(e.source)) this.taken.set(e.source, { ...e, reported: 0 });
    if (add.length === 0 && remove.length === 0) return;
    await this.site.updateSite({
      removeGridEventSources: remove,
      addGridEvents: add.map((e) => ({
        startMs: e.startMs,
        durationS: e.durationS,
        capMw: e.capMw ?? 0,
        noticeS: Math.max(0, Math.round((e.startMs - this.now()) / 1000)),
        source: e.source,
        ...(e.reduceFraction !== undefined ? { reduceFraction: e.reduceFraction } : {}),
      })),
    });
    this.log.info({ added: add.map((e) => e.source), removed: remove }, 'openadr events taken');
  }

  /** Minutes of metered power not yet sent, one report per event; a finished event is then forgotten. */
  private async report(token: string): Promise<void> {
    const records = this.site.eventReports();
    for (const [source, e] of this.taken) {
      const record = records.find((r) => r.startMs === e.startMs && r.durationS === e.durationS);
      const done = this.now() - REPORT_AFTER_END_MS;
      const minutes = (record?.intervals ?? []).filter((i) => i.startMs + 60_000 <= this.now()).slice(e.reported);
      if (minutes.length > 0) {
        await this.post(token, '/reports', reportOf(e, this.config.venName, minutes));
        e.reported += minutes.length;
        this.state = { ...this.state, reportsSent: this.state.reportsSent + 1 };
      }
      if (e.startMs + e.durationS * 1000 < done) this.taken.delete(source);
    }
  }

  private async get(token: string, path: string): Promise<unknown> {
    return this.call(token, path, { method: 'GET' });
  }

  private async post(token: string, path: string, body: unknown): Promise<unknown> {
    return this.call(token, path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  private async call(token: string, path: string, init: RequestInit): Promise<unknown> {
    const res = await fetch(this.config.vtnUrl.replace(/\/$/, '') + path, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).catch((err: Error) => {
      throw new Error(`${init.method} ${path}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    });
    const text = await readCapped(res, `${init.method} ${path}`);
    if (!res.ok) throw new Error(`${init.method} ${path}: HTTP ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`);
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new Error(`${init.method} ${path}: the answer is not JSON`);
    }
  }
}

/** The answer's text, refused past MAX_ANSWER_BYTES: the VTN is on the network, and a VEN must not buffer without bound. */
async function readCapped(res: Response, what: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  // Leaving the loop early cancels the body: the rest is never read.
  for await (const chunk of res.body ?? []) {
    bytes += chunk.byteLength;
    if (bytes > MAX_ANSWER_BYTES) break;
    chunks.push(chunk);
  }
  if (bytes > MAX_ANSWER_BYTES) throw new Error(`${what}: the answer is over ${MAX_ANSWER_BYTES >> 20} MiB`);
  return Buffer.concat(chunks).toString('utf8');
}
