import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseXid, type XidEvent } from './health.js';

/** XIDs kept; a GPU that logs more than this is failed many times over. */
const MAX_EVENTS = 1000;

export interface XidWatcherOptions {
  /** Default: dmesg --follow --kernel (root, or kernel.dmesg_restrict=0); without --follow it reads the log once. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Follows the kernel log for NVIDIA XIDs: the whole ring buffer first (an XID since boot
 * still needs its reset), then new lines as they come. One long-lived child, no polling.
 */
export class XidWatcher {
  private readonly found: XidEvent[] = [];
  private child: ChildProcess | undefined;
  private problem: string | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: XidWatcherOptions = {}) {}

  start(): void {
    const [cmd, ...args] = this.opts.argv ?? ['dmesg', '--follow', '--kernel'];
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(this.opts.env ? { env: this.opts.env } : {}) });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = parseXid(line);
      if (!e) return;
      this.found.push(e);
      if (this.found.length > MAX_EVENTS) this.found.shift();
    });
    child.on('error', (err) => (this.problem = `cannot read the kernel log: ${err.message}`));
    const follows = args.includes('--follow') || args.includes('-w');
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        if (!this.stopped && (code !== 0 || follows)) this.problem ??= `kernel log reader exited (${code ?? signal})${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`;
        resolve();
      }),
    );
  }

  /** Resolves once the reader has exited and its lines were read (a one-shot read, or after stop()). */
  finished(): Promise<void> {
    return this.exited;
  }

  events(): readonly XidEvent[] {
    return this.found;
  }

  /** Why XIDs are not being watched, if they are not. */
  unavailable(): string | undefined {
    return this.problem;
  }

  stop(): void {
    this.stopped = true;
    this.child?.kill('SIGTERM');
  }
}
