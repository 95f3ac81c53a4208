import * as grpc from '@grpc/grpc-js';
import {
  WattpackError,
  connectNats,
  describeIssues,
  createLogger,
  ensureStreams,
  loadProto,
  siteConfigSchema,
  type Logger,
  type SiteConfig,
  type SiteConfigInput,
} from '@wattpack/shared';
import { schedulerService } from './api/scheduler-service.js';
import { nodeService } from './api/node-service.js';
import { CommandBus } from './bus/command-bus.js';
import { consumeJobEvents } from './bus/event-consumer.js';
import { readJobLogs } from './bus/log-reader.js';
import { Scheduler } from './loop/scheduler.js';
import { KvStore } from './state/kv-store.js';

export interface SchedulerOptions {
  /** gRPC address, host:port; port 0 picks a free one. */
  listen: string;
  nats: string;
  /** Site settings to store; fields left out keep the stored (or default) values. */
  site?: SiteConfigInput;
  log?: Logger;
}

export interface SchedulerHandle {
  /** host:port actually bound. */
  address: string;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Wires the adapters (NATS, KV, gRPC) around the scheduler. */
export async function startScheduler(opts: SchedulerOptions): Promise<SchedulerHandle> {
  const log = opts.log ?? createLogger('scheduler');
  const nc = await connectNats(opts.nats, 'wattpack-scheduler');
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  await ensureStreams(jsm);
  const store = await KvStore.open(nc);

  const stored = await store.loadSite();
  const parsed = siteConfigSchema.safeParse({ ...(stored ?? {}), ...(opts.site ?? {}) });
  if (!parsed.success) {
    await nc.close();
    throw new WattpackError('INVALID_ARGUMENT', `invalid site settings: ${describeIssues(parsed.error)}`);
  }
  const site: SiteConfig = parsed.data;
  await store.putSite(site);
  const [jobs, nodes] = await Promise.all([store.loadJobs(), store.loadNodes()]);
  log.info({ jobs: jobs.size, nodes: nodes.size, capMw: site.capMw }, 'state loaded');

  const bus = new CommandBus(js);
  const scheduler = new Scheduler({
    site,
    jobs,
    nodes,
    log,
    ports: {
      putJob: (j) => store.putJob(j),
      putNode: (n) => store.putNode(n),
      putSite: (s) => store.putSite(s),
      sendCommand: (nodeId, cmd) => bus.send(nodeId, cmd),
    },
  });
  await scheduler.recover();
  const events = await consumeJobEvents(js, jsm, (e) => scheduler.handleEvent(e), log);

  const proto = loadProto().wattpack.v1;
  const server = new grpc.Server();
  server.addService(proto.SchedulerService.service, schedulerService(scheduler, { read: (id, o, w) => readJobLogs(js, jsm, id, o, w) }, log));
  server.addService(proto.NodeService.service, nodeService(scheduler, log));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));
  const address = `${host}:${port}`;
  // Leases, and a periodic pass: grid events and reservations move with the clock, not only with events.
  let tick = 0;
  const leases = setInterval(() => {
    scheduler.checkLeases().catch((err) => log.error({ err }, 'lease check failed'));
    scheduler.checkDrains().catch((err) => log.error({ err }, 'drain check failed'));
    if (++tick % 5 === 0) scheduler.requestCycle();
  }, 1000);
  log.info({ address, nats: opts.nats }, 'scheduler listening');

  return {
    address,
    scheduler,
    async stop() {
      clearInterval(leases);
      scheduler.stop();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await events.stop();
      await nc.drain();
    },
  };
}
