import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENTS, parseAgents } from './agents.js';

describe('parseAgents', () => {
  it('defaults to two 8×H100 nodes and a host with four S19 XP miners', () => {
    expect(parseAgents(DEFAULT_AGENTS)).toEqual([
      { nodeId: 'gpu-1', profile: 'h100x8', labels: { rack: 'r1' } },
      { nodeId: 'gpu-2', profile: 'h100x8', labels: { rack: 'r1' } },
      { nodeId: 'miners-1', profile: 's19xp:4', labels: { rack: 'm1' } },
    ]);
  });

  it('numbers nodes across items and defaults counts to 1', () => {
    expect(parseAgents('h100x8:2, H200x4 ,s19xp:4,s19xp').map((a) => `${a.nodeId}=${a.profile}`)).toEqual([
      'gpu-1=h100x8',
      'gpu-2=h100x8',
      'gpu-3=h200x4',
      'miners-1=s19xp:4',
      'miners-2=s19xp:1',
    ]);
  });

  it.each([
    ['h101x8', /unknown GPU model "h101"/],
    ['h100x0', /GPUs per node must be 1-64/],
    ['h100x8:0', /the node count must be 1-4000/],
    ['s19xp:5000', /the miner count must be 1-4000/],
    ['h100', /cannot read "h100"/],
    ['h100x8,', /cannot read ""/],
    ['gpu-1', /cannot read "gpu-1"/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseAgents(spec)).toThrow(message);
  });
});
