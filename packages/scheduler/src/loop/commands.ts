import { outputPath, runAsFor, type Job, type SiteConfig } from '@wattpack/common/daemon';
import { join } from 'node:path/posix';
import { nodeAddress } from './rendezvous.js';
import type { LoopState } from './state.js';

/**
 * Building and sending commands to agents: start and stop an attempt's parts, set GPU
 * power limits, curtail and resume miners. Command ids make a resend harmless.
 */
export class Commands {
  constructor(private readonly state: LoopState) {}

  async dispatchStarts(job: Job): Promise<void> {
    const { spec } = job;
    const { site, now } = this.state;
    const nodes = job.assignments.map((a) => {
      const node = this.state.nodes.get(a.nodeId);
      return node ? nodeAddress(node.record) : a.nodeId;
    });
    await Promise.all(
      job.assignments.map((a, rank) =>
        this.state.ports.sendCommand(a.nodeId, {
          kind: 'start',
          commandId: `start:${job.attemptId}:${a.nodeId}`,
          issuedAt: now(),
          jobId: job.id,
          attemptId: job.attemptId,
          attempt: job.attempt,
          nodeRank: rank,
          nodeCount: job.assignments.length,
          command: spec.command,
          args: spec.args,
          // A later attempt resumes from the job's checkpoint.
          env: job.attempt > 1 ? { ...spec.env, WATTPACK_RESUME: '1' } : spec.env,
          ...(spec.image ? { image: spec.image } : {}),
          gpuIndices: a.gpuIndices,
          powerLimitW: job.powerLimitW,
          checkpoint: spec.checkpoint,
          ...(spec.maxRuntime ? { maxRuntimeSeconds: spec.maxRuntime } : {}),
          ...(spec.resources.cpus !== undefined ? { cpus: spec.resources.cpus } : {}),
          ...(spec.resources.memoryMib !== undefined ? { memoryMib: spec.resources.memoryMib } : {}),
          // Jobs stored before owners existed run as "anonymous" (the site's "*" user, if any).
          ...runAsFields(site, job.owner || 'anonymous'),
          hostNetwork: site.allowHostNetwork.includes(spec.team),
          ...(job.rendezvous ? { rendezvous: { ...job.rendezvous, nodes } } : {}),
          checkpointDir: join(site.checkpointRoot, job.id),
          ...(spec.workdir ? { workdir: spec.workdir } : {}),
          ...(spec.output ? { output: outputPath(spec.output, job.id, rank) } : {}),
          ...(spec.error ? { error: outputPath(spec.error, job.id, rank) } : {}),
          ...(spec.mounts.length ? { mounts: spec.mounts } : {}),
          ...(spec.image ? { container: site.containers } : {}),
        }),
      ),
    );
  }

  /** Stops parts of an attempt with the job's checkpoint signal and grace; `force`: no grace. */
  async dispatchStops(job: Job, reason: string, nodes?: string[], force = false): Promise<void> {
    const targets = job.assignments.filter((a) => !a.ended && (!nodes || nodes.includes(a.nodeId)));
    await Promise.all(
      targets.map((a) =>
        this.state.ports.sendCommand(a.nodeId, {
          kind: 'stop',
          commandId: `${force ? 'kill' : 'stop'}:${job.attemptId}:${a.nodeId}`,
          issuedAt: this.state.now(),
          jobId: job.id,
          attemptId: job.attemptId,
          reason,
          signal: job.spec.checkpoint.signal,
          graceSeconds: force ? 0 : job.spec.checkpoint.graceSeconds,
        }),
      ),
    );
  }

  /** Kills an attempt a node runs although the scheduler moved its job on. */
  killStale(nodeId: string, a: { jobId: string; attemptId: string }): Promise<void> {
    return this.state.ports.sendCommand(nodeId, {
      kind: 'stop',
      commandId: `kill:${a.attemptId}:${nodeId}`,
      issuedAt: this.state.now(),
      jobId: a.jobId,
      attemptId: a.attemptId,
      reason: 'stale attempt: the scheduler moved this job on while the node was away',
      signal: 'SIGKILL',
      graceSeconds: 0,
    });
  }

  /** Sets the GPU power limit on every part of the job's attempt. */
  async setPower(job: Job, powerLimitW: number): Promise<void> {
    const { ports, now } = this.state;
    await Promise.all(
      job.assignments.map((a) =>
        ports.sendCommand(a.nodeId, {
          kind: 'set-power',
          commandId: `power:${job.attemptId}:${a.nodeId}:${powerLimitW}:${now()}`,
          issuedAt: now(),
          gpuIndices: a.gpuIndices,
          powerLimitW,
        }),
      ),
    );
  }

  async commandMiners(minerIds: readonly string[], action: 'curtail' | 'resume'): Promise<void> {
    const { ports, now } = this.state;
    const byNode = new Map<string, string[]>();
    for (const { record } of this.state.nodes.values()) {
      const mine = record.inventory.miners.filter((m) => minerIds.includes(m.id)).map((m) => m.id);
      if (mine.length) byNode.set(record.id, mine);
    }
    await Promise.all(
      [...byNode].map(([nodeId, ids]) =>
        ports.sendCommand(nodeId, { kind: 'miners', commandId: `miners:${nodeId}:${action}:${now()}:${ids.length}`, issuedAt: now(), minerIds: ids, action }),
      ),
    );
  }
}

/** Who an attempt runs as: the owner, and the site's mapping of it when there is one (the agent resolves the rest). */
function runAsFields(site: SiteConfig, owner: string) {
  const runAs = runAsFor(site.users, owner);
  return { owner, ...(runAs ? { runAs } : {}) };
}
