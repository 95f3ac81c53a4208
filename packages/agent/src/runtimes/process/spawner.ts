import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the helper starts: a job's process, in its own process group, as its user. */
export interface SpawnRequest {
  id: number;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  uid: number;
  gid: number;
}

export type HelperReply =
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'error'; id: number; code?: string; message: string }
  | { t: 'line'; id: number; stream: 'stdout' | 'stderr'; line: string }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: 'end'; id: number };

/** How a started process ended; `lost` when the helper died first (its exit is then unknown). */
export type SpawnExit = { code: number | null; signal: NodeJS.Signals | null; lost?: string };

export interface Spawned {
  pid: number;
  /** Its exit, as Node's 'exit' event gives it. */
  exit: Promise<SpawnExit>;
  /** Resolves once both output streams were read out (after the exit, unless a child holds them open). */
  output: Promise<void>;
}

/** A start the helper could not make, with the errno code (ENOENT, EACCES, EPERM…) when there is one. */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Call {
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  started?: (s: { pid: number } | SpawnError) => void;
  exited?: (e: SpawnExit) => void;
  ended?: () => void;
}

/**
 * The compiled helper, from src as from dist (both sit at the same depth of the package):
 * unit tests run from source after `pnpm build`, as `npm test` does. A packaged agent has
 * no such file: it forks its own entry, which runs the helper when told (main.ts).
 */
const BUILT_HELPER = fileURLToPath(new URL('../../../dist/runtimes/process/spawn-helper.js', import.meta.url));
const helperModule = (): string => (existsSync(BUILT_HELPER) ? BUILT_HELPER : process.argv[1]!);

/**
 * Starts processes through the spawn helper (spawn-helper.ts), one per agent process,
 * started on first use and again after it died. If it dies, the processes it started keep
 * running but can no longer be followed: their exits resolve as `lost`, and the runtime
 * ends their process groups.
 */
export class Spawner {
  private helper: ChildProcess | undefined;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;

  spawn(req: Omit<SpawnRequest, 'id'>, onLine: Call['onLine']): Promise<Spawned> {
    const id = this.nextId++;
    const call: Call = { onLine };
    const exit = new Promise<SpawnExit>((resolve) => (call.exited = resolve));
    const output = new Promise<void>((resolve) => (call.ended = resolve));
    const started = new Promise<{ pid: number } | SpawnError>((resolve) => (call.started = resolve));
    this.calls.set(id, call);
    const helper = this.running();
    helper.channel?.ref();
    try {
      helper.send({ ...req, id } satisfies SpawnRequest);
    } catch (err) {
      this.settle(id, new SpawnError(`the spawn helper is not reachable: ${(err as Error).message}`));
    }
    return started.then((s) => {
      if (s instanceof SpawnError) throw s;
      return { pid: s.pid, exit, output };
    });
  }

  private running(): ChildProcess {
    if (this.helper) return this.helper;
    // No execArgv: the agent's own flags (an inspector, a profiler) are not the helper's.
    const env = { ...process.env, WATTPACK_SPAWN_HELPER: '1' };
    const helper = fork(helperModule(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], serialization: 'json', env });
    helper.unref();
    helper.on('message', (m: HelperReply) => this.onReply(m));
    helper.on('error', () => undefined); // 'exit' follows, and handles it
    helper.once('exit', (code, signal) => {
      if (this.helper === helper) this.helper = undefined;
      const why = `the agent's spawn helper exited (${signal ?? `code ${code}`})`;
      for (const id of [...this.calls.keys()]) this.settle(id, new SpawnError(why));
    });
    this.helper = helper;
    return helper;
  }

  private onReply(m: HelperReply): void {
    const call = this.calls.get(m.id);
    if (!call) return;
    switch (m.t) {
      case 'spawned':
        call.started?.({ pid: m.pid });
        call.started = undefined;
        return;
      case 'error':
        return this.settle(m.id, new SpawnError(m.message, m.code));
      case 'line':
        return call.onLine(m.stream, m.line);
      case 'exit':
        call.exited?.({ code: m.code, signal: m.signal });
        call.exited = undefined;
        return;
      case 'end':
        return this.settle(m.id);
    }
  }

  /** The call is over: a start not made fails with `failure`; an exit not seen is `lost`. */
  private settle(id: number, failure?: SpawnError): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    call.started?.(failure ?? new SpawnError('the spawn helper ended the call'));
    call.exited?.({ code: null, signal: null, lost: failure?.message ?? 'exit not seen' });
    call.ended?.();
    if (this.calls.size === 0) this.helper?.channel?.unref();
  }

  /** Ends the helper (tests; the agent's exit ends it by closing the channel). */
  close(): void {
    this.helper?.kill();
  }
}

/** The agent's one helper, shared by every node of a hollow fleet. */
export const spawner = new Spawner();
