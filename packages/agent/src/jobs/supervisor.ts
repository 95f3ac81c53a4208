import { constants } from 'node:os';
import { startCommandSchema, type AgentCommand, type AttemptState, type EndedAttempt, type JobEvent, type LogRecord, type Logger, type MinersCommand, type SetPowerCommand, type StartCommand, type StopCommand } from '@wattpack/common/daemon';
import type { PowerControl } from '../power/power-control.js';
import { StartError, type ExitStatus, type JobUser, type Runtime } from '../runtimes/runtime.js';
import { hostAccounts, resolveJobUser, type AccountLookup } from './accounts.js';
import { jobEnv, outputFile, OutputFiles, prepareCheckpointDir } from './job-context.js';

export interface SupervisorDeps {
  nodeId: string;
  runtime: Runtime;
  power: PowerControl;
  /** Resolves once the event is durably published (the NATS link retries until then, or until it closes). */
  publishEvent(event: JobEvent): Promise<void>;
  publishLog(record: LogRecord): void;
  logger: Logger;
  /** How the node's Unix accounts are found (default: getent passwd, found ones kept a minute, one cache per process). */
  lookupAccount?: AccountLookup;
}

interface Attempt {
  cmd: StartCommand;
  phase: 'starting' | 'running' | 'stopping';
  startedAtMs?: number;
  /** The exit reason once a stop was asked for. */
  stopReason?: string;
  /** A stop that arrived while the attempt was still starting. */
  pendingStop?: StopRequest;
  maxRuntimeTimer?: NodeJS.Timeout;
  /** The job's output files on this node, when it asked for them. */
  outputFiles?: OutputFiles;
  /** Resolves once the attempt's last event was handed to publishEvent. */
  done: Promise<void>;
  finish(): void;
}

interface StopRequest {
  signal: NodeJS.Signals;
  graceSeconds: number;
  reason: string;
}

/** Container labels: which node and job an attempt belongs to, and what the agent needs to take it over again. */
export const LABELS = { node: 'wattpack.node-id', job: 'wattpack.job-id', attempt: 'wattpack.attempt' } as const;

/** The part of a start command kept with the running attempt (no command, env or image: they may be large or secret). */
const savedAttemptSchema = startCommandSchema.pick({
  jobId: true,
  attemptId: true,
  attempt: true,
  nodeRank: true,
  nodeCount: true,
  gpuIndices: true,
  powerLimitW: true,
  checkpoint: true,
  maxRuntimeSeconds: true,
});

/** Finished attempt ids kept to ignore redelivered starts; old ones are forgotten first. */
const REMEMBERED_ATTEMPTS = 10_000;
/** How long an ended attempt stays in reports. */
const ENDED_REPORTED_MS = 10 * 60_000;
/** NATS refuses payloads over 1 MiB; a log line is cut well before that. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Runs attempts as the scheduler commands. Commands are idempotent by attemptId: a start
 * for an attempt this agent runs or ran is ignored, a stop for one it does not know is
 * a no-op. handle() resolves once the command was applied (for a start: the process runs
 * or failed, and the event is published), so the caller may acknowledge it then; bad
 * commands are logged, never thrown.
 */
export class Supervisor {
  private readonly active = new Map<string, Attempt>();
  private readonly finished = new Set<string>();
  /** How recent attempts ended, reported so that a scheduler that missed the event can settle them. */
  private readonly ended = new Map<string, EndedAttempt>();
  private readonly log: Logger;
  /** The newest scheduler term seen: commands of an older one come from a deposed leader. */
  private term = 0;
  private readonly accounts: AccountLookup;

  constructor(private readonly deps: SupervisorDeps) {
    this.log = deps.logger.child({ component: 'supervisor' });
    this.accounts = deps.lookupAccount ?? hostAccounts;
  }

  async handle(cmd: AgentCommand): Promise<void> {
    if (cmd.term < this.term) {
      this.log.warn({ commandId: cmd.commandId, kind: cmd.kind, term: cmd.term, current: this.term }, 'command from a deposed scheduler (older term): ignored');
      return;
    }
    this.term = cmd.term;
    try {
      switch (cmd.kind) {
        case 'start':
          return await this.start(cmd);
        case 'stop':
          return this.stop(cmd);
        case 'set-power':
          return await this.setPower(cmd);
        case 'miners':
          return await this.miners(cmd);
      }
    } catch (err) {
      this.log.error({ err, commandId: cmd.commandId, kind: cmd.kind }, 'command failed');
    }
  }

  /** Attempts that ended in the last ten minutes. */
  recentlyEnded(now = Date.now()): EndedAttempt[] {
    for (const [id, e] of this.ended) if (now - e.atMs > ENDED_REPORTED_MS) this.ended.delete(id);
    return [...this.ended.values()];
  }

