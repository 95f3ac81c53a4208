import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stderr, so stdout stays for a command's own output. */
export function createLogger(name: string, level: string = process.env.WATTPACK_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}
