import { METER_UNITS, type MeterRegister } from '@wattpack/common/daemon';

/** How a meter's value sits in 16-bit registers: decoding for the client, encoding for the simulator. */

export const registerCount = (r: Pick<MeterRegister, 'type'>): number => (r.type === 'int16' || r.type === 'uint16' ? 1 : 2);

/** Registers in wire order -> watts. NaN or infinity (a float meter's "no value") stays as it is: the caller judges it. */
export function decodeWatts(words: readonly number[], r: MeterRegister): number {
  const n = registerCount(r);
  if (words.length < n) throw new Error(`expected ${n} register(s), got ${words.length}`);
  const ordered = n === 2 && r.wordOrder === 'little' ? [words[1]!, words[0]!] : words.slice(0, n);
  const buf = Buffer.alloc(2 * n);
  ordered.forEach((w, i) => buf.writeUInt16BE(w & 0xffff, 2 * i));
  const raw = READ[r.type](buf);
  return raw * r.scale * METER_UNITS[r.units];
}

/** Watts -> registers in wire order (rounded for integer types; clamped to the type's range). */
export function encodeWatts(watts: number, r: MeterRegister): number[] {
  const n = registerCount(r);
  const raw = watts / METER_UNITS[r.units] / r.scale;
  const buf = Buffer.alloc(2 * n);
  WRITE[r.type](buf, raw);
  const words = Array.from({ length: n }, (_, i) => buf.readUInt16BE(2 * i));
  return n === 2 && r.wordOrder === 'little' ? [words[1]!, words[0]!] : words;
}

const READ: Record<MeterRegister['type'], (b: Buffer) => number> = {
  float32: (b) => b.readFloatBE(0),
  int32: (b) => b.readInt32BE(0),
  uint32: (b) => b.readUInt32BE(0),
  int16: (b) => b.readInt16BE(0),
  uint16: (b) => b.readUInt16BE(0),
};

const clampInt = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

const WRITE: Record<MeterRegister['type'], (b: Buffer, v: number) => void> = {
  float32: (b, v) => void b.writeFloatBE(v, 0),
  int32: (b, v) => void b.writeInt32BE(clampInt(v, -(2 ** 31), 2 ** 31 - 1), 0),
  uint32: (b, v) => void b.writeUInt32BE(clampInt(v, 0, 2 ** 32 - 1), 0),
  int16: (b, v) => void b.writeInt16BE(clampInt(v, -(2 ** 15), 2 ** 15 - 1), 0),
  uint16: (b, v) => void b.writeUInt16BE(clampInt(v, 0, 2 ** 16 - 1), 0),
};
