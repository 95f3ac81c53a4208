import { describe, expect, it } from 'vitest';
import type { NodeReport } from '@wattpack/common';
import { HostPowerLearner } from './host-power.js';

const report = (inputPowerW: number | undefined, gpuW: number, busy: boolean, readAtMs?: number): NodeReport => ({
  timestampMs: 0,
  gpus: Array.from({ length: 8 }, (_, index) => ({ index, powerDrawW: gpuW, enforcedLimitW: 700, utilizationPct: 0, temperatureC: 30, memoryUsedMib: 0, health: 'HEALTH_OK', healthReason: '', powerCapped: false })),
  miners: [],
  attempts: busy ? [{ jobId: 'j', attemptId: 'j-a1', gpuIndices: [0], startedAtMs: 0 }] : [],
  host: { ...(inputPowerW !== undefined ? { inputPowerW, powerSource: 'redfish Power' } : {}), ...(readAtMs !== undefined ? { inputPowerAtMs: readAtMs } : {}) },
});

describe('host power learned from BMC readings', () => {
  it('is input power minus the GPUs, idle and busy apart, the median once there are ten samples', () => {
    const l = new HostPowerLearner();
    for (let i = 0; i < 9; i++) l.add('a', report(1150 + 8 * 70 + i, 70, false));
    expect(l.estimate('a')).toEqual({});
    l.add('a', report(1150 + 8 * 70 + 9, 70, false));
    expect(l.estimate('a')).toEqual({ idleW: 1154 });
    // A BMC reading from while a job still ran, in a report after it ended: one outlier, ignored.
    l.add('a', report(2900 + 8 * 650, 70, false));
    expect(l.estimate('a')).toEqual({ idleW: 1155 });
    for (let i = 0; i < 20; i++) l.add('a', report(2900 + 8 * 650, 650, true));
    expect(l.estimate('a')).toEqual({ idleW: 1155, busyW: 2900 });
    expect(l.estimate('b')).toEqual({});
  });

  it('ignores readings that are no power reading: hostile reports cannot move the estimate', () => {
    const l = new HostPowerLearner();
    for (const bad of [undefined, Number.NaN, Number.POSITIVE_INFINITY, -5, 5e6]) for (let i = 0; i < 10; i++) l.add('a', report(bad, 70, false));
    expect(l.estimate('a')).toEqual({});
    // A reading below the GPUs' own draw counts as no host power, never negative.
    for (let i = 0; i < 10; i++) l.add('a', report(100, 70, false));
    expect(l.estimate('a')).toEqual({ idleW: 0 });
  });

  it('takes a reading that reports repeat once: a BMC read every 5 s across a job\'s end does not count its GPUs as host', () => {
    const l = new HostPowerLearner();
    for (let i = 0; i < 10; i++) l.add('a', report(1150 + 8 * 70, 70, false, 1000 * i));
    // Read while the job drew 650 W a GPU; the job ended; 20 reports repeat that reading.
    for (let i = 0; i < 20; i++) l.add('a', report(2900 + 8 * 650, 70, false, 10_000));
    expect(l.estimate('a')).toEqual({ idleW: 1150 });
  });
});
