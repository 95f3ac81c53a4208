import { Command, InvalidArgumentError } from 'commander';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Backoff, INSECURE, WattpackError, createLogger, loadCredentials, readYamlFile, startObserveServer, versionText, type Logger, type ObserveServer } from '@wattpack/common/daemon';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { SqlTarget } from './accounting/sql.js';
import { openUsageStoreThread, type UsageQueries } from './accounting/store-thread.js';
import { History } from './dashboard/history.js';
import { SchedulerHealth } from './observe/health.js';
import { SchedulerMetrics } from './observe/metrics.js';
import { schedulerOptions, type SchedulerSettings } from './options.js';
import { startScheduler } from './server.js';

const number = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
};

const program = new Command('wattpack-scheduler')
  .description('The wattpack scheduler: packs jobs onto nodes under the site power cap.')
  .version(versionText())
  .option('--config <file>', 'settings (YAML): any flag below in camelCase, e.g. natsReplicas: 3. A flag wins over WATTPACK_*, which wins over the file (docs/operations.md)')
  .option('--listen <host:port>', 'gRPC address for agents and the CLI (env WATTPACK_LISTEN)')
  .option('--nats <url>', 'NATS server(s) with JetStream, comma-separated (env WATTPACK_NATS)')
  .option('--site <file>', 'site settings (YAML): capMw, pue, reserveFraction, hostPower, ... (env WATTPACK_SITE)')
  .option('--cap-mw <MW>', 'facility power cap in MW (overrides the site file)', number)
  .option('--nats-replicas <n>', 'replicas of streams and KV buckets: 3 on a 3-node NATS cluster (env WATTPACK_NATS_REPLICAS)', number)
  .option('--id <id>', 'identity in the leader election, unique per scheduler (default: the host name; env WATTPACK_ID)')
  .option('--log-level <level>', 'trace|debug|info|warn|error (env WATTPACK_LOG_LEVEL)')
  .option('--credentials <dir>', "the scheduler's credentials: the site PKI's scheduler/ folder (wattpack admin init; env WATTPACK_CREDENTIALS)")
  .option('--audit-days <n>', 'how long the audit log keeps records (default 365; env WATTPACK_AUDIT_DAYS)', number)
  .option('--audit-max-mib <n>', 'the most the audit log keeps, in MiB; the oldest records go first (default 1024; env WATTPACK_AUDIT_MAX_MIB)', number)
  .option('--state-dir <dir>', "the scheduler's own files: the embedded accounting store (default /var/lib/wattpack/scheduler; env WATTPACK_STATE_DIR)")
  .option('--accounting-db <url>', 'a PostgreSQL for accounting (postgres://...) instead of the embedded store (env WATTPACK_ACCOUNTING_DB)')
  .option('--metrics-addr <host:port>', 'serve /metrics (Prometheus), /healthz and /readyz over plain HTTP there; off unless given (env WATTPACK_METRICS_ADDR; docs/observability.md)')
  .option('--dashboard-addr <host:port>', 'serve the read-only web dashboard there over HTTPS with the scheduler certificate; off unless given (env WATTPACK_DASHBOARD_ADDR; docs/observability.md)')
  .option('--dashboard-sample-s <s>', "seconds between the dashboard's samples of the site's power (default 30; 24 h are kept)", number)
  .option('--lease-seconds <s>', "the leader lease: a standby takes over this long after the leader dies; the leader steps down when it could not renew for 80 % of it (default 3; env WATTPACK_LEASE_SECONDS; docs/operations.md)", number)
  .option('--insecure', 'no TLS and no authentication: anyone who reaches the site can run anything. Debugging only')
  .showHelpAfterError()
  .action(async (flags: Record<string, unknown>) => {
    const opts = schedulerOptions(flags, process.env);
    const log = createLogger('scheduler', opts.logLevel);
    if (!opts.credentials && !opts.insecure) {
      throw new WattpackError('INVALID_ARGUMENT', '--credentials: give the scheduler folder of the site PKI (made by "wattpack admin init"), or --insecure to debug without security');
    }
    if (opts.insecure) log.warn('INSECURE: no TLS, no authentication, no authorization. Anyone who reaches this scheduler or its NATS can change the cap and run commands on nodes');
    const credentials = opts.credentials ? loadCredentials(opts.credentials) : INSECURE;
    const siteFile = opts.site ? (readYamlFile(opts.site) as Record<string, unknown> | null) : undefined;
    const site = { ...(siteFile ?? {}), ...(opts.capMw !== undefined ? { capMw: opts.capMw } : {}) };
    let stopping = false;
    let current: Awaited<ReturnType<typeof startScheduler>> | undefined;
    // Opened beside scheduling, in a worker thread; a folder that cannot hold it is fatal.
    const accounting = openAccounting(opts, log);
    accounting.catch((err: unknown) => {
      process.stderr.write(`wattpack-scheduler: ${WattpackError.from(err).message}\n`);
      process.exit(2);
    });
    const health = new SchedulerHealth();
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const metrics = new SchedulerMetrics(registry);
    const dashboard = opts.dashboardAddr ? { addr: opts.dashboardAddr, history: new History({ siteEveryS: opts.dashboardSampleS }) } : undefined;
    let observe: ObserveServer | undefined;
    if (opts.metricsAddr) observe = await startObserveServer(opts.metricsAddr, { registry, ready: () => health.problems(), log });
    const shutdown = async () => {
      if (stopping) return;
      stopping = true;
      log.info('stopping');
      await current?.stop();
      await accounting.then((a) => a.close()).catch(() => undefined);
      await observe?.close();
      process.exit(0);
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    // Lead while elected; when the lease is lost, stop serving and campaign again as a standby.
    // NATS trouble (a server down, a cluster electing) is waited out, never a crash.
    const backoff = new Backoff(500, 5000);
    for (;;) {
      try {
        current = await startScheduler({ listen: opts.listen, nats: opts.nats, id: opts.id, leaseMs: opts.leaseSeconds * 1000, natsReplicas: opts.natsReplicas, site, credentials, log, accounting, health, metrics, ...(dashboard ? { dashboard } : {}), audit: { maxAgeDays: opts.auditDays, maxBytes: opts.auditMaxMib * 1024 * 1024 } });
      } catch (err) {
        const e = WattpackError.from(err);
        if (stopping || e.code === 'INVALID_ARGUMENT') throw e;
        log.error({ err: e.message }, 'cannot lead yet: retrying');
        await backoff.wait();
        continue;
      }
      backoff.reset();
      const reason = await current.lost;
      log.warn({ reason }, 'no longer the leader');
      if (stopping) return;
      await current.stop().catch((err: unknown) => log.error({ err: String(err) }, 'stepping down'));
    }
  });

/**
 * The accounting store, opened once per process (a standby keeps it open to lead at once).
 * A state folder the scheduler cannot write is an error to fix, told at once; after that a
 * store that does not open (a PostgreSQL not answering yet, an embedded store that failed
 * on a starved machine) is retried, never fatal: scheduling does not need it.
 */
async function openAccounting(opts: SchedulerSettings, log: Logger): Promise<UsageQueries> {
  const target: SqlTarget = opts.accountingDb ? { url: opts.accountingDb } : { dir: join(opts.stateDir, 'accounting') };
  if ('dir' in target) {
    try {
      mkdirSync(target.dir, { recursive: true });
      accessSync(target.dir, constants.W_OK);
    } catch (err) {
      throw new WattpackError('INVALID_ARGUMENT', `--state-dir ${opts.stateDir}: cannot keep the accounting store there: ${String(err)}`);
    }
  }
  const backoff = new Backoff(500, 5000);
  for (;;) {
    try {
      return await openUsageStoreThread(target);
    } catch (err) {
      log.error({ err: String(err) }, 'the accounting store did not open: retrying');
      await backoff.wait();
    }
  }
}

program.parseAsync().catch((err: unknown) => {
  const e = WattpackError.from(err);
  process.stderr.write(`wattpack-scheduler: ${e.message}\n`);
  process.exit(e.code === 'INVALID_ARGUMENT' ? 2 : 1);
});
