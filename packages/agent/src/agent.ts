import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createLogger, startObserveServer, type AttemptState, type Logger, type NodeInventory, type NodeReport, type ObserveServer } from '@wattpack/common/daemon';
import { describeHost, hostFacts, hostState } from './collectors/host/host.js';
import { openHardware, type Hardware, type HardwareDeps } from './hardware.js';
import { BmcPoller } from './collectors/bmc/poller.js';
import { Supervisor } from './jobs/supervisor.js';
import { startGrpcLink, type GrpcLink, type SchedulerLinkState } from './link/grpc-link.js';
import { connectNatsLink, type NatsLink } from './link/nats-link.js';
import { resolveOptions, type AgentOptions, type ResolvedOptions } from './options.js';
import type { PowerControl } from './power/power-control.js';
import { attemptPower } from './power/attempt-power.js';
import { ContainerRuntime } from './runtimes/container/container-runtime.js';
import { ProcessRuntime } from './runtimes/process/process-runtime.js';
import { AGENT_VERSION } from './version.js';

/** How often the server's BMC is read for its input power. */
const BMC_READ_MS = 5000;

export interface AgentHandle {
  readonly nodeId: string;
  readonly inventory: NodeInventory;
  /** Attempts whose process runs now. */
  attempts(): AttemptState[];
  /** A fresh report, as the scheduler gets it. */
  report(): Promise<NodeReport>;
  schedulerLink(): SchedulerLinkState;
  /** Stops taking commands, stops running attempts (their signal, then SIGKILL after their grace), flushes events, disconnects. */
  stop(): Promise<void>;
}

/**
 * Starts an agent in this process: connects to NATS (waiting for it if it is not up),
 * consumes this node's commands, and registers and reports to the scheduler in the
 * background. Rejects on invalid options, naming the option.
 */
export async function startAgent(options: AgentOptions & { logger?: Logger }): Promise<AgentHandle> {
  const opts = resolveOptions(options);
  const { nodeId } = opts;
  const logger = (options.logger ?? createLogger('wattpack-agent')).child({ nodeId });
  // Simulated GPUs are busy while an attempt runs on them; sample() is first called after supervisor exists.
  const { hardware, bmc, inventory, nats } = await openDevicesAndNats(opts, () => supervisor.busyGpus(), logger);
  const supervisor = buildSupervisor(opts, hardware.power, nats, logger);
  const { report, metrics } = await reportSampler(opts, inventory, hardware.collector, supervisor, bmc);
  const { link, observe } = await startLinks(opts, { hardware, bmc, inventory, nats, supervisor, report, metrics }, logger);
  const scheduler = { current: link };
  hardware.onServerPower?.((on) => followServerPower(on, { opts, inventory, report, nats, supervisor, scheduler }, logger));
  logger.info({ gpus: inventory.gpus.length, miners: inventory.miners.length, runtime: opts.runtime, host: describeHost(await hostFacts()), version: AGENT_VERSION }, 'agent started');

  let stopping: Promise<void> | undefined;
  return {
    nodeId,
    inventory,
    attempts: () => supervisor.attempts(),
    report,
    schedulerLink: () => scheduler.current.state(),
    stop: () =>
      (stopping ??= (async () => {
        logger.info({ attempts: supervisor.attempts().length }, 'agent stopping');
        await nats.stopConsuming();
        await supervisor.stopAll('agent shutting down');
        scheduler.current.close();
        await observe?.close();
        await nats.close();
        bmc?.stop();
        await hardware.close();
        logger.info('agent stopped');
      })()),
  };
}

/** The node's devices (and its BMC's poller, not started yet), their inventory, and the NATS link; the devices are closed if the rest fails. */
async function openDevicesAndNats(opts: ResolvedOptions, busyGpus: HardwareDeps['busyGpus'], logger: Logger) {
  const { nodeId } = opts;
  const hardware = await openHardware(opts.hardware, { nodeId, busyGpus, reportIntervalMs: opts.reportIntervalMs, logger });
  // BMCs answer in seconds: read every 5 s. A simulated one too: a hollow fleet's nodes are
  // read as real ones are, and reading 1,200 of them every second was most of its CPU.
  const bmc = hardware.bmc ? new BmcPoller(hardware.bmc, BMC_READ_MS, logger) : undefined;
  try {
    const found = await hardware.collector.inventory();
    const inventory: NodeInventory = { ...found, host: { ...found.host, address: opts.address } };
    const nats = await connectNatsLink({ url: opts.nats, nodeId, credentials: opts.credentials, logger });
    return { hardware, bmc, inventory, nats };
  } catch (err) {
    await hardware.close();
    throw err;
  }
}

