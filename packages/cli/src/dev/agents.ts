import { GPU_MODEL_NAMES, WattpackError } from '@wattpack/common/core';

/** One simulated agent process of a dev site. */
export interface AgentPlan {
  nodeId: string;
  /** The agent's --simulate profile. */
  profile: string;
  labels: Record<string, string>;
}

/** Two 8×H100 nodes and one host with four S19 XP miners. */
export const DEFAULT_AGENTS = 'h100x8:2,s19xp:4';

export const AGENTS_HELP =
  'comma-separated: MODELxGPUS[:NODES] adds NODES GPU nodes (gpu-1, gpu-2, ... in rack r1), ' +
  'MINER[:COUNT] adds one host with COUNT miners (miners-1, ... in rack m1); e.g. h100x8:2,h200x8:1,s19xp:4';

const GPU_ITEM = /^([a-z0-9]+)x(\d+)(?::(\d+))?$/i;
const MINER_ITEM = /^([a-z][a-z0-9]*)(?::(\d+))?$/i;

/** GPUs in one server: more is a typo. */
const MAX_GPUS = 64;
/** Nodes or miners of one kind: a site (1,200 servers, 2,000 miners) with room; large kinds run as hollow-node fleets (launch.ts). */
const MAX_PER_ITEM = 4000;

function count(item: string, text: string | undefined, what: string, max = MAX_PER_ITEM): number {
  const n = text === undefined ? 1 : Number(text);
  if (n < 1 || n > max) throw new WattpackError('INVALID_ARGUMENT', `--agents ${item}: ${what} must be 1-${max}`);
  return n;
}

/** Parses `--agents`, e.g. "h100x8:2,s19xp:4", into agents with unique node ids. */
export function parseAgents(spec: string): AgentPlan[] {
  const agents: AgentPlan[] = [];
  let gpuNodes = 0;
  let minerHosts = 0;
  for (const item of spec.split(',').map((s) => s.trim())) {
    const gpu = GPU_ITEM.exec(item);
    const miner = MINER_ITEM.exec(item);
    if (gpu) {
      const [, model = '', gpus, nodes] = gpu;
      if (!GPU_MODEL_NAMES.includes(model.toUpperCase())) {
        throw new WattpackError('INVALID_ARGUMENT', `--agents ${item}: unknown GPU model "${model}": use one of ${GPU_MODEL_NAMES.join(', ')}`);
      }
      const profile = `${model.toLowerCase()}x${count(item, gpus, 'GPUs per node', MAX_GPUS)}`;
      for (let i = count(item, nodes, 'the node count'); i > 0; i--) agents.push({ nodeId: `gpu-${++gpuNodes}`, profile, labels: { rack: 'r1' } });
    } else if (miner && !GPU_MODEL_NAMES.includes(miner[1]!.toUpperCase())) {
      const [, model = '', miners] = miner;
      agents.push({ nodeId: `miners-${++minerHosts}`, profile: `${model.toLowerCase()}:${count(item, miners, 'the miner count')}`, labels: { rack: 'm1' } });
    } else {
      throw new WattpackError('INVALID_ARGUMENT', `--agents: cannot read "${item}": ${AGENTS_HELP}`);
    }
  }
  return agents;
}
