/**
 * Fault injection for crash tests: WATTPACK_CRASH_AT=<point> kills the process with
 * SIGKILL when it reaches that point, as `kill -9` at the worst moment would. Unset (as
 * in production), it does nothing. The points are named where they are called.
 */
export function crashPoint(point: string): void {
  if (process.env.WATTPACK_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
