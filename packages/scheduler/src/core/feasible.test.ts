import { describe, expect, it } from 'vitest';
import { countGpus, infeasible, type NodeGpus } from './feasible.js';

const node = (model: string, n: number): NodeGpus => countGpus(Array<string>(n).fill(model));
// Two 8-GPU H100 servers, one 4-GPU A100 server, a CPU-only node.
const site: NodeGpus[] = [node('H100', 8), node('H100', 8), node('A100', 4), new Map()];

describe('countGpus', () => {
  it('counts each model', () => {
    expect([...countGpus(['H100', 'A100', 'H100'])]).toEqual([
      ['H100', 2],
      ['A100', 1],
    ]);
  });
});

describe('infeasible', () => {
  it.each<[string, number, number, string[], string | undefined]>([
    ['one node, 8 H100: fits', 8, 1, ['H100'], undefined],
    ['any model, 2 nodes of 8: fits', 8, 2, [], undefined],
    ['4 A100|H100 on 2 nodes: fits (two H100 nodes)', 4, 2, ['A100', 'H100'], undefined],
    ['4 A100|H100 on 3 nodes: a gang of one model has only 2', 4, 3, ['A100', 'H100'], 'invalid job spec: nodes: 3 nodes with 4 GPUs requested, but the site has 2 with one GPU model (a gang runs on one)'],
    ['a model the site lacks', 1, 1, ['B200'], 'invalid job spec: gpuModels: no node of this site has B200 GPUs (it has H100, A100)'],
    ['more GPUs than the largest node', 16, 1, [], 'invalid job spec: gpus: 16 per node requested, but the largest node has 8 H100|A100'],
    ['8 A100: the largest A100 node has 4', 8, 1, ['A100'], 'invalid job spec: gpus: 8 per node requested, but the largest node has 4 A100'],
    ['a gang of 3 nodes of 8: only 2', 8, 3, [], 'invalid job spec: nodes: 3 nodes with 8 GPUs requested, but the site has 2 with one GPU model (a gang runs on one)'],
    ['a gang of 4 nodes of 4: only 2 of one model', 4, 4, ['H100', 'A100'], 'invalid job spec: nodes: 4 nodes with 4 GPUs requested, but the site has 2 with one GPU model (a gang runs on one)'],
  ])('%s', (_, gpus, nodes, models, why) => expect(infeasible(site, gpus, nodes, models)).toBe(why));

  it('no GPU node known yet: nothing to compare with', () => {
    expect(infeasible([], 8, 1, ['H100'])).toBeUndefined();
    expect(infeasible([new Map()], 64, 9, ['B200'])).toBeUndefined();
  });
});
