import type { Waiting } from './snapshot.js';

/** Why a job waits, in the words `wattpack job` shows. Reasons are data, not log lines. */

const kW = (w: number) => `${(w / 1000).toFixed(w < 10_000 ? 1 : 0)} kW`;
/** "8 free H100", "8 free GPUs"; "8 H100 GPUs", "8 GPUs". */
const gpusText = (gpus: number, models: readonly string[], adjective = '') =>
  models.length ? `${gpus} ${adjective}${models.join('|')}${adjective ? '' : ' GPUs'}` : `${gpus} ${adjective}GPUs`;

export function noFreeGpus(jobId: string, gpus: number, nodes: number, models: readonly string[], found: number): Waiting {
  const what = gpusText(gpus, models, 'free ');
  return {
    jobId,
    code: 'gpus',
    reason: nodes === 1 ? `no node with ${what}` : `gang needs ${nodes} nodes with ${what}, ${found} available`,
  };
}

export function neverFits(jobId: string, gpus: number, nodes: number, models: readonly string[], capable: number): Waiting {
  const what = gpusText(gpus, models);
  return {
    jobId,
    code: 'never',
    reason: nodes === 1 ? `no schedulable node has ${what}` : `gang needs ${nodes} nodes with ${what}, the site has ${capable}`,
  };
}

export function notEnoughPower(jobId: string, neededW: number, freeW: number): Waiting {
  return { jobId, code: 'power', reason: `power: needs ${kW(neededW)}, ${kW(Math.max(0, freeW))} free under the cap` };
}
