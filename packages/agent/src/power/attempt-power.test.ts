import type { GpuState } from '@wattpack/common';
import { describe, expect, it } from 'vitest';
import { attemptPower } from './attempt-power.js';

const gpu = (index: number, s: Partial<GpuState> = {}): GpuState => ({ index, health: 'HEALTH_OK', healthReason: '', ...s });

describe('attemptPower', () => {
  it("takes the hottest GPU's draw and the highest limit over the attempt's GPUs only; capped if any is", () => {
    const gpus = [gpu(0, { powerDrawW: 690, enforcedLimitW: 700, powerCapped: true }), gpu(1, { powerDrawW: 395, enforcedLimitW: 400, powerCapped: true }), gpu(2, { powerDrawW: 310, enforcedLimitW: 400, powerCapped: false })];
    expect(attemptPower([1, 2], gpus)).toEqual({ maxDrawW: 395, enforcedLimitW: 400, powerCapped: true });
    expect(attemptPower([2], gpus)).toEqual({ maxDrawW: 310, enforcedLimitW: 400, powerCapped: false });
  });

  it('skips GPUs without a reading; a value no GPU reports is absent', () => {
    const gpus = [gpu(0, { powerDrawW: 420 }), gpu(1, { enforcedLimitW: 500 }), gpu(2)];
    expect(attemptPower([0, 1, 2], gpus)).toEqual({ maxDrawW: 420, enforcedLimitW: 500 });
    expect(attemptPower([2, 7], gpus)).toEqual({});
  });
});
