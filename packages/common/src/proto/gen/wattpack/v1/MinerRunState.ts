// Original file: proto/wattpack/v1/node.proto

export const MinerRunState = {
  MINER_RUN_STATE_UNSPECIFIED: 'MINER_RUN_STATE_UNSPECIFIED',
  MINER_RUN_STATE_MINING: 'MINER_RUN_STATE_MINING',
  MINER_RUN_STATE_CURTAILED: 'MINER_RUN_STATE_CURTAILED',
  MINER_RUN_STATE_OFFLINE: 'MINER_RUN_STATE_OFFLINE',
  MINER_RUN_STATE_ERROR: 'MINER_RUN_STATE_ERROR',
} as const;

export type MinerRunState =
  | 'MINER_RUN_STATE_UNSPECIFIED'
  | 0
  | 'MINER_RUN_STATE_MINING'
  | 1
  | 'MINER_RUN_STATE_CURTAILED'
  | 2
  | 'MINER_RUN_STATE_OFFLINE'
  | 3
  | 'MINER_RUN_STATE_ERROR'
  | 4

export type MinerRunState__Output = typeof MinerRunState[keyof typeof MinerRunState]
