import type { Waiting } from './snapshot.js';

/** Why a job waits, in the words `wattpack job` shows. Reasons are data, not log lines. */

const kW = (w: number) => `${(w / 1000).toFixed(w < 10_000 ? 1 : 0)} kW`;
const modelsText = (models: readonly string[]) => (models.length ? models.join('|') : 'GPU');

export function noFreeGpus(jobId: string, gpus: number, nodes: number, models: readonly string[], found: number): Waiting {
  const what = `${gpus} free ${modelsText(models)}`;
  return {
    jobId,
    code: 'gpus',
    reason: nodes === 1 ? `no node with ${what}` : `gang needs ${nodes} nodes with ${what}, ${found} available`,
  };
}

export function neverFits(jobId: string, gpus: number, nodes: number, models: readonly string[], capable: number): Waiting {
  const what = `${gpus} ${modelsText(models)} GPUs`;
  return {
    jobId,
    code: 'never',
    reason: nodes === 1 ? `no schedulable node has ${what}` : `gang needs ${nodes} nodes with ${what}, the site has ${capable}`,
  };
}

export function notEnoughPower(jobId: string, neededW: number, freeW: number): Waiting {
  return { jobId, code: 'power', reason: `power: needs ${kW(neededW)}, ${kW(Math.max(0, freeW))} free under the cap` };
}
