import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJobUser } from '@wattpack/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobUser, OutputStream, StartRequest } from '../runtime.js';
import { ProcessRuntime } from './process-runtime.js';

// Jobs run as the test's job user (nobody when the tests run as root): they may write here.
const tmp = mkdtempSync(join(tmpdir(), 'wattpack-runtime-'));
chmodSync(tmp, 0o1777);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const jobRoot = join(tmp, 'jobs');
const USER: JobUser = { name: 'job-user', ...localJobUser() };
const runtime = new ProcessRuntime({ jobRoot });
const started: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((id) => runtime.stop(id, 'SIGKILL', 0)));
});

let n = 0;
function request(argv: string[], extra: Partial<StartRequest> = {}) {
  const lines: { stream: OutputStream; line: string }[] = [];
  const attemptId = `att-${++n}`;
  started.push(attemptId);
  const req: StartRequest = { attemptId, argv, env: {}, user: USER, gpuIndices: [], labels: {}, onLine: (stream, line) => lines.push({ stream, line }), ...extra };
  return { req, lines, attemptId };
}

/** The working directories of an attempt still there. */
const workDirsOf = (attemptId: string) => readdirSync(jobRoot).filter((d) => d.startsWith(`${attemptId}-`));

/** A killed orphan may stay a zombie when PID 1 does not reap: that counts as dead. */
function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once some output line matches; the job is running by then. */
async function waitForLine(lines: { line: string }[], text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!lines.some((l) => l.line === text)) {
    if (Date.now() > deadline) throw new Error(`no line "${text}" in ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ProcessRuntime', () => {
  it('streams stdout and stderr line by line and reports the exit code', async () => {
    const { req, lines } = request(['sh', '-c', 'echo out1; echo err >&2; printf "out2\\nlast-no-newline"; exit 3']);
    const proc = await runtime.start(req);
    expect(proc.pid).toBeGreaterThan(0);
    await expect(proc.exited).resolves.toEqual({ exitCode: 3 });
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['out1', 'out2', 'last-no-newline']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['err']);
  });

  it("passes argv without a shell and sets CUDA_VISIBLE_DEVICES over the job env, and of the agent's environment only PATH, LANG, LC_ALL and TZ", async () => {
    process.env.WATTPACK_AGENT_SECRET = 'not for jobs';
    process.env.AGENT_ONLY_SETTING = 'not for jobs either';
    try {
      const { req, lines } = request(
        ['node', '-e', 'console.log(JSON.stringify([process.argv[1], process.env.CUDA_VISIBLE_DEVICES, process.env.WATTPACK_JOB_ID, process.env.PATH, process.env.WATTPACK_AGENT_SECRET ?? null, process.env.AGENT_ONLY_SETTING ?? null]))', '$HOME; echo hi'],
        { gpuIndices: [2, 5], env: { WATTPACK_JOB_ID: 'job-1', CUDA_VISIBLE_DEVICES: '0,1,2,3,4,5,6,7' } },
      );
      await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 0 });
      expect(JSON.parse(lines[0]!.line)).toEqual(['$HOME; echo hi', '2,5', 'job-1', process.env.PATH, null, null]);
    } finally {
      delete process.env.WATTPACK_AGENT_SECRET;
      delete process.env.AGENT_ONLY_SETTING;
    }
  });

  it('runs in the workdir the job names and leaves it in place; a missing one is a start error', async () => {
    const dir = join(tmp, 'own-workdir');
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    const { req, lines, attemptId } = request(['sh', '-c', 'pwd; echo $PWD; touch made-here'], { workdir: dir });
    await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 0 });
    expect(lines.map((l) => l.line)).toEqual([dir, dir]);
    expect(existsSync(join(dir, 'made-here'))).toBe(true);
    expect(workDirsOf(attemptId)).toEqual([]);
    await expect(runtime.start(request(['true'], { workdir: join(tmp, 'no-such-dir') }).req)).rejects.toThrow(`workdir ${join(tmp, 'no-such-dir')} is not a directory on this node`);
    await expect(runtime.start(request(['true'], { mounts: [{ source: '/data', target: '/data', readOnly: true }] }).req)).rejects.toThrow('mounts need a container runtime');
    // Only another user's directory can be closed to the job's user.
    if (USER.uid !== (process.getuid?.() ?? 0)) {
      const closed = join(tmp, 'closed-workdir');
      mkdirSync(closed, { mode: 0o700 });
      await expect(runtime.start(request(['true'], { workdir: closed }).req)).rejects.toThrow(`permission denied: job-user (uid ${USER.uid}) may not enter the workdir ${closed}`);
      // ... nor one under a directory closed to them.
      mkdirSync(join(closed, 'inner'), { mode: 0o777 });
      await expect(runtime.start(request(['true'], { workdir: join(closed, 'inner') }).req)).rejects.toThrow('may not enter the workdir');
    }
  });

  it("runs the job as its user, in its own process group and a working directory of its own, with the user's HOME, USER and LOGNAME", async () => {
    const { req, lines } = request([
      'sh',
      '-c',
      // Field 5 of /proc/<pid>/stat: the process group.
      'echo "ids $(id -u) $(id -g) $(id -G)"; echo "pgrp $(cut -d" " -f5 /proc/$$/stat)"; echo "pwd $(pwd)"; echo "env $HOME $USER $LOGNAME"; stat -c "dir %u %g %a" .; touch made-here',
    ]);
    const proc = await runtime.start(req);
    // The job's user cannot write to the job root; only to its own directory.
    expect(statSync(jobRoot).mode & 0o777).toBe(0o711);
    await expect(proc.exited).resolves.toEqual({ exitCode: 0 });
    const out = Object.fromEntries(lines.map((l) => [l.line.split(' ')[0], l.line.slice(l.line.indexOf(' ') + 1)]));
    const workDir = out.pwd!;
    expect(workDir).toMatch(new RegExp(`^${jobRoot}/${req.attemptId}-\\w{6}$`));
    const { ids, ...rest } = out;
    // As root, the agent's supplementary groups are dropped; an agent of another uid runs jobs as itself, groups and all.
    if (process.getuid!() === 0) expect(ids).toBe(`${USER.uid} ${USER.gid} ${USER.gid}`);
    else expect(ids).toMatch(new RegExp(`^${USER.uid} ${USER.gid} `));
    expect(rest).toEqual({
      pgrp: String(proc.pid),
      pwd: workDir,
      env: `${workDir} job-user job-user`, // no home on this node: the working directory
      dir: `${USER.uid} ${USER.gid} 700`,
    });
    expect(lines.every((l) => l.stream === 'stdout')).toBe(true);
    // Removed with the attempt.
    expect(existsSync(workDir)).toBe(false);
  });

  it('gives each start its own directory: the parts of a gang share the attempt id, and agents on one host the root', async () => {
    const other = new ProcessRuntime({ jobRoot });
    const slow = request(['sh', '-c', 'sleep 0.3; touch still-here && echo ok']);
    const fast = request(['true'], { attemptId: slow.req.attemptId });
    const slowProc = await runtime.start(slow.req);
    await (await other.start(fast.req)).exited;
    // The fast one's directory (empty: `true` wrote nothing) is gone, the slow one's still there.
    expect(workDirsOf(slow.req.attemptId)).toHaveLength(1);
    await expect(slowProc.exited).resolves.toEqual({ exitCode: 0 });
    expect(slow.lines.map((l) => l.line)).toEqual(['ok']);
    expect(workDirsOf(slow.req.attemptId)).toEqual([]);
  });

  it("sets HOME to the account's home when the node has it", async () => {
    const { req, lines } = request(['sh', '-c', 'echo $HOME'], { user: { ...USER, home: tmp } });
    await (await runtime.start(req)).exited;
    expect(lines[0]!.line).toBe(tmp);
  });

  it('never runs a job as root (uid or gid 0)', async () => {
    await expect(runtime.start(request(['id'], { user: { name: 'root', uid: 0, gid: 0 } }).req)).rejects.toThrow('jobs never run as root');
    await expect(runtime.start(request(['id'], { user: { ...USER, gid: 0 } }).req)).rejects.toThrow('jobs never run as root');
  });

  it('removes what the job left in its directory as the job\'s user, never following its links', async () => {
    const outside = join(tmp, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'host file');
    chmodSync(outside, 0o755);
    const { req } = request(['sh', '-c', `mkdir -p a/b && echo x > a/b/f && ln -s ${outside} link && ln -s ${outside}/keep a/file-link`]);
    await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 0 });
    expect(workDirsOf(req.attemptId)).toEqual([]);
    expect(readFileSync(join(outside, 'keep'), 'utf8')).toBe('host file');
  });

  it('refuses a job root that others may write to', async () => {
    const open = join(tmp, 'open-root');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(new ProcessRuntime({ jobRoot: open }).start(request(['true']).req)).rejects.toThrow(`the job root ${open} must be a directory of uid ${process.getuid!()} that no one else may write to`);
  });

  it('makes and checks the job root again when it went away after a start (a tmp cleaner)', async () => {
    const root = join(tmp, 'cleaned-root');
    const own = new ProcessRuntime({ jobRoot: root });
    await expect((await own.start(request(['true']).req)).exited).resolves.toEqual({ exitCode: 0 });
    rmSync(root, { recursive: true });
    const { req, lines } = request(['sh', '-c', 'pwd']);
    await expect((await own.start(req)).exited).resolves.toEqual({ exitCode: 0 });
    expect(lines[0]!.line).toMatch(new RegExp(`^${root}/${req.attemptId}-`));
    expect(statSync(root).mode & 0o777).toBe(0o711);
  });

  it('hides every GPU from a job given none', async () => {
    const { req, lines } = request(['sh', '-c', 'echo "[${CUDA_VISIBLE_DEVICES-unset}]"']);
    await (await runtime.start(req)).exited;
    expect(lines[0]!.line).toBe('[]');
  });

  it('stop sends the checkpoint signal, which the job can trap', async () => {
    const { req, lines, attemptId } = request(['sh', '-c', 'trap "echo got-term; exit 0" TERM; echo ready; while true; do sleep 0.05; done']);
    const proc = await runtime.start(req);
    await waitForLine(lines, 'ready');
    const t0 = Date.now();
    await runtime.stop(attemptId, 'SIGTERM', 10);
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(proc.exited).resolves.toEqual({ exitCode: 0 });
    expect(lines.map((l) => l.line)).toContain('got-term');
  });

  it('SIGKILLs a job that ignores the signal once the grace period is over', async () => {
    const { req, lines, attemptId } = request(['sh', '-c', 'trap "echo ignored" USR1; echo ready; while true; do sleep 0.05; done']);
    const proc = await runtime.start(req);
    await waitForLine(lines, 'ready');
    const t0 = Date.now();
    await runtime.stop(attemptId, 'SIGUSR1', 1);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(4000);
    await expect(proc.exited).resolves.toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(lines.map((l) => l.line)).toContain('ignored');
  });

  it('reports a death by signal as 128 + n with the signal name', async () => {
    const { req } = request(['sh', '-c', 'kill -TERM $$']);
    await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 143, signal: 'SIGTERM' });
  });

  it('reports the exit without waiting for leftover children, and kills them', async () => {
    const pidFile = join(tmp, 'orphan.pid');
    const { req } = request(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; exit 0`]);
    const t0 = Date.now();
    await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 0 });
    expect(Date.now() - t0).toBeLessThan(5000);
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(orphan)).toBe(false);
  }, 10_000);

  it('fails to start a program that does not exist, or is not executable, with a clear reason', async () => {
    await expect(runtime.start(request(['nosuchprog', '--flag']).req)).rejects.toThrow('command not found: nosuchprog');
    const script = join(tmp, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    await expect(runtime.start(request([script]).req)).rejects.toThrow(`permission denied: ${script} is not executable`);
  });

  it('refuses a container image', async () => {
    await expect(runtime.start(request(['true'], { image: 'pytorch:latest' }).req)).rejects.toThrow(/image "pytorch:latest" needs a container runtime/);
  });

  it('ends, after a crash of the agent, the process groups its predecessor left running', async () => {
    const stateFile = join(tmp, 'processes.json');
    const before = new ProcessRuntime({ stateFile, jobRoot });
    const { req, lines } = request(['sh', '-c', 'sleep 30 & echo up; wait']);
    const proc = await before.start(req);
    await waitForLine(lines, 'up');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual([expect.objectContaining({ attemptId: req.attemptId, pid: proc.pid })]);
    // The agent dies without stopping anything; the next one finds the record.
    const after = new ProcessRuntime({ stateFile, jobRoot });
    expect(await after.recover()).toEqual([]);
    await proc.exited;
    expect(isAlive(proc.pid)).toBe(false);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual([]);
    expect(workDirsOf(req.attemptId)).toEqual([]);
  });

  it('removes, after a crash of the agent, the working directories its predecessor left', async () => {
    const stateFile = join(tmp, 'left.json');
    mkdirSync(jobRoot, { recursive: true, mode: 0o711 });
    const dir = join(jobRoot, 'att-left-x1y2z3');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'checkpoint.pt'), 'weights');
    chownSync(dir, USER.uid, USER.gid);
    chownSync(join(dir, 'sub'), USER.uid, USER.gid);
    writeFileSync(stateFile, JSON.stringify([{ attemptId: 'att-left', pid: 999_999_999, startTime: '1', workDir: dir, uid: USER.uid, gid: USER.gid }]));
    await new ProcessRuntime({ stateFile, jobRoot }).recover();
    expect(existsSync(dir)).toBe(false);
  });

  it('ignores a stop for an unknown attempt', async () => {
    await expect(runtime.stop('never-started', 'SIGTERM', 1)).resolves.toBeUndefined();
  });
});