  /** Attempts whose process runs now (stopping ones included). */
  attempts(): AttemptState[] {
    return [...this.active.values()]
      .filter((a) => a.startedAtMs !== undefined)
      .map((a) => ({ jobId: a.cmd.jobId, attemptId: a.cmd.attemptId, gpuIndices: [...a.cmd.gpuIndices], startedAtMs: a.startedAtMs! }));
  }

  /** The GPUs of attempts past their start, each with its attempt's env (what simulated GPUs draw depends on it). */
  busyGpus(): Map<number, Readonly<Record<string, string>>> {
    return new Map([...this.active.values()].filter((a) => a.phase !== 'starting').flatMap((a) => a.cmd.gpuIndices.map((i) => [i, a.cmd.env] as const)));
  }

  /** Stops every attempt with its own checkpoint signal and grace; resolves once all exited and their events were handed over. */
  async stopAll(reason: string): Promise<void> {
    const attempts = [...this.active.values()];
    for (const a of attempts) void this.stopAttempt(a, { signal: a.cmd.checkpoint.signal, graceSeconds: a.cmd.checkpoint.graceSeconds, reason });
    await Promise.all(attempts.map((a) => a.done));
  }

  private async start(cmd: StartCommand): Promise<void> {
    const log = this.log.child({ jobId: cmd.jobId, attemptId: cmd.attemptId });
    if (this.active.has(cmd.attemptId) || this.finished.has(cmd.attemptId)) {
      log.info({ commandId: cmd.commandId }, 'start for a known attempt ignored');
      return;
    }
    const attempt = this.track(cmd);

    // Who it runs as, first: an attempt that may not run touches no power limit.
    let user: JobUser;
    try {
      user = await resolveJobUser(cmd.owner, cmd.runAs, this.deps.nodeId, this.accounts);
    } catch (err) {
      return this.failed(attempt, err instanceof StartError ? err.message : `cannot start: ${messageOf(err)}`);
    }

    const busy = this.busyGpus();
    const shared = cmd.gpuIndices.filter((i) => busy.has(i));
    if (shared.length) log.warn({ gpus: shared }, 'GPUs already in use by another attempt');

    try {
      await this.deps.power.setGpuLimits(cmd.gpuIndices, cmd.powerLimitW);
    } catch (err) {
      return this.failed(attempt, `power limit not applied: ${messageOf(err)}`);
    }
    let exited: Promise<ExitStatus>;
    try {
      ({ exited } = await this.spawn(cmd, user, attempt));
    } catch (err) {
      await attempt.outputFiles?.close();
      await this.restoreLimits(attempt);
      return this.failed(attempt, err instanceof StartError ? err.message : `cannot start: ${messageOf(err)}`);
    }
    log.info({ argv: [...cmd.command, ...cmd.args], gpus: cmd.gpuIndices, powerLimitW: cmd.powerLimitW, owner: cmd.owner, uid: user.uid, gid: user.gid }, 'attempt started');
    this.running(attempt, Date.now(), exited);
    await this.publish({ kind: 'started', nodeId: this.deps.nodeId, jobId: cmd.jobId, attemptId: cmd.attemptId, at: attempt.startedAtMs! });
    if (attempt.pendingStop) void this.stopAttempt(attempt, attempt.pendingStop);
  }

  /** The attempt's process or container, with its checkpoint directory, output files and log lines; its exit. */
  private async spawn(cmd: StartCommand, user: JobUser, attempt: Attempt): Promise<{ exited: Promise<ExitStatus> }> {
    if (cmd.checkpointDir) prepareCheckpointDir(cmd.checkpointDir, user);
    const files = { ...(cmd.output ? { stdout: outputFile(cmd.output, cmd) } : {}), ...(cmd.error ? { stderr: outputFile(cmd.error, cmd) } : {}) };
    if (cmd.output || cmd.error) attempt.outputFiles = new OutputFiles(files, user);
    // A container sees its checkpoint directory at the same path as the host.
    const checkpointMount = cmd.image && cmd.checkpointDir ? [{ source: cmd.checkpointDir, target: cmd.checkpointDir, readOnly: false }] : [];
    return this.deps.runtime.start({
      attemptId: cmd.attemptId,
      argv: [...cmd.command, ...cmd.args],
      env: { ...cmd.env, ...jobEnv(cmd, this.deps.nodeId) },
      user,
      gpuIndices: cmd.gpuIndices,
      ...(cmd.hostNetwork ? { hostNetwork: true } : {}),
      ...(cmd.image ? { image: cmd.image } : {}),
      ...(cmd.cpus !== undefined ? { cpus: cmd.cpus } : {}),
      ...(cmd.memoryMib !== undefined ? { memoryMib: cmd.memoryMib } : {}),
      ...(cmd.workdir ? { workdir: cmd.workdir } : {}),
      mounts: [...(cmd.mounts ?? []), ...checkpointMount],
      ...(cmd.container ? { container: cmd.container } : {}),
      labels: this.labels(cmd),
      onLine: (stream, line) => {
        attempt.outputFiles?.write(stream, line);
        this.publishLog({ jobId: cmd.jobId, attemptId: cmd.attemptId, nodeId: this.deps.nodeId, stream, line: line.slice(0, MAX_LINE_CHARS), at: Date.now() });
      },
    });
  }