function buildSupervisor(opts: ResolvedOptions, power: PowerControl, nats: NatsLink, logger: Logger): Supervisor {
  const { nodeId } = opts;
  return new Supervisor({
    nodeId,
    runtime:
      opts.runtime === 'process'
        ? // One record per agent identity: its node id on its NATS (several sites may share a host in tests and demos).
          new ProcessRuntime({
            stateFile: join(tmpdir(), `wattpack-agent-${nodeId}-${createHash('sha256').update(opts.nats ?? '').digest('hex').slice(0, 12)}.json`),
            ...(opts.jobRoot ? { jobRoot: opts.jobRoot } : {}),
          })
        : new ContainerRuntime({ engine: opts.runtime }),
    power,
    publishEvent: (e) => nats.publishEvent(e),
    publishLog: (r) => nats.publishLog(r),
    logger,
  });
}

/** The node's report (as the scheduler gets it), and the Prometheus series fed from each one where they are served. */
async function reportSampler(opts: ResolvedOptions, inventory: NodeInventory, collector: Hardware['collector'], supervisor: Supervisor, bmc: BmcPoller | undefined) {
  const sample = async (): Promise<NodeReport> => {
    const { gpus, miners } = await collector.sample();
    return {
      timestampMs: Date.now(),
      gpus,
      miners,
      attempts: supervisor.attempts().map((a) => ({ ...a, ...attemptPower(a.gpuIndices, gpus) })),
      ended: supervisor.recentlyEnded(),
      host: { ...hostState(), ...bmc?.hostPower() },
    };
  };
  // Only where they are served: prom-client's default metrics watch the event loop every 10 ms and every GC.
  const metrics = opts.metricsAddr ? new (await import('./observe/node-metrics.js')).NodeMetrics(inventory, sample, 2 * opts.reportIntervalMs) : undefined;
  const report = async (): Promise<NodeReport> => {
    const r = await sample();
    metrics?.observe(r);
    return r;
  };
  return { report, metrics };
}

type Started = Awaited<ReturnType<typeof openDevicesAndNats>> & { supervisor: Supervisor } & Awaited<ReturnType<typeof reportSampler>>;

/**
 * The BMC poller, /metrics and /readyz, the attempts recovered, the commands consumed and
 * the scheduler link; on a failure, everything opened so far is closed.
 */
async function startLinks(opts: ResolvedOptions, parts: Started, logger: Logger): Promise<{ link: GrpcLink; observe: ObserveServer | undefined }> {
  const { hardware, bmc, inventory, nats, supervisor, report, metrics } = parts;
  let observe: ObserveServer | undefined;
  bmc?.start();
  try {
    // Ready means connected to NATS: where its commands come from.
    if (opts.metricsAddr && metrics) observe = await startObserveServer(opts.metricsAddr, { registry: metrics.registry, ready: () => (nats.connected() ? [] : ['not connected to NATS']), log: logger });
    const recovered = await supervisor.recover();
    if (recovered) logger.info({ attempts: recovered }, 'attempts recovered from before a restart');
    await nats.consumeCommands((cmd) => supervisor.handle(cmd));
    return { link: schedulerLink(opts, inventory, report, logger), observe };
  } catch (err) {
    await observe?.close();
    bmc?.stop();
    await nats.close();
    await hardware.close();
    throw err;
  }
}

/** The link to the scheduler: it registers the node, then streams its reports. */
function schedulerLink(opts: ResolvedOptions, inventory: NodeInventory, report: () => Promise<NodeReport>, logger: Logger): GrpcLink {
  return startGrpcLink({
    address: opts.scheduler,
    nodeId: opts.nodeId,
    credentials: opts.credentials,
    labels: opts.labels,
    agentVersion: AGENT_VERSION,
    inventory,
    report,
    reportIntervalMs: opts.reportIntervalMs,
    logger,
  });
}

interface Links {
  opts: ResolvedOptions;
  inventory: NodeInventory;
  report: () => Promise<NodeReport>;
  nats: NatsLink;
  supervisor: Supervisor;
  scheduler: { current: GrpcLink };
}

/**
 * A simulated server whose BMC powers it off goes dark as a real one does: its jobs end,
 * it takes no commands and reports nothing. Powered on, once booted, its agent connects
 * and registers again (the BMC stays up on standby power throughout).
 */
function followServerPower(on: boolean, l: Links, logger: Logger): void {
  if (!on) {
    logger.info('server powered off by its BMC: the agent goes dark');
    l.scheduler.current.close();
    void l.nats.stopConsuming().then(() => l.supervisor.stopAll('the server was powered off'));
    return;
  }
  logger.info('server booted: the agent reconnects');
  void l.nats.consumeCommands((cmd) => l.supervisor.handle(cmd));
  l.scheduler.current = schedulerLink(l.opts, l.inventory, l.report, logger);
}
