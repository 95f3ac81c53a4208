import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCa, issueCertificate, readAsset } from '@wattpack/common';
import { RESET_TYPES, type ResetType } from './reset-types.js';

/**
 * The replies of DMTF's public-rackmount1 mockup (data/redfish-rackmount1/README.md),
 * through readAsset: a single binary carries them, a checkout reads them from data/.
 */
const data = (file: string) => JSON.parse(readAsset(`packages/agent/data/redfish-rackmount1/${file}`)) as Record<string, unknown>;
const CHASSIS = '/redfish/v1/Chassis/1U';
const SYSTEM = '/redfish/v1/Systems/437XR1138R2';
const RESET = `${SYSTEM}/Actions/ComputerSystem.Reset`;

/** A ComputerSystem's PowerState (Redfish schema Resource.PowerState). */
export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface RedfishSimulatorOptions {
  /** The server's input power now, W (null: the BMC has no reading). */
  inputW: () => number | null;
  username: string;
  password: string;
  /** Which power model the BMC serves: the older Power resource, the newer EnvironmentMetrics, or both (as the mockup). */
  models?: 'Power' | 'EnvironmentMetrics' | 'both';
  /** The server's input power while off (its BMC in standby), W. Default 40. */
  standbyW?: number;
  /** How long a power-on takes (PoweringOn, then On), ms. Default 0. */
  bootMs?: number;
  /**
   * Reset types it accepts (204) and then ignores: an OS that ignores the ACPI shutdown
   * (GracefulShutdown), or a BMC that does nothing at all (ForceOff too).
   */
  ignoreResets?: readonly ResetType[];
  /** Told when the server's power changes (the dev site's agent goes dark while off). */
  onPowerState?: (state: RedfishPowerState) => void;
  /** Where it listens: default 127.0.0.1 on a free port. */
  listen?: { host: string; port: number };
  /** Its certificate, key and CA (a launcher that hands the CA to the scheduler); default made for it alone. */
  tls?: { certPem: string; keyPem: string; caPem: string };
}

export interface RedfishSimulator {
  url: string;
  /** The system's power now. */
  powerState(): RedfishPowerState;
  /** The ResetTypes it was sent, in order, ignored ones too. */
  resets(): ResetType[];
  /** PEM of the CA that signed its certificate: what a client must trust. */
  ca: string;
  /** What its access log would show: TLS connections accepted and requests served. */
  served(): { connections: number; requests: number };
  close(): Promise<void>;
}

/**
 * A BMC on loopback that serves Redfish over HTTPS with Basic auth, in the shape of a real
 * server's replies, with the simulated server's input power in PowerConsumedWatts and
 * PowerWatts.Reading. Its certificate comes from a CA made for it alone.
 */
