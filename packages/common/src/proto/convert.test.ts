import { describe, expect, it } from 'vitest';
import type { NodeReport__Output } from './gen/wattpack/v1/NodeReport.js';
import { reportFromProto } from './convert.js';

describe('reportFromProto', () => {
  it("drops proto-loader's oneof markers of proto3 optionals and keeps every value", () => {
    const wire = {
      timestampMs: 1_700_000_000_000,
      gpus: [{ index: 0, powerDrawW: 612.5, _powerDrawW: 'powerDrawW', enforcedLimitW: 700, _enforcedLimitW: 'enforcedLimitW', health: 'HEALTH_OK' }],
      miners: [{ id: 'm0', powerW: 3010, _powerW: 'powerW' }],
      attempts: [{ jobId: 'j', attemptId: 'j-a1', gpuIndices: [0], maxDrawW: 650, _maxDrawW: 'maxDrawW' }],
      ended: [],
      host: { cpuLoadPct: 12.5, inputPowerW: 6100, _inputPowerW: 'inputPowerW' },
    } as unknown as NodeReport__Output;
    expect(reportFromProto(wire)).toEqual({
      timestampMs: 1_700_000_000_000,
      gpus: [{ index: 0, powerDrawW: 612.5, enforcedLimitW: 700, health: 'HEALTH_OK' }],
      miners: [{ id: 'm0', powerW: 3010 }],
      attempts: [{ jobId: 'j', attemptId: 'j-a1', gpuIndices: [0], maxDrawW: 650 }],
      ended: [],
      host: { cpuLoadPct: 12.5, inputPowerW: 6100 },
    });
  });
});
