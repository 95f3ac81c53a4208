import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCa, issueCertificate, readAsset } from '@wattpack/common';

/**
 * The replies of DMTF's public-rackmount1 mockup (data/redfish-rackmount1/README.md),
 * through readAsset: a single binary carries them, a checkout reads them from data/.
 */
const data = (file: string) => JSON.parse(readAsset(`packages/agent/data/redfish-rackmount1/${file}`)) as Record<string, unknown>;
const CHASSIS = '/redfish/v1/Chassis/1U';

export interface RedfishSimulatorOptions {
  /** The server's input power now, W (null: the BMC has no reading). */
  inputW: () => number | null;
  username: string;
  password: string;
  /** Which power model the BMC serves: the older Power resource, the newer EnvironmentMetrics, or both (as the mockup). */
  models?: 'Power' | 'EnvironmentMetrics' | 'both';
}

export interface RedfishSimulator {
  url: string;
  /** PEM of the CA that signed its certificate: what a client must trust. */
  ca: string;
  close(): Promise<void>;
}

/**
 * A BMC on loopback that serves Redfish over HTTPS with Basic auth, in the shape of a real
 * server's replies, with the simulated server's input power in PowerConsumedWatts and
 * PowerWatts.Reading. Its certificate comes from a CA made for it alone.
 */
export async function startRedfishSimulator(o: RedfishSimulatorOptions): Promise<RedfishSimulator> {
  const ca = await createCa('simulated-bmc', 30);
  const cert = await issueCertificate(ca, { name: 'bmc', role: 'node', teams: [] }, { days: 30, hosts: ['127.0.0.1', 'localhost'] });
  const models = o.models ?? 'both';
  const chassis = data('chassis-1u.json');
  const power = data('power.json');
  const env = data('environment-metrics.json');
  const expected = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const replies: Record<string, () => unknown> = {
    '/redfish/v1/Chassis': () => ({ '@odata.id': '/redfish/v1/Chassis', '@odata.type': '#ChassisCollection.ChassisCollection', Name: 'Chassis Collection', Members: [{ '@odata.id': CHASSIS }], 'Members@odata.count': 1 }),
    [CHASSIS]: () => {
      const { Power: _p, EnvironmentMetrics: _e, ...rest } = chassis;
      return { ...rest, ...(models !== 'EnvironmentMetrics' ? { Power: chassis['Power'] } : {}), ...(models !== 'Power' ? { EnvironmentMetrics: chassis['EnvironmentMetrics'] } : {}) };
    },
    ...(models !== 'EnvironmentMetrics'
      ? {
          [`${CHASSIS}/Power`]: () => {
            const controls = power['PowerControl'] as Record<string, unknown>[];
            return { ...power, PowerControl: [{ ...controls[0], PowerConsumedWatts: rounded(o.inputW()) }, ...controls.slice(1)] };
          },
        }
      : {}),
    ...(models !== 'Power' ? { [`${CHASSIS}/EnvironmentMetrics`]: () => ({ ...env, PowerWatts: { ...(env['PowerWatts'] as object), Reading: rounded(o.inputW()) } }) } : {}),
  };
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!.replace(/\/$/, '');
    const reply = replies[path];
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== expected) res.writeHead(401).end(JSON.stringify({ error: { code: 'Base.1.8.NoValidSession', message: 'authentication required' } }));
    else if (!reply) res.writeHead(404).end(JSON.stringify({ error: { code: 'Base.1.8.ResourceMissingAtURI', message: `${path} not found` } }));
    else res.writeHead(200).end(JSON.stringify(reply()));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: ca.certPem,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

const rounded = (w: number | null) => (w === null ? null : Math.round(w));
