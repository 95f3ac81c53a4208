import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports handed out here come from below the kernel's ephemeral range, as HashiCorp's
 * freeport does for Nomad's and Consul's tests. A port the kernel chose (listen on 0) is
 * an ephemeral one, and between its close and the daemon's bind any outgoing connection
 * on the machine may take it as its local port: with many sites side by side (tests,
 * `wattpack dev`) an agent then died on EADDRINUSE and its node never registered.
 */
const FLOOR = 10_000;
const TRIES = 50;
/** Handed out by this process and not to be given again: the daemon may not have bound it yet. */
const given = new Set<number>();

/** The ephemeral range (Linux reads it from /proc; elsewhere IANA's 49152-65535). */
function ephemeralRange(): { from: number; to: number } {
  try {
    const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (from && to && from > FLOOR) return { from, to };
  } catch {
    // not Linux
  }
  return { from: 49_152, to: 65_535 };
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A TCP port free on loopback now, outside the ephemeral range, not given before by this process. */
export async function freePort(): Promise<number> {
  const below = ephemeralRange().from;
  for (let i = 0; i < TRIES; i++) {
    const port = FLOOR + Math.floor(Math.random() * (below - FLOOR));
    if (given.has(port) || !(await bindable(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no free TCP port between ${FLOOR} and ${below - 1} after ${TRIES} tries`);
}
