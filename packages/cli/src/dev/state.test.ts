import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  devStateDir,
  devStateFile,
  ensureNoSite,
  isRunning,
  processStartTime,
  readDevState,
  stopSite,
  writeDevState,
  type DevProcess,
  type DevState,
} from './state.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'wattpack-dev-'));

const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already stopped by the test.
    }
  }
});

/** A stand-in child: notes its name in `journal` when it gets SIGTERM (unless stubborn), then exits. */
async function standIn(role: DevProcess['role'], name: string, journal: string, stubborn = false): Promise<DevProcess> {
  const script = `
    const [name, journal, stubborn] = process.argv.slice(1);
    process.on('SIGTERM', () => {
      require('fs').appendFileSync(journal, name + '\\n');
      if (stubborn !== 'yes') process.exit(0);
    });
    setInterval(() => {}, 1000);
    process.stdout.write('ready');`;
  const child = spawn(process.execPath, ['-e', script, name, journal, stubborn ? 'yes' : 'no'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  await once(child.stdout, 'data');
  spawned.push(child.pid!);
  return { role, name, pid: child.pid!, startTime: processStartTime(child.pid!), log: join(tmpdir(), `${name}.log`) };
}

const aState = (processes: DevProcess[], natsStoreDir?: string): DevState => ({
  startedAt: '2026-01-01T00:00:00.000Z',
  detached: true,
  natsUrl: 'nats://127.0.0.1:4222',
  scheduler: '127.0.0.1:7700',
  logDir: '/tmp/logs',
  ...(natsStoreDir ? { natsStoreDir } : {}),
  nodes: ['gpu-1'],
  processes,
});

describe('dev state', () => {
  it('lives in --state-dir, else WATTPACK_DEV_DIR, else ~/.wattpack/dev', () => {
    expect(devStateDir({ WATTPACK_DEV_DIR: '/env' }, '/flag')).toBe('/flag');
    expect(devStateDir({ WATTPACK_DEV_DIR: '/env' })).toBe('/env');
    expect(devStateDir({})).toBe(join(homedir(), '.wattpack', 'dev'));
  });

  it('round-trips dev.json and reports a corrupt one', () => {
    const dir = tempDir();
    expect(readDevState(dir)).toBeUndefined();
    const state = aState([{ role: 'scheduler', name: 'scheduler', pid: 123, log: '/tmp/s.log' }]);
    writeDevState(dir, state);
    expect(readDevState(dir)).toEqual(state);
    writeFileSync(devStateFile(dir), '{"processes": 3}');
    expect(() => readDevState(dir)).toThrow(/dev\.json is not a wattpack dev state file .*: remove it/);
  });

  it('tells a live process from a dead one or a reused pid', async () => {
    const live = await standIn('agent', 'gpu-1', join(tempDir(), 'journal'));
    expect(isRunning(live)).toBe(true);
    expect(isRunning({ ...live, startTime: '1' })).toBe(false);
    process.kill(live.pid, 'SIGKILL');
    await expect.poll(() => isRunning(live)).toBe(false);
  });

  it('refuses a second site while the first one runs', async () => {
    const dir = tempDir();
    writeDevState(dir, aState([await standIn('scheduler', 'scheduler', join(dir, 'journal'))]));
    await expect(ensureNoSite(dir)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/already running .*wattpack dev down/) });
    expect(existsSync(devStateFile(dir))).toBe(true);
  });

  it('clears what a dead site left behind', async () => {
    const dir = tempDir();
    const store = join(dir, 'nats-store');
    mkdirSync(store);
    const gone = await standIn('nats', 'nats-server', join(dir, 'journal'));
    process.kill(gone.pid, 'SIGKILL');
    await expect.poll(() => isRunning(gone)).toBe(false);
    writeDevState(dir, aState([gone], store));
    await ensureNoSite(dir);
    expect(existsSync(devStateFile(dir))).toBe(false);
    expect(existsSync(store)).toBe(false);
  });

  it('stops agents, then the scheduler, then nats-server, killing what ignores SIGTERM', async () => {
    const dir = tempDir();
    const journal = join(dir, 'journal');
    const store = join(dir, 'nats-store');
    mkdirSync(store);
    // Listed out of order on purpose: the order comes from the roles.
    const processes = [
      await standIn('nats', 'nats-server', journal),
      await standIn('scheduler', 'scheduler', journal),
      await standIn('agent', 'gpu-1', journal),
      await standIn('agent', 'gpu-2', journal, true),
    ];
    const state = aState(processes, store);
    writeDevState(dir, state);
    const stopped = await stopSite(dir, state, 500);
    expect(stopped.map((p) => p.name)).toEqual(['gpu-1', 'gpu-2', 'scheduler', 'nats-server']);
    const order = readFileSync(journal, 'utf8').trim().split('\n');
    expect(order.slice(2)).toEqual(['scheduler', 'nats-server']);
    expect(order.slice(0, 2).sort()).toEqual(['gpu-1', 'gpu-2']);
    expect(processes.some(isRunning)).toBe(false);
    expect(existsSync(devStateFile(dir))).toBe(false);
    expect(existsSync(store)).toBe(false);
  });
});
