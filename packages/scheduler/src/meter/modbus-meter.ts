import modbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { MeterConfig } from '@wattpack/common/daemon';
import { decodeWatts, registerCount } from './registers.js';

/** What one poll of the meter gave: watts, or why there are none. */
export type MeterSample = { ok: true; watts: number; at: number } | { ok: false; reason: string; at: number };

/**
 * The facility meter over Modbus TCP (modbus-serial: a maintained client that frames
 * MBAP, matches transaction ids and times requests out, so none of that is written here).
 * One connection, opened on the first read and again after any failure.
 */
// The package's typings declare an ES default export; at run time the CommonJS module itself is the client class.
const ModbusClient = modbusSerial as unknown as typeof ModbusRTU;

export class ModbusMeter {
  private client: ModbusRTU | undefined;

  constructor(
    private readonly config: MeterConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** One reading. Never throws: a failure is a sample with its reason. */
  async read(): Promise<MeterSample> {
    const { register: r, host, port } = this.config;
    const at = this.now();
    try {
      const client = await this.connect();
      const reply = r.kind === 'input' ? await client.readInputRegisters(r.address, registerCount(r)) : await client.readHoldingRegisters(r.address, registerCount(r));
      return { ok: true, watts: decodeWatts(reply.data, r), at };
    } catch (err) {
      this.close();
      return { ok: false, reason: `meter ${host}:${port} did not answer: ${describe(err)}`, at };
    }
  }

  close(): void {
    const c = this.client;
    this.client = undefined;
    if (c?.isOpen) c.close(() => undefined);
  }

  private async connect(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    this.close();
    const client = new ModbusClient();
    // A socket error after connect is reported by the next read; unhandled, it would kill the scheduler.
    client.on('error', () => undefined);
    client.setTimeout(this.config.timeoutMs);
    await client.connectTCP(this.config.host, { port: this.config.port, timeout: this.config.timeoutMs });
    client.setID(this.config.unitId);
    this.client = client;
    return client;
  }
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { message?: unknown; errno?: unknown; modbusCode?: unknown };
    if (typeof e.modbusCode === 'number') return `Modbus exception ${e.modbusCode} (${String(e.message)})`;
    if (typeof e.message === 'string') return e.message;
    if (typeof e.errno === 'string') return e.errno;
  }
  return String(err);
}
