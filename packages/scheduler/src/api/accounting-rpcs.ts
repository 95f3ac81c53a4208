import { ATTEMPT_ENDS, WattpackError, type Identity, type UsageRecord } from '@wattpack/common/daemon';
import type { GetJobUsageResponse } from '@wattpack/common/proto/GetJobUsageResponse';
import type { GetUsageResponse } from '@wattpack/common/proto/GetUsageResponse';
import type { ListHistoryRequest__Output as ListHistoryRequest } from '@wattpack/common/proto/ListHistoryRequest';
import type { ListHistoryResponse } from '@wattpack/common/proto/ListHistoryResponse';
import type { ListSharesResponse } from '@wattpack/common/proto/ListSharesResponse';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { UsageRecord as UsageRecordProto } from '@wattpack/common/proto/UsageRecord';
import { USAGE_GROUPS, type HistoryQuery, type UsageGroup } from '../accounting/store.js';
import type { UsageQueries } from '../accounting/store-thread.js';
import { usageScope } from './authorize.js';
import type { Api } from './call.js';

const DAY_MS = 86_400_000;
/** History pages: 100 records unless asked, never more than 1000 (a caller cannot make the scheduler read the whole table). */
const PAGE = { default: 100, max: 1000 };

type AccountingRpcs = Pick<SchedulerServiceHandlers, 'ListHistory' | 'GetUsage' | 'ListShares' | 'GetJobUsage'>;

/**
 * Accounting's API (docs/accounting.md): history and usage from the SQL store, a job's
 * usage (ended attempts from history, the running one from the live loop), fair share's
 * standings. Who may read whose usage: authorize.ts (`usageScope`).
 */
export function accountingRpcs({ unary, scheduler }: Api, usage: () => UsageQueries | undefined): AccountingRpcs {
  const needStore = (): UsageQueries => {
    const store = usage();
    if (!store) throw new WattpackError('UNAVAILABLE', 'the accounting store is not open yet: try again in a few seconds');
    return store;
  };

  return {
    ListHistory: unary('ListHistory', async (req, caller): Promise<ListHistoryResponse> => {
      const page = await needStore().history(historyQuery(req, caller));
      return { records: page.rows.map(recordToProto), nextPageToken: page.nextPageToken };
    }),

    GetUsage: unary('GetUsage', async (req, caller): Promise<GetUsageResponse> => {
      const groupBy = req.groupBy.map((g) => g.toLowerCase());
      const bad = groupBy.find((g) => !(USAGE_GROUPS as readonly string[]).includes(g));
      if (bad !== undefined) throw new WattpackError('INVALID_ARGUMENT', `groupBy: "${bad.slice(0, 20)}" is not one; use ${USAGE_GROUPS.join(', ')}`);
      const untilMs = Number(req.untilMs) || Date.now();
      const sinceMs = Number(req.sinceMs) || untilMs - 30 * DAY_MS;
      checkWindow(sinceMs, untilMs);
      const user = usageScope(caller, req.user || undefined);
      const rows = await needStore().usage({ groupBy: [...new Set(groupBy)] as UsageGroup[], sinceMs, untilMs, ...(user !== undefined ? { user } : {}), ...(req.team ? { team: req.team } : {}) });
      return { rows: rows.map((r) => ({ team: r.team ?? '', user: r.user ?? '', day: r.day ?? '', attempts: r.attempts, gpuHours: r.gpuHours, gpuKwh: r.gpuKwh, facilityKwh: r.facilityKwh, cost: r.cost })), currency: scheduler.siteConfig().prices.currency };
    }),

    ListShares: unary('ListShares', (): ListSharesResponse => ({
      teams: scheduler.shares().map((s) => ({
        team: s.team,
        shareGpus: s.shareGpus,
        shareW: s.shareW,
        usageGpuHours: s.usage.gpuHours,
        usageFacilityKwh: s.usage.facilityKwh,
        normalizedUsage: s.normalizedUsage,
        factor: s.factor,
      })),
      decayHalfLifeS: scheduler.siteConfig().fairShare.decayHalfLife,
    })),

    GetJobUsage: unary('GetJobUsage', async (req, caller): Promise<GetJobUsageResponse> => {
      const live = scheduler.storedJob(req.id);
      // A finished job may have left the job store: its history still has it.
      const store = usage();
      const ended = store ? (await store.history({ jobId: req.id, limit: PAGE.max })).rows : [];
      const owner = live?.owner ?? ended[0]?.user;
      if (owner === undefined) throw new WattpackError('NOT_FOUND', `no job with id ${req.id.slice(0, 100)}, running or in history`);
      usageScope(caller, owner);
      const running = scheduler.usageSoFar(req.id);
      return { attempts: ended.map(recordToProto), ...(running ? { running: recordToProto(running) } : {}) };
    }),
  };
}

/** ListHistory's request as the store's query: states and the page size checked, a day back by default, the caller's scope. */
function historyQuery(req: ListHistoryRequest, caller: Identity): HistoryQuery {
  const states = req.states.map((s) => s.toUpperCase());
  const bad = states.find((s) => !(ATTEMPT_ENDS as readonly string[]).includes(s));
  if (bad !== undefined) throw new WattpackError('INVALID_ARGUMENT', `states: "${bad.slice(0, 20)}" is not one; use ${ATTEMPT_ENDS.join(', ')}`);
  if (req.limit > PAGE.max) throw new WattpackError('INVALID_ARGUMENT', `limit: at most ${PAGE.max} per page (use the page token for more)`);
  const now = Date.now();
  const sinceMs = Number(req.sinceMs) || (req.jobId ? undefined : now - DAY_MS);
  const untilMs = Number(req.untilMs) || undefined;
  checkWindow(sinceMs, untilMs);
  const user = usageScope(caller, req.user || undefined);
  return {
    ...(user !== undefined ? { user } : {}),
    ...(req.team ? { team: req.team } : {}),
    states,
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(req.node ? { node: req.node } : {}),
    ...(req.jobId ? { jobId: req.jobId } : {}),
    limit: req.limit || PAGE.default,
    ...(req.pageToken ? { pageToken: req.pageToken } : {}),
  };
}

function checkWindow(sinceMs: number | undefined, untilMs: number | undefined): void {
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) throw new WattpackError('INVALID_ARGUMENT', 'untilMs: must come after sinceMs');
}

export function recordToProto(r: UsageRecord & { preemptions?: number }): UsageRecordProto {
  return {
    attemptId: r.attemptId,
    jobId: r.jobId,
    attempt: r.attempt,
    jobName: r.jobName,
    user: r.user,
    team: r.team,
    nodes: r.nodes,
    gpus: r.gpus,
    gpuModel: r.gpuModel,
    startedAtMs: r.startedAt,
    endedAtMs: r.endedAt,
    state: r.state,
    reason: r.reason,
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    gpuHours: r.gpuHours,
    gpuKwh: r.gpuKwh,
    hostKwh: r.hostKwh,
    facilityKwh: r.facilityKwh,
    meanW: r.meanW,
    peakW: r.peakW,
    measuredS: r.measuredS,
    limitMinW: r.limits.minW,
    limitMaxW: r.limits.maxW,
    limitChanges: r.limits.changes,
    preempted: r.preempted,
    preemptions: r.preemptions ?? 0,
    workLostGpuHours: r.workLostGpuHours,
    costEnergy: r.cost.energy,
    costGpu: r.cost.gpu,
    costTotal: r.cost.total,
    currency: r.cost.currency,
  };
}