  /** From now on the attempt runs: its exit is awaited and its max runtime counts from `startedAtMs`. */
  private running(attempt: Attempt, startedAtMs: number, exited: Promise<ExitStatus>): void {
    const { cmd } = attempt;
    attempt.phase = 'running';
    attempt.startedAtMs = startedAtMs;
    void exited.then((status) => this.exited(attempt, status));
    if (cmd.maxRuntimeSeconds !== undefined) {
      const { signal, graceSeconds } = cmd.checkpoint;
      const left = Math.max(0, startedAtMs + cmd.maxRuntimeSeconds * 1000 - Date.now());
      attempt.maxRuntimeTimer = setTimeout(() => void this.stopAttempt(attempt, { signal, graceSeconds, reason: 'max runtime exceeded' }), left);
    }
  }

  /**
   * Takes over the attempts the runtime still runs for this node from before a restart
   * (containers found by label): they are reported again, their limits re-applied, their
   * exit published; a start for one of them is then ignored like any repeat.
   */
  async recover(): Promise<number> {
    const found = await this.deps.runtime.recover({ [LABELS.node]: this.deps.nodeId }, (attemptId, stream, line) => {
      const jobId = this.active.get(attemptId)?.cmd.jobId;
      if (jobId) this.publishLog({ jobId, attemptId, nodeId: this.deps.nodeId, stream, line: line.slice(0, MAX_LINE_CHARS), at: Date.now() });
    });
    let recovered = 0;
    for (const r of found) {
      let saved: unknown;
      try {
        saved = JSON.parse(r.labels[LABELS.attempt] ?? '');
      } catch {
        saved = undefined;
      }
      const parsed = savedAttemptSchema.safeParse(saved);
      if (!parsed.success || parsed.data.attemptId !== r.attemptId) {
        this.log.error({ attemptId: r.attemptId, labels: r.labels }, 'found an attempt without usable labels: left alone');
        continue;
      }
      const cmd: StartCommand = { ...parsed.data, kind: 'start', commandId: `recovered-${r.attemptId}`, issuedAt: r.startedAtMs, term: 0, command: [], args: [], env: {}, owner: '', hostNetwork: false };
      const attempt = this.track(cmd);
      this.running(attempt, r.startedAtMs, r.process.exited);
      recovered++;
      // The old agent may have died before publishing it; a repeat is dropped by its message id.
      await this.publish({ kind: 'started', nodeId: this.deps.nodeId, jobId: cmd.jobId, attemptId: cmd.attemptId, at: r.startedAtMs });
      try {
        await this.deps.power.setGpuLimits(cmd.gpuIndices, cmd.powerLimitW);
      } catch (err) {
        this.log.error({ err, attemptId: cmd.attemptId }, 'power limit of a recovered attempt not applied');
      }
      this.log.info({ jobId: cmd.jobId, attemptId: cmd.attemptId, gpus: cmd.gpuIndices, powerLimitW: cmd.powerLimitW }, 'attempt recovered after a restart');
    }
    return recovered;
  }

  /** A new attempt, known from now on (so a repeated start is ignored); its phase is starting. */
  private track(cmd: StartCommand): Attempt {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const attempt: Attempt = { cmd, phase: 'starting', done, finish };
    this.active.set(cmd.attemptId, attempt);
    return attempt;
  }

  private labels(cmd: StartCommand): Record<string, string> {
    return { [LABELS.node]: this.deps.nodeId, [LABELS.job]: cmd.jobId, [LABELS.attempt]: JSON.stringify(savedAttemptSchema.parse(cmd)) };
  }

  private stop(cmd: StopCommand): void {
    const attempt = this.active.get(cmd.attemptId);
    if (!attempt) {
      this.log.info({ attemptId: cmd.attemptId, commandId: cmd.commandId }, 'stop for an attempt not running here: nothing to do');
      return;
    }
    let signal: NodeJS.Signals = attempt.cmd.checkpoint.signal;
    if (isSignal(cmd.signal)) signal = cmd.signal;
    else this.log.warn({ attemptId: cmd.attemptId, signal: cmd.signal }, `stop: unknown signal "${cmd.signal}", sending ${signal}`);
    // Not awaited: the grace period may outlast the command's ack deadline.
    void this.stopAttempt(attempt, { signal, graceSeconds: cmd.graceSeconds, reason: cmd.reason });
  }

