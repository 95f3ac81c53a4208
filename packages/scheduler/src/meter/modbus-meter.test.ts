import { afterEach, describe, expect, it } from 'vitest';
import { meterSchema, type MeterConfigInput } from '@wattpack/common';
import { ModbusMeter } from './modbus-meter.js';
import { startMeterSimulator, type MeterSimulator } from './simulator.js';

/** A real Modbus TCP exchange on loopback: modbus-serial's client against the simulator's server. */
let sim: MeterSimulator | undefined;
let meter: ModbusMeter | undefined;
afterEach(async () => {
  meter?.close();
  await sim?.close();
  sim = meter = undefined;
});

async function setup(register: MeterConfigInput['register'] = {}, opts: { errorFraction?: number; noiseFraction?: number } = {}) {
  const config = meterSchema.parse({ host: '127.0.0.1', port: 1, preset: 'eastron-sdm630', register, timeoutMs: 300 });
  sim = await startMeterSimulator({ drawW: () => 10e6, register: config.register, ...opts });
  meter = new ModbusMeter({ ...config, port: sim.port });
  return { sim, meter, config };
}

describe('Modbus TCP meter and its simulator', () => {
  it('reads the simulated draw plus the configured error through the SDM630 register map', async () => {
    const { meter } = await setup({ scale: 1 }, { errorFraction: 0.08 });
    const s = await meter.read();
    expect(s.ok && s.watts).toBeCloseTo(10.8e6, -1);
  });

  it('reads holding registers, int32 in kW with swapped words, and noise around the draw', async () => {
    const { meter } = await setup({ kind: 'holding', type: 'int32', units: 'kW', wordOrder: 'little', scale: 1 }, { noiseFraction: 0.01 });
    const reads = [];
    for (let i = 0; i < 20; i++) {
      const s = await meter.read();
      if (!s.ok) throw new Error(s.reason);
      reads.push(s.watts);
    }
    const mean = reads.reduce((a, b) => a + b, 0) / reads.length;
    expect(mean).toBeGreaterThan(9.85e6);
    expect(mean).toBeLessThan(10.15e6);
    expect(new Set(reads).size).toBeGreaterThan(1);
  });

  it('gives a reason, never an exception, for a meter that stops answering, answers garbage, jumps, or is gone', async () => {
    const { sim, meter } = await setup();
    sim.fault = 'silent';
    const silent = await meter.read();
    expect(silent).toMatchObject({ ok: false, reason: expect.stringMatching(/did not answer: .*[Tt]imed out/) });
    sim.fault = 'garbage';
    const garbage = await meter.read();
    expect(garbage.ok && garbage.watts).toBeNaN();
    sim.fault = 'jump';
    const jump = await meter.read();
    expect(jump.ok && jump.watts).toBeCloseTo(100e6, -2);
    sim.fault = 'none';
    await sim.close();
    // The open connection may time out first; a new one is refused.
    expect((await meter.read()).ok).toBe(false);
    const gone = await meter.read();
    expect(gone).toMatchObject({ ok: false, reason: expect.stringMatching(/did not answer: .*ECONNREFUSED/) });
  });

  it('reconnects once the meter is back', async () => {
    const { sim: first, meter, config } = await setup();
    expect((await meter.read()).ok).toBe(true);
    await first.close();
    expect((await meter.read()).ok).toBe(false);
    sim = await startMeterSimulator({ drawW: () => 5e6, register: config.register, port: first.port });
    const back = await meter.read();
    expect(back.ok && back.watts).toBe(5e6);
  });
});