export async function startRedfishSimulator(o: RedfishSimulatorOptions): Promise<RedfishSimulator> {
  const tls = o.tls ?? (await ownTls());
  const power = simulatedPower(o);
  const replies = resourceReplies(o.models ?? 'both', power);
  const expected = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const served = { connections: 0, requests: 0 };
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    served.requests++;
    const path = (req.url ?? '').split('?')[0]!.replace(/\/$/, '');
    const reply = replies[path];
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== expected) fail(res, 401, 'NoValidSession', 'authentication required');
    else if (req.method === 'POST' && path === RESET) handleReset(req, res, power);
    else if (req.method !== 'GET') fail(res, 405, 'OperationNotAllowed', `${req.method} ${path} is not allowed`);
    else if (!reply) fail(res, 404, 'ResourceMissingAtURI', `${path} not found`);
    else res.writeHead(200).end(JSON.stringify(reply()));
  });
  const listen = o.listen ?? { host: '127.0.0.1', port: 0 };
  // Idle connections outlive the agent's 5 s between readings: one connection, not a TLS handshake per reading.
  server.keepAliveTimeout = 60_000;
  server.on('secureConnection', () => served.connections++);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(listen.port, listen.host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${listen.host}:${port}`,
    ca: tls.caPem,
    powerState: power.state,
    resets: () => [...power.resets],
    served: () => ({ ...served }),
    close: () =>
      new Promise<void>((done) => {
        power.stop();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** A certificate for 127.0.0.1 from a CA made for this BMC alone. */
export async function ownTls(days = 30): Promise<{ certPem: string; keyPem: string; caPem: string }> {
  const ca = await createCa('simulated-bmc', days);
  const cert = await issueCertificate(ca, { name: 'bmc', role: 'node', teams: [] }, { days, hosts: ['127.0.0.1', 'localhost'] });
  return { certPem: cert.certPem, keyPem: cert.keyPem, caPem: ca.certPem };
}

/** The simulated server's power: its state, what it draws, and what a reset does to it. */
interface SimulatedPower {
  state(): RedfishPowerState;
  inputW(): number | null;
  reset(type: ResetType): void;
  readonly resets: ResetType[];
  /** Cancels a power-on under way. */
  stop(): void;
}

function simulatedPower(o: RedfishSimulatorOptions): SimulatedPower {
  let state: RedfishPowerState = 'On';
  let booting: NodeJS.Timeout | undefined;
  const setPower = (next: RedfishPowerState) => {
    state = next;
    o.onPowerState?.(next);
  };
  return {
    resets: [],
    state: () => state,
    inputW: () => (state === 'Off' ? (o.standbyW ?? 40) : o.inputW()),
    reset(type) {
      this.resets.push(type);
      if (o.ignoreResets?.includes(type)) return;
      clearTimeout(booting);
      if (type === 'GracefulShutdown' || type === 'ForceOff') setPower('Off');
      else if (state === 'Off' && (type === 'On' || type === 'ForceOn' || type === 'PushPowerButton')) {
        setPower('PoweringOn');
        booting = setTimeout(() => setPower('On'), o.bootMs ?? 0);
      }
    },
    stop: () => clearTimeout(booting),
  };
}

/** The GET replies by path: the mockup's resources, with the power state and readings of now. */
function resourceReplies(models: NonNullable<RedfishSimulatorOptions['models']>, power: SimulatedPower): Record<string, () => unknown> {
  const chassis = data('chassis-1u.json');
  const powerResource = data('power.json');
  const env = data('environment-metrics.json');
  return {
    '/redfish/v1/Systems': () => ({ '@odata.id': '/redfish/v1/Systems', '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection', Name: 'Computer System Collection', Members: [{ '@odata.id': SYSTEM }], 'Members@odata.count': 1 }),
    // The fields of public-rackmount1's Systems/437XR1138R2 that power control reads (DMTF ComputerSystem.v1_22_0).
    [SYSTEM]: () => ({
      '@odata.id': SYSTEM,
      '@odata.type': '#ComputerSystem.v1_22_0.ComputerSystem',
      Id: '437XR1138R2',
      Name: 'WebFrontEnd483',
      SystemType: 'Physical',
      PowerState: power.state(),
      Status: { State: power.state() === 'Off' ? 'StandbyOffline' : 'Enabled', Health: 'OK' },
      Links: { Chassis: [{ '@odata.id': CHASSIS }] },
      Actions: { '#ComputerSystem.Reset': { target: RESET, 'ResetType@Redfish.AllowableValues': RESET_TYPES } },
    }),
    '/redfish/v1/Chassis': () => ({ '@odata.id': '/redfish/v1/Chassis', '@odata.type': '#ChassisCollection.ChassisCollection', Name: 'Chassis Collection', Members: [{ '@odata.id': CHASSIS }], 'Members@odata.count': 1 }),
    [CHASSIS]: () => {
      const { Power: _p, EnvironmentMetrics: _e, ...rest } = chassis;
      return { ...rest, ...(models !== 'EnvironmentMetrics' ? { Power: chassis['Power'] } : {}), ...(models !== 'Power' ? { EnvironmentMetrics: chassis['EnvironmentMetrics'] } : {}) };
    },
    ...(models !== 'EnvironmentMetrics'
      ? {
          [`${CHASSIS}/Power`]: () => {
            const controls = powerResource['PowerControl'] as Record<string, unknown>[];
            return { ...powerResource, PowerControl: [{ ...controls[0], PowerConsumedWatts: rounded(power.inputW()) }, ...controls.slice(1)] };
          },
        }
      : {}),
    ...(models !== 'Power' ? { [`${CHASSIS}/EnvironmentMetrics`]: () => ({ ...env, PowerWatts: { ...(env['PowerWatts'] as object), Reading: rounded(power.inputW()) } }) } : {}),
  };
}

/** ComputerSystem.Reset: checks ResetType against the allowed values, then acts on it. */
function handleReset(req: IncomingMessage, res: ServerResponse, power: SimulatedPower): void {
  readBody(req).then((body) => {
    const type = (body as { ResetType?: unknown } | undefined)?.ResetType;
    if (typeof type !== 'string' || !(RESET_TYPES as readonly string[]).includes(type)) {
      fail(res, 400, 'ActionParameterValueNotInList', `ResetType ${JSON.stringify(type)} is not one of ${RESET_TYPES.join(', ')}`);
      return;
    }
    power.reset(type as ResetType);
    res.writeHead(204).end();
  }, () => fail(res, 400, 'MalformedJSON', 'the body is not JSON'));
}

/** A Redfish error reply with a Base message registry code. */
function fail(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status).end(JSON.stringify({ error: { code: `Base.1.8.${code}`, message } }));
}

/** A request's JSON body (at most 64 KiB: an action's parameters). */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 65_536) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const rounded = (w: number | null) => (w === null ? null : Math.round(w));
