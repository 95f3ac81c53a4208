import type { Logger } from '@wattpack/common/daemon';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import type { Scheduler } from '../loop/scheduler.js';
import { api, type ApiTrust, type LogSource } from './call.js';
import { jobRpcs } from './jobs-rpcs.js';
import { nodeRpcs } from './nodes-rpcs.js';
import { siteRpcs } from './site-rpcs.js';
import type { OpenAdrSource } from './views.js';
import { accountingRpcs } from './accounting-rpcs.js';
import type { UsageQueries } from '../accounting/store-thread.js';

/**
 * The CLI's API, one room per subject: jobs (jobs-rpcs.ts), nodes (nodes-rpcs.ts), the
 * site and its operators (site-rpcs.ts). Every call is authenticated (its certificate,
 * not revoked) and authorized (authorize.ts's table) before its handler runs; mutating
 * calls and refusals are audited (call.ts).
 */
export function schedulerService(
  scheduler: Scheduler,
  logs: LogSource,
  log: Logger,
  trust: ApiTrust,
  usage: () => UsageQueries | undefined = () => undefined,
  openadr: OpenAdrSource = () => undefined,
): SchedulerServiceHandlers {
  const frame = api(scheduler, logs, log, trust);
  return { ...jobRpcs(frame), ...nodeRpcs(frame), ...siteRpcs(frame, openadr), ...accountingRpcs(frame, usage) };
}
