import { once } from 'node:events';
import { ServerTCP } from 'modbus-serial';
import { freePort, type MeterRegister } from '@wattpack/common/daemon';
import { encodeWatts, registerCount } from './registers.js';

/**
 * A facility meter on loopback that speaks real Modbus TCP (modbus-serial's server): it
 * reads the site's draw from `drawW` and answers with it plus a steady error and noise,
 * the way a meter disagrees with a model. Faults are what a real meter does when it fails.
 */

/** silent: stops answering; garbage: NaN (a float meter's "no value"); jump: reads 10x. */
export type MeterFault = 'none' | 'silent' | 'garbage' | 'jump';

export interface MeterSimulatorOptions {
  /** The site's true draw, W (what the meter measures before its error and noise). */
  drawW: () => number;
  register: MeterRegister;
  /** Steady error as a share of the draw (0.08: reads 8 % high). */
  errorFraction?: number;
  /** Gaussian noise, standard deviation as a share of the draw. */
  noiseFraction?: number;
  host?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  unitId?: number;
  /** Random numbers in [0, 1) for the noise (tests seed it). */
  random?: () => number;
}

export interface MeterSimulator {
  host: string;
  port: number;
  fault: MeterFault;
  /** What the meter reads now, W (before encoding). */
  readingW(): number;
  close(): Promise<void>;
}

export async function startMeterSimulator(o: MeterSimulatorOptions): Promise<MeterSimulator> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort());
  const random = o.random ?? Math.random;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const sim: MeterSimulator = {
    host,
    port,
    fault: 'none',
    readingW: () => {
      const draw = o.drawW();
      const w = draw * (1 + (o.errorFraction ?? 0)) + draw * (o.noiseFraction ?? 0) * gauss();
      return sim.fault === 'jump' ? 10 * w : w;
    },
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  const n = registerCount(o.register);
  const words = (addr: number, length: number): number[] => {
    const value = sim.fault === 'garbage' ? encodeWatts(Number.NaN, { ...o.register, type: 'float32' }) : encodeWatts(sim.readingW(), o.register);
    return Array.from({ length }, (_, i) => {
      const k = addr + i - o.register.address;
      return k >= 0 && k < n ? (value[k] ?? 0) : 0;
    });
  };
  // The server's callback forms (a silent meter never calls back: the client's timeout tells it).
  const many = (addr: number, length: number, _unit: number, cb: (err: Error | null, v: number[]) => void) => {
    if (sim.fault !== 'silent') cb(null, words(addr, length));
  };
  const one = (addr: number, _unit: number, cb: (err: Error | null, v: number) => void) => {
    if (sim.fault !== 'silent') cb(null, words(addr, 1)[0]!);
  };
  const vector = o.register.kind === 'input' ? { getMultipleInputRegisters: many, getInputRegister: one } : { getMultipleHoldingRegisters: many, getHoldingRegister: one };
  const server = new ServerTCP(vector, { host, port, unitID: o.unitId ?? 1 });
  const [ok] = await Promise.race([once(server, 'initialized').then(() => [true]), once(server, 'serverError')]);
  if (ok !== true) throw new Error(`meter simulator cannot listen on ${host}:${port}: ${String(ok)}`);
  return sim;
}
