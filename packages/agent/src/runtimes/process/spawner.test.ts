import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJobUser } from '@wattpack/common';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobUser, OutputStream, StartRequest } from '../runtime.js';
import { ProcessRuntime } from './process-runtime.js';
import { Spawner } from './spawner.js';

const tmp = mkdtempSync(join(tmpdir(), 'wattpack-spawner-'));
chmodSync(tmp, 0o1777);
const spawner = new Spawner();
const runtime = new ProcessRuntime({ jobRoot: join(tmp, 'jobs'), spawner });
afterAll(() => {
  spawner.close();
  rmSync(tmp, { recursive: true, force: true });
});

const USER: JobUser = { name: 'job-user', ...localJobUser() };
let n = 0;
function request(argv: string[]) {
  const lines: string[] = [];
  const req: StartRequest = { attemptId: `sp-${++n}`, argv, env: {}, user: USER, gpuIndices: [], labels: {}, onLine: (_s: OutputStream, line) => lines.push(line) };
  return { req, lines };
}

/** Field 4 of /proc/<pid>/stat, or undefined once gone (a zombie counts as gone). */
function parentOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return fields[0] === 'Z' ? undefined : Number(fields[1]);
  } catch {
    return undefined;
  }
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Spawner (the process runtime\'s spawn helper)', () => {
  it('starts jobs from the helper, not from the agent, with their output and exit', async () => {
    const { req, lines } = request(['sh', '-c', 'echo "$$"; sleep 0.2; exit 4']);
    const proc = await runtime.start(req);
    await until('the first line', () => lines.length > 0);
    expect(Number(lines[0])).toBe(proc.pid);
    const parent = parentOf(proc.pid);
    expect(parent).toBeDefined();
    expect(parent).not.toBe(process.pid);
    await expect(proc.exited).resolves.toEqual({ exitCode: 4 });
  });

  it('reports a command that is not there as the start error it is', async () => {
    await expect(runtime.start(request(['no-such-command-wattpack']).req)).rejects.toThrow('command not found: no-such-command-wattpack');
  });

  it('ends the jobs of a helper that died, with why, and starts the next job with a new helper', async () => {
    const { req } = request(['sleep', '300']);
    const proc = await runtime.start(req);
    const helper = parentOf(proc.pid)!;
    process.kill(helper, 'SIGKILL');
    await expect(proc.exited).resolves.toEqual({ exitCode: 1, reason: "the agent's spawn helper exited (SIGKILL)" });
    await until('the orphaned job to be ended', () => parentOf(proc.pid) === undefined);

    const next = request(['sh', '-c', 'echo again']);
    const again = await runtime.start(next.req);
    await expect(again.exited).resolves.toEqual({ exitCode: 0 });
    expect(next.lines).toEqual(['again']);
  });
});
