import { describe, expect, it } from 'vitest';
import { meterSchema, type MeterRegister } from '@wattpack/common';
import { decodeWatts, encodeWatts } from './registers.js';

const sdm630 = meterSchema.parse({ host: 'm', preset: 'eastron-sdm630' }).register;

describe('meter registers', () => {
  it('decodes an SDM630 total active power reading (float32, high word first, W)', () => {
    // 1234.5 W as IEEE-754 float32 0x449A5000: the register pair an SDM630 answers at 0x0034.
    expect(sdm630).toEqual({ address: 0x34, kind: 'input', type: 'float32', wordOrder: 'big', scale: 1, units: 'W' });
    expect(decodeWatts([0x449a, 0x5000], sdm630)).toBe(1234.5);
    expect(decodeWatts([0x5000, 0x449a], { ...sdm630, wordOrder: 'little' })).toBe(1234.5);
  });

  it('applies CT scaling and units, and round-trips every data type', () => {
    expect(decodeWatts([0x449a, 0x5000], { ...sdm630, scale: 1000 })).toBe(1_234_500);
    const cases: [MeterRegister, number][] = [
      [{ ...sdm630, units: 'MW' }, 14.25e6],
      [{ ...sdm630, type: 'int32', units: 'kW', scale: 0.1 }, 15_432_100],
      [{ ...sdm630, type: 'uint32', wordOrder: 'little' }, 17_999_999],
      [{ ...sdm630, type: 'int16', units: 'kW', scale: 1 }, 12_345_000],
      [{ ...sdm630, type: 'uint16', units: 'kW', scale: 10 }, 15_000_000],
    ];
    for (const [r, w] of cases) expect(decodeWatts(encodeWatts(w, r), r)).toBeCloseTo(w, -1);
    expect(encodeWatts(1, { ...sdm630, type: 'int16' })).toHaveLength(1);
  });

  it('passes NaN through for the caller to refuse, and refuses too few registers', () => {
    expect(decodeWatts([0x7fc0, 0x0000], sdm630)).toBeNaN();
    expect(() => decodeWatts([0x449a], sdm630)).toThrow(/expected 2 register/);
  });

  it('site settings name the register field that is missing, and refuse bad values by name', () => {
    const noAddress = meterSchema.safeParse({ host: 'm' });
    expect(noAddress.success).toBe(false);
    expect(noAddress.error?.issues[0]).toMatchObject({ path: ['register', 'address'], message: expect.stringContaining('eastron-sdm630') });
    const badType = meterSchema.safeParse({ host: 'm', register: { address: 1, type: 'float64' } });
    expect(badType.error?.issues[0]?.path).toEqual(['register', 'type']);
    expect(meterSchema.safeParse({ host: 'm', preset: 'nope' }).error?.issues[0]?.path).toEqual(['preset']);
    // A preset's field can be overridden: an SDM630 behind 2000:5 CTs.
    expect(meterSchema.parse({ host: 'm', preset: 'eastron-sdm630', register: { scale: 400 } }).register.scale).toBe(400);
  });
});
