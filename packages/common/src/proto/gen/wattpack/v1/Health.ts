// Original file: proto/wattpack/v1/node.proto

export const Health = {
  HEALTH_UNSPECIFIED: 'HEALTH_UNSPECIFIED',
  HEALTH_OK: 'HEALTH_OK',
  HEALTH_DEGRADED: 'HEALTH_DEGRADED',
  HEALTH_FAILED: 'HEALTH_FAILED',
} as const;

export type Health =
  | 'HEALTH_UNSPECIFIED'
  | 0
  | 'HEALTH_OK'
  | 1
  | 'HEALTH_DEGRADED'
  | 2
  | 'HEALTH_FAILED'
  | 3

export type Health__Output = typeof Health[keyof typeof Health]
