import type { Job, JobPowerSummary } from '../domain/job.js';
import type { NodeInventory, NodeRecord, NodeReport } from '../domain/node.js';
import type { Job as ProtoJob } from './gen/wattpack/v1/Job.js';
import type { Node as ProtoNode } from './gen/wattpack/v1/Node.js';
import type { NodeInventory__Output } from './gen/wattpack/v1/NodeInventory.js';
import type { NodeReport__Output } from './gen/wattpack/v1/NodeReport.js';

/** Domain -> wire, and wire -> domain: the only place that knows both shapes. */

export function jobToProto(job: Job, power?: JobPowerSummary): ProtoJob {
  const { spec } = job;
  return {
    id: job.id,
    spec: {
      name: spec.name,
      team: spec.team,
      command: spec.command,
      args: spec.args,
      env: spec.env,
      image: spec.image ?? '',
      gpus: spec.gpus,
      nodes: spec.nodes,
      gpuModels: spec.gpuModels,
      priority: spec.priority,
      maxRuntimeSeconds: spec.maxRuntime ?? 0,
      power: { minWatts: spec.power.minWatts ?? 0, maxWatts: spec.power.maxWatts ?? 0 },
      checkpoint: spec.checkpoint,
      preemptible: spec.preemptible,
      cpus: spec.resources.cpus ?? 0,
      memoryMib: spec.resources.memoryMib ?? 0,
      workdir: spec.workdir ?? '',
      output: spec.output ?? '',
      error: spec.error ?? '',
      mounts: spec.mounts,
      afterOk: spec.afterOk,
      afterAny: spec.afterAny,
    },
    state: job.state,
    reason: job.reason,
    submittedAtMs: job.submittedAt,
    startedAtMs: job.startedAt ?? 0,
    finishedAtMs: job.finishedAt ?? 0,
    attempt: job.attempt,
    attemptId: job.attemptId,
    assignments: job.assignments.map((a) => ({
      nodeId: a.nodeId,
      gpuIndices: a.gpuIndices,
      gpuModel: a.gpuModel,
      started: a.started,
      ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}),
    })),
    powerLimitW: job.powerLimitW,
    allocatedFacilityW: job.allocatedFacilityW,
    ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
    preempting: job.preempting ?? '',
    limitHistory: (job.limitHistory ?? []).map((c) => ({ atMs: c.at, limitW: c.limitW, why: c.why, confirmedAtMs: c.confirmedAt ?? 0 })),
    ...(power ? { power } : {}),
    owner: job.owner ?? '',
    arrayJobId: job.array?.jobId ?? '',
    arrayIndex: job.array?.index ?? 0,
    rendezvous: job.rendezvous ? `${job.rendezvous.address}:${job.rendezvous.port}` : '',
  };
}

export function nodeToProto(node: NodeRecord, extra: { report?: NodeReport; gpusAllocated: number; allocatedW: number; jobsRemaining: number }): ProtoNode {
  const d = node.drain;
  return {
    id: node.id,
    labels: node.labels,
    status: node.status,
    reason: node.reason,
    inventory: node.inventory,
    lastSeenMs: node.lastSeenAt,
    gpusAllocated: extra.gpusAllocated,
    allocatedW: extra.allocatedW,
    ...(extra.report ? { lastReport: extra.report } : {}),
    ...(node.power ? { power: node.power.state, powerSinceMs: node.power.since, powerReason: node.power.reason } : {}),
    ...(d
      ? {
          drain: {
            state: d.state,
            reason: d.reason,
            by: d.by,
            atMs: d.at,
            deadlineMs: d.deadlineAt ?? 0,
            migrate: d.migrate,
            force: d.force,
            automatic: d.automatic,
            jobsRemaining: extra.jobsRemaining,
          },
        }
      : {}),
  };
}

export function inventoryFromProto(inv: NodeInventory__Output | null): NodeInventory {
  return {
    gpus: (inv?.gpus ?? []).map((g) => ({ ...g })),
    miners: (inv?.miners ?? []).map((m) => ({ ...m })),
    host: inv?.host
      ? { ...inv.host }
      : { hostname: '', address: '', cpuCores: 0, memoryMib: 0, os: '', idlePowerW: 0, busyPowerW: 0 },
  };
}

/**
 * A copy without proto-loader's oneof markers (`_field` keys of proto3 optionals). A plain
 * loop: the scheduler copies every GPU of every report, and entries/filter/fromEntries
 * was 9 % of its CPU with 800 hollow nodes.
 */
function dropMarkers<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (k.charCodeAt(0) !== 95 /* _ */) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
}

export function reportFromProto(r: NodeReport__Output): NodeReport {
  return {
    timestampMs: r.timestampMs,
    gpus: r.gpus.map(dropMarkers),
    miners: r.miners.map(dropMarkers),
    attempts: r.attempts.map(dropMarkers),
    ended: r.ended.map((e) => ({ ...e })),
    ...(r.host ? { host: dropMarkers(r.host) } : {}),
  };
}
