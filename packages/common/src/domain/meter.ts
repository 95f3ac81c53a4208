import { z } from 'zod';

/**
 * The facility meter (site setting `meter`): where the scheduler reads measured facility
 * power over Modbus TCP, and how to decode it. Meters differ in register, data type, word
 * order and CT/PT scaling, so all of it is settings; presets name common meters' maps.
 */

export const METER_DATA_TYPES = ['float32', 'int32', 'uint32', 'int16', 'uint16'] as const;
export const METER_UNITS = { W: 1, kW: 1e3, MW: 1e6 } as const;

const registerSchema = z.strictObject({
  /** Register address as sent on the wire (0-based; 0x0034 for SDM630 total power). */
  address: z.number().int().min(0).max(65_535),
  /** Function 0x04 (input registers) or 0x03 (holding registers). */
  kind: z.enum(['input', 'holding']),
  type: z.enum(METER_DATA_TYPES),
  /** Of two-register values: "big" sends the high word first (most meters), "little" swaps the words. */
  wordOrder: z.enum(['big', 'little']),
  /** Multiplier applied to the raw value (CT/PT ratio, or a fixed 10^n of int registers). */
  scale: z.number().positive(),
  units: z.enum(Object.keys(METER_UNITS) as [keyof typeof METER_UNITS]),
});
export type MeterRegister = z.output<typeof registerSchema>;

/**
 * Register maps of common meters. Eastron SDM630 (protocol document v2.0): input register
 * 0x0034 "total system active power", float32 big-endian words, W. On a multi-MW feed it
 * reads through CTs, so a site sets `scale` to its CT ratio.
 */
export const METER_PRESETS = {
  'eastron-sdm630': { address: 0x0034, kind: 'input', type: 'float32', wordOrder: 'big', scale: 1, units: 'W' },
} as const satisfies Record<string, MeterRegister>;
export type MeterPreset = keyof typeof METER_PRESETS;

export const meterSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(502),
    unitId: z.number().int().min(0).max(255).default(1),
    /** A known meter's register map; fields of `register` override it. */
    preset: z.enum(Object.keys(METER_PRESETS) as [MeterPreset]).optional(),
    register: registerSchema.partial().default({}),
    pollMs: z.number().int().min(200).max(60_000).default(1000),
    timeoutMs: z.number().int().min(50).max(30_000).default(1000),
    /** No good reading for this long: the meter is not trusted until one comes. */
    staleAfterMs: z.number().int().min(500).max(600_000).default(5000),
    /** A reading more than this many times (or less than 1/this) the model or the last good reading is a glitch. */
    jumpFactor: z.number().min(1.5).max(100).default(3),
    /** The correction is the median model error of the last this many good readings (robust to noise). */
    window: z.number().int().min(1).max(60).default(5),
    /** While the meter is not trusted: the model plus this share of it (or the last correction, if larger). */
    fallbackMarginFraction: z.number().min(0).max(0.5).default(0.05),
  })
  .transform((m, ctx) => {
    const preset = m.preset ? METER_PRESETS[m.preset] : {};
    const defaults = { kind: 'input', type: 'float32', wordOrder: 'big', scale: 1, units: 'W' } as const;
    const register = { ...defaults, ...preset, ...m.register };
    if (register.address === undefined) {
      ctx.addIssue({ code: 'custom', path: ['register', 'address'], message: `set register.address, or a preset (${Object.keys(METER_PRESETS).join(', ')})` });
      return z.NEVER;
    }
    return { ...m, register: register as MeterRegister };
  });
export type MeterConfig = z.output<typeof meterSchema>;
export type MeterConfigInput = z.input<typeof meterSchema>;
