import { isTerminal, type Job, type Logger } from '@wattpack/common/daemon';
import type { JobWatchListener } from './job-watch.js';

const nodesOf = (job: Job) => job.assignments.map((a) => `${a.nodeId}:${a.gpuIndices.join(',')}`);

/**
 * A job's life at info level, one line per step, with the verified user (the owner the
 * API took from the caller's certificate): submitted, placed (nodes, GPUs, limit),
 * started, requeued, ended (exit, runtime, GPU-hours, measured GPU energy).
 */
export function lifecycleLog(log: Logger): JobWatchListener {
  return {
    transition(before, job, energyJ) {
      const who = { job: job.id, user: job.owner, team: job.spec.team };
      if (!before && job.state === 'PENDING') {
        log.info({ ...who, name: job.spec.name, gpus: job.spec.gpus, nodes: job.spec.nodes }, 'job submitted');
      } else if (job.state === 'STARTING' && before?.state !== 'STARTING') {
        log.info({ ...who, attempt: job.attempt, nodes: nodesOf(job), powerLimitW: job.powerLimitW, facilityW: Math.round(job.allocatedFacilityW) }, 'job placed');
      } else if (job.state === 'RUNNING') {
        log.info({ ...who, attempt: job.attempt, nodes: nodesOf(job) }, 'job started');
      } else if (job.state === 'PENDING' && before) {
        log.info({ ...who, attempt: job.attempt, reason: job.reason }, 'job requeued');
      } else if (isTerminal(job.state)) {
        const runtimeS = job.startedAt !== undefined && job.finishedAt !== undefined ? (job.finishedAt - job.startedAt) / 1000 : 0;
        const gpus = job.assignments.reduce((sum, a) => sum + a.gpuIndices.length, 0);
        log.info(
          {
            ...who,
            state: job.state,
            exitCode: job.exitCode,
            reason: job.reason,
            attempts: job.attempt,
            runtimeS: +runtimeS.toFixed(1),
            gpuHours: +((gpus * runtimeS) / 3600).toFixed(4),
            gpuEnergyKwh: +(energyJ / 3.6e6).toFixed(6),
          },
          'job ended',
        );
      }
    },
  };
}