  private async stopAttempt(attempt: Attempt, req: StopRequest): Promise<void> {
    if (attempt.phase === 'starting') {
      attempt.pendingStop ??= req;
      return;
    }
    if (attempt.phase !== 'running') return;
    attempt.phase = 'stopping';
    attempt.stopReason = req.reason;
    const { attemptId } = attempt.cmd;
    this.log.info({ attemptId, signal: req.signal, graceSeconds: req.graceSeconds, reason: req.reason }, 'stopping attempt');
    try {
      await this.deps.runtime.stop(attemptId, req.signal, req.graceSeconds);
    } catch (err) {
      this.log.error({ err, attemptId }, 'stop failed');
    }
  }

  private async exited(attempt: Attempt, status: ExitStatus): Promise<void> {
    const { cmd } = attempt;
    clearTimeout(attempt.maxRuntimeTimer);
    this.active.delete(cmd.attemptId);
    await Promise.all([this.restoreLimits(attempt), attempt.outputFiles?.close()]);
    const reason = attempt.stopReason ?? status.reason ?? (status.oomKilled ? 'out of memory: killed at its memory limit' : undefined);
    this.log.info({ jobId: cmd.jobId, attemptId: cmd.attemptId, exitCode: status.exitCode, signal: status.signal, oomKilled: status.oomKilled, reason }, 'attempt exited');
    const published = this.publish({
      kind: 'exited',
      nodeId: this.deps.nodeId,
      jobId: cmd.jobId,
      attemptId: cmd.attemptId,
      at: Date.now(),
      exitCode: status.exitCode,
      ...(status.signal ? { signal: status.signal } : {}),
      ...(reason ? { reason } : {}),
    });
    this.ended.set(cmd.attemptId, { jobId: cmd.jobId, attemptId: cmd.attemptId, failed: false, exitCode: status.exitCode, signal: status.signal ?? '', reason: reason ?? '', atMs: Date.now() });
    this.remember(attempt);
    await published;
  }

  private async failed(attempt: Attempt, reason: string): Promise<void> {
    const { cmd } = attempt;
    this.active.delete(cmd.attemptId);
    this.log.warn({ jobId: cmd.jobId, attemptId: cmd.attemptId, reason }, 'attempt failed to start');
    const published = this.publish({ kind: 'failed', nodeId: this.deps.nodeId, jobId: cmd.jobId, attemptId: cmd.attemptId, at: Date.now(), reason });
    this.ended.set(cmd.attemptId, { jobId: cmd.jobId, attemptId: cmd.attemptId, failed: true, exitCode: 0, signal: '', reason, atMs: Date.now() });
    this.remember(attempt);
    await published;
  }

  /** Called once the attempt's last event is handed to the link, which flushes it on close. */
  private remember(attempt: Attempt): void {
    this.finished.add(attempt.cmd.attemptId);
    if (this.finished.size > REMEMBERED_ATTEMPTS) this.finished.delete(this.finished.values().next().value!);
    attempt.finish();
  }

  /** Back to default limits, except on GPUs another attempt has started on meanwhile. */
  private async restoreLimits(attempt: Attempt): Promise<void> {
    const busy = this.busyGpus();
    const gpus = attempt.cmd.gpuIndices.filter((i) => !busy.has(i));
    if (!gpus.length) return;
    try {
      await this.deps.power.setGpuLimits(gpus, 0);
    } catch (err) {
      this.log.error({ err, attemptId: attempt.cmd.attemptId, gpus }, 'restoring default power limits failed');
    }
  }

  private async setPower(cmd: SetPowerCommand): Promise<void> {
    await this.deps.power.setGpuLimits(cmd.gpuIndices, cmd.powerLimitW);
    this.log.info({ gpus: cmd.gpuIndices, powerLimitW: cmd.powerLimitW }, 'power limits set');
  }

  private async miners(cmd: MinersCommand): Promise<void> {
    await this.deps.power.setMiners(cmd.minerIds, cmd.action);
    this.log.info({ miners: cmd.minerIds, action: cmd.action }, 'miners updated');
  }

  private async publish(event: JobEvent): Promise<void> {
    try {
      await this.deps.publishEvent(event);
    } catch (err) {
      this.log.error({ err, event }, 'job event lost');
    }
  }

  private publishLog(record: LogRecord): void {
    try {
      this.deps.publishLog(record);
    } catch (err) {
      this.log.warn({ err, jobId: record.jobId }, 'log line dropped');
    }
  }
}

const isSignal = (name: string): name is NodeJS.Signals => Object.hasOwn(constants.signals, name);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
