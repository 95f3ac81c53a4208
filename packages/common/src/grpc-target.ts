import { WattpackError } from './errors.js';

const HOST_PORT = /^(?:[^\s:/[\],]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;
const IPV4_PORT = /^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/;

/**
 * One scheduler address (host:port), or several separated by commas — every scheduler
 * of a site, of which only the leader listens — as a gRPC target. Several must be IPv4
 * literals (the `ipv4:` target, tried in order); gRPC targets (`ipv4:...`, `dns:...`) pass through.
 */
export function schedulerTarget(value: string, what = 'scheduler address'): string {
  if (/^(ipv4|ipv6|dns|unix):/.test(value)) return value;
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of parts) {
    const m = HOST_PORT.exec(p);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) {
      throw new WattpackError('INVALID_ARGUMENT', `${what} "${p}": use host:port, e.g. 127.0.0.1:7700 (several: comma-separated)`);
    }
  }
  if (parts.length === 0) throw new WattpackError('INVALID_ARGUMENT', `${what}: empty`);
  if (parts.length === 1) return parts[0]!;
  if (!parts.every((p) => IPV4_PORT.test(p))) {
    throw new WattpackError('INVALID_ARGUMENT', `${what} "${value}": several schedulers must be given as IPv4 host:port (or one DNS name with several addresses)`);
  }
  return `ipv4:${parts.join(',')}`;
}
