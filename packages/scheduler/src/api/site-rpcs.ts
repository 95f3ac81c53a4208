import { NAME_PATTERN, WattpackError, type SiteConfig } from '@wattpack/common/daemon';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { Site } from '@wattpack/common/proto/Site';
import { siteActions, type Action } from './authorize.js';
import type { Api } from './call.js';
import { planView, siteView, type OpenAdrSource } from './views.js';

type SiteRpcs = Pick<SchedulerServiceHandlers, 'GetSite' | 'UpdateSite' | 'RevokeCredential' | 'ListAudit' | 'PlanNext'>;

/** The site and its operators: settings (cap, grid events, teams), the next plan (a dry run), credentials, the audit. */
export function siteRpcs({ scheduler, trust, unary }: Api, openadr: OpenAdrSource): SiteRpcs {
  return {
    GetSite: unary('GetSite', () => siteView(scheduler, openadr)),
    PlanNext: unary('PlanNext', () => planView(scheduler.preview())),
    UpdateSite: unary('UpdateSite', async (req, _caller, note): Promise<Site> => {
      const touched = siteActions(req);
      note.before = siteState(scheduler.siteConfig(), touched);
      const setTeams = Object.fromEntries(
        Object.entries(req.setTeams ?? {}).map(([team, share]) => [team, { ...(share.gpus != null ? { gpus: share.gpus } : {}), ...(share.mw != null ? { mw: share.mw } : {}) }]),
      );
      const site = await scheduler.updateSite({
        ...(req.capMw !== undefined ? { capMw: req.capMw } : {}),
        addGridEvents: req.addGridEvents.map((e) => ({
          startMs: e.startMs,
          durationS: e.durationS,
          capMw: e.capMw,
          noticeS: e.noticeS,
          ...(e.reduceFraction != null ? { reduceFraction: e.reduceFraction } : {}),
        })),
        clearGridEvents: req.clearGridEvents,
        setTeams,
        removeTeams: req.removeTeams ?? [],
      });
      note.after = siteState(site, touched);
      return siteView(scheduler, openadr);
    }),
    RevokeCredential: unary('RevokeCredential', async (req, caller, note) => {
      const kind = req.kind;
      if (kind !== 'node' && kind !== 'user') throw new WattpackError('INVALID_ARGUMENT', `kind "${kind.slice(0, 20)}": use node or user`);
      if (!NAME_PATTERN.test(req.name)) throw new WattpackError('INVALID_ARGUMENT', `name "${req.name.slice(0, 40)}": not a credential name`);
      if (req.serials.length > 1000 || req.serials.some((s) => !/^[0-9a-f]{1,40}$/i.test(s))) throw new WattpackError('INVALID_ARGUMENT', 'serials: at most 1000 hexadecimal serial numbers');
      const { revocation, closed } = await trust.revocations.revoke({ kind, name: req.name, serials: req.serials, by: caller.name });
      note.after = { issuedBefore: new Date(revocation.issuedBefore).toISOString(), serials: revocation.serials.join(',') || '-', streamsClosed: String(closed) };
      return { kind, name: req.name, issuedBeforeMs: revocation.issuedBefore, serials: revocation.serials, streamsClosed: closed };
    }),
    ListAudit: unary('ListAudit', async (req) => {
      const sinceMs = Number(req.sinceMs) || Date.now() - 24 * 3600_000;
      const limit = Math.min(Math.max(req.limit || 1000, 1), 10_000);
      const { records, truncated } = await trust.audit.read({ sinceMs, limit, ...(req.user ? { user: req.user } : {}) });
      return {
        records: records.map((r) => ({ atMs: r.at, name: r.name, role: r.role, serial: r.serial, action: r.action, target: r.target, result: r.result, message: r.message, before: r.before, after: r.after })),
        truncated,
      };
    }),
  };
}

/** The settings an UpdateSite touched, as the audit shows them. */
function siteState(site: SiteConfig, touched: Action[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (touched.includes('set-cap')) out.capMw = String(site.capMw);
  if (touched.includes('grid-events')) {
    out.gridEvents = site.gridEvents.map((e) => `${e.capMw} MW from ${new Date(e.startMs).toISOString()} for ${e.durationS}s`).join('; ') || 'none';
  }
  if (touched.includes('set-teams')) {
    out.teams = Object.entries(site.teams).map(([t, s]) => `${t}: ${s.gpus ?? '-'} GPUs, ${s.mw ?? '-'} MW`).join('; ') || 'none';
  }
  return out;
}
