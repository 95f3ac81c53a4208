import { execFileSync } from 'node:child_process';
import { localJobUser } from '@wattpack/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_GPU_ENV, preparePodman, TEST_IMAGE } from '../../../test-fixtures/podman.js';
import { StartError, type OutputStream, type StartRequest } from '../runtime.js';
import { ATTEMPT_LABEL, ContainerRuntime, exitStatus, gpuArgs, runArgs } from './container-runtime.js';

/** Never root: the invoking user, or nobody when the tests run as root. */
const USER = { name: 'job-user', ...localJobUser() };
const base = (extra: Partial<StartRequest> = {}): StartRequest => ({ attemptId: 'job-1-a1', argv: ['python', 'train.py'], env: {}, user: USER, gpuIndices: [], labels: {}, image: 'nvcr.io/nvidia/pytorch:25.01-py3', onLine: () => {}, ...extra });

describe('container command lines', () => {
  it('passes GPUs by CDI to podman and with --gpus "device=…" to docker', () => {
    expect(gpuArgs('podman', [2, 5])).toEqual(['--device', 'nvidia.com/gpu=2', '--device', 'nvidia.com/gpu=5']);
    expect(gpuArgs('docker', [2, 5])).toEqual(['--gpus', '"device=2,5"']);
    expect(gpuArgs('docker', [])).toEqual([]);
  });

  it('labels the container with its attempt, passes env, limits and argv as separate arguments, never root, never privileged', () => {
    const user = { name: 'alice', uid: 1001, gid: 1002 };
    const args = runArgs('podman', base({ user, env: { A: 'x y; $(rm -rf /)', NVIDIA_VISIBLE_DEVICES: 'all' }, labels: { 'wattpack.job-id': 'job-1' }, cpus: 2.5, memoryMib: 512, gpuIndices: [0, 3], argv: ['sh', '-c', 'echo $A'] }));
    expect(args).toEqual([
      'run', '--detach', '--name', 'wattpack-job-1-a1', '--init', '--user', '1001:1002', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--label', 'wattpack.job-id=job-1', '--label', `${ATTEMPT_LABEL}=job-1-a1`,
      // Only its GPUs, whatever the job's env or the image says.
      '--env', 'A=x y; $(rm -rf /)', '--env', 'NVIDIA_VISIBLE_DEVICES=0,3',
      '--device', 'nvidia.com/gpu=0', '--device', 'nvidia.com/gpu=3',
      '--cpus', '2.5', '--memory', '512m', '--memory-swap', '512m',
      'nvcr.io/nvidia/pytorch:25.01-py3', 'sh', '-c', 'echo $A',
    ]);
    expect(args.join(' ')).not.toMatch(/privileged|cap-add|network/);
    expect(runArgs('docker', base({ user })).filter((a) => a.startsWith('NVIDIA_VISIBLE_DEVICES='))).toEqual(['NVIDIA_VISIBLE_DEVICES=void']);
    expect(() => runArgs('docker', base({ image: '--privileged' }))).toThrow(StartError);
    expect(() => runArgs('docker', base({ image: 'ubuntu --privileged' }))).toThrow('image "ubuntu --privileged" is not an image reference');
  });

  it("shares the host's network only when the site allows it for the job", () => {
    expect(runArgs('podman', base({ hostNetwork: true })).join(' ')).toContain('--network host');
    expect(runArgs('podman', base({ hostNetwork: false })).join(' ')).not.toContain('--network');
  });

  it('mounts the volumes it was given, sets the workdir, and gives NCCL a /dev/shm, an IPC mode and the site\'s devices', () => {
    const mounts = [{ source: '/data/imagenet', target: '/data', readOnly: true }, { source: '/ckpt/j-1', target: '/ckpt/j-1', readOnly: false }];
    const args = runArgs('podman', base({ workdir: '/workspace', mounts, container: { shmSize: '16g', ipc: 'private', devices: ['/dev/infiniband'] } })).join(' ');
    expect(args).toContain('--workdir /workspace --volume /data/imagenet:/data:ro --volume /ckpt/j-1:/ckpt/j-1 --ipc private --shm-size 16g --device /dev/infiniband nvcr.io');
    // The host's IPC namespace brings the host's /dev/shm: no size of its own.
    const host = runArgs('podman', base({ container: { shmSize: '16g', ipc: 'host', devices: [] } })).join(' ');
    expect(host).toContain('--ipc host');
    expect(host).not.toContain('--shm-size');
  });

  it('refuses to run a container as root', () => {
    expect(() => runArgs('podman', base({ user: { name: 'root', uid: 0, gid: 0 } }))).toThrow('jobs never run as root');
    expect(() => runArgs('podman', base({ user: { name: 'x', uid: 1000, gid: 0 } }))).toThrow('jobs never run as root');
  });

  it('reads exit 137 under a memory limit as an OOM kill unless we stopped it', () => {
    const info = (ExitCode: number, Memory = 0, OOMKilled = false) => ({ Id: 'x', Name: 'x', State: { ExitCode, OOMKilled }, HostConfig: { Memory } });
    expect(exitStatus(info(137, 64 << 20), false)).toEqual({ exitCode: 137, signal: 'SIGKILL', oomKilled: true });
    expect(exitStatus(info(137, 64 << 20), true)).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(exitStatus(info(137, 0), false)).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(exitStatus(info(1, 0, true), false)).toEqual({ exitCode: 1, oomKilled: true });
    expect(exitStatus(info(143), true)).toEqual({ exitCode: 143, signal: 'SIGTERM' });
    expect(exitStatus(info(0), false)).toEqual({ exitCode: 0 });
  });
});

describe('podman runtime (real containers, runc)', () => {
  const node = `ctest-${process.pid}`;
  const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8' }).trim();
  const ours = () => podman('ps', '--all', '--quiet', '--filter', `label=test-node=${node}`).split('\n').filter(Boolean);

  let fakeGpus = false;
  beforeAll(() => {
    const podmanSetup = preparePodman();
    process.env.CONTAINERS_CONF = podmanSetup.env.CONTAINERS_CONF;
    fakeGpus = podmanSetup.fakeGpus;
  }, 60_000);
  afterAll(() => {
    const left = ours();
    if (left.length) podman('rm', '--force', ...left);
  });

  let n = 0;
  function request(argv: string[], extra: Partial<StartRequest> = {}) {
    const lines: { stream: OutputStream; line: string }[] = [];
    const req = base({ attemptId: `${node}-${++n}`, image: TEST_IMAGE, argv, labels: { 'test-node': node }, onLine: (stream, line) => lines.push({ stream, line }), ...extra });
    return { req, lines };
  }

  it('runs a container: output line by line on its stream, the exit code, and the container removed', async () => {
    const runtime = new ContainerRuntime({ engine: 'podman' });
    const { req, lines } = request(['sh', '-c', 'echo out1; echo "$GREETING" >&2; echo out2; exit 3'], { env: { GREETING: 'hello; $(id)' } });
    const proc = await runtime.start(req);
    await expect(proc.exited).resolves.toEqual({ exitCode: 3 });
    expect(lines).toEqual([
      { stream: 'stdout', line: 'out1' },
      { stream: 'stdout', line: 'out2' },
      { stream: 'stderr', line: 'hello; $(id)' },
    ].sort((a, b) => (a.stream === b.stream ? 0 : a.stream === 'stdout' ? -1 : 1)));
    expect(ours()).toEqual([]);
  });

  it('runs the job as its user, without capabilities or new privileges, on a private network', async () => {
    const runtime = new ContainerRuntime({ engine: 'podman' });
    // busybox's own id (the image has sh, cat...); the capability sets and no_new_privs from the kernel.
    const { req, lines } = request(['sh', '-c', 'busybox id -u; busybox id -g; busybox grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status; sleep 30']);
    const proc = await runtime.start(req);
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
    // What podman itself says about the container.
    const [info] = JSON.parse(podman('inspect', '--type', 'container', `wattpack-${req.attemptId}`)) as { Config: { User: string }; HostConfig: { CapDrop: string[] | null; CapAdd: string[] | null; Privileged: boolean; SecurityOpt: string[]; NetworkMode: string } }[];
    expect(info!.Config.User).toBe(`${USER.uid}:${USER.gid}`);
    expect(info!.HostConfig.Privileged).toBe(false);
    expect(info!.HostConfig.CapAdd ?? []).toEqual([]);
    // podman lists the default capabilities it dropped: all of them.
    expect(info!.HostConfig.CapDrop).toEqual(expect.arrayContaining(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_RAW']));
    expect(info!.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info!.HostConfig.NetworkMode).not.toBe('host');
    await runtime.stop(req.attemptId, 'SIGKILL', 0);
    await proc.exited;
    const out = lines.map((l) => l.line);
    expect(out.slice(0, 2)).toEqual([String(USER.uid), String(USER.gid)]);
    const status = Object.fromEntries(out.slice(2).map((l) => l.split(/:\s+/) as [string, string]));
    expect(status).toMatchObject({ CapInh: '0000000000000000', CapPrm: '0000000000000000', CapEff: '0000000000000000', CapBnd: '0000000000000000', NoNewPrivs: '1' });
  });

  it('gives the job its GPUs through CDI (nvidia.com/gpu=<index>)', async () => {
    const runtime = new ContainerRuntime({ engine: 'podman' });
    const { req, lines } = request(['env'], { gpuIndices: [0, 2] });
    await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 0 });
    // Without GPUs here, the stand-in CDI devices show which ones the container got.
    if (fakeGpus) expect(lines.map((l) => l.line).filter((l) => l.startsWith('WATTPACK_TEST_CDI_GPU_')).sort()).toEqual([FAKE_GPU_ENV(0), FAKE_GPU_ENV(2)]);
  });

  it('stops with the job signal (delivered through --init), and kills what ignores it after the grace', async () => {
    const runtime = new ContainerRuntime({ engine: 'podman' });
    const polite = request(['sh', '-c', 'trap "echo saving; exit 0" INT; echo up; while true; do sleep 0.1; done']);
    const p1 = await runtime.start(polite.req);
    expect(p1.pid).toBeGreaterThan(0);
    await expect.poll(() => polite.lines.some((l) => l.line === 'up')).toBe(true);
    await runtime.stop(polite.req.attemptId, 'SIGINT', 10);
    await expect(p1.exited).resolves.toEqual({ exitCode: 0 });
    expect(polite.lines.map((l) => l.line)).toContain('saving');

    // Ignores SIGTERM, under a memory limit: the kill after the grace is no OOM.
    const stubborn = request(['sh', '-c', 'trap "" TERM; echo up; while true; do sleep 0.1; done'], { memoryMib: 64 });
    const p2 = await runtime.start(stubborn.req);
    await expect.poll(() => stubborn.lines.length).toBe(1);
    const t0 = Date.now();
    await runtime.stop(stubborn.req.attemptId, 'SIGTERM', 1);
    expect(await p2.exited).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('reports an OOM kill at the memory limit as such', async () => {
    const runtime = new ContainerRuntime({ engine: 'podman' });
    const { req } = request(['sh', '-c', 'head -c 300m /dev/zero | tail'], { memoryMib: 32 });
    await expect((await runtime.start(req)).exited).resolves.toEqual({ exitCode: 137, signal: 'SIGKILL', oomKilled: true });
  });

  it('fails to start a missing image or command with the reason, leaving no container', async () => {
    const runtime = new ContainerRuntime({ engine: 'podman' });
    await expect(runtime.start(request(['true'], { image: 'localhost/wattpack-no-such-image:1' }).req)).rejects.toThrow(/^podman could not start the container: .*wattpack-no-such-image/);
    // --init starts, then cannot exec the command: an exit with the reason.
    const missing = request(['no-such-program']);
    await expect((await runtime.start(missing.req)).exited).resolves.toMatchObject({ exitCode: 1, reason: expect.stringMatching(/^the command could not be run in the image: .*failed to exec pid1: No such file or directory/) });
    await expect(runtime.start(request(['true'], { image: undefined }).req)).rejects.toThrow('--runtime podman runs container images: the job names none');
    expect(ours()).toEqual([]);
  });

  it('finds its containers again after a restart, follows them, and never starts a second copy', async () => {
    const before = new ContainerRuntime({ engine: 'podman' });
    const { req } = request(['sh', '-c', 'echo first; trap "echo bye; exit 5" TERM; while true; do sleep 0.1; done'], { labels: { 'test-node': node, job: 'j1' } });
    await before.start(req);
    // A new runtime, as in a restarted agent.
    const after = new ContainerRuntime({ engine: 'podman' });
    const seen: string[] = [];
    const found = await after.recover({ 'test-node': node }, (attemptId, stream, line) => seen.push(`${attemptId} ${stream} ${line}`));
    expect(found.map((f) => [f.attemptId, f.labels.job])).toEqual([[req.attemptId, 'j1']]);
    expect(found[0]!.startedAtMs).toBeGreaterThan(Date.now() - 60_000);
    await expect(after.start(req)).rejects.toThrow(`attempt ${req.attemptId} already has a container (wattpack-${req.attemptId}): not starting a second copy`);
    expect(ours()).toHaveLength(1);
    await after.stop(req.attemptId, 'SIGTERM', 10);
    await expect(found[0]!.process.exited).resolves.toEqual({ exitCode: 5 });
    // Only output from after the takeover.
    expect(seen).toEqual([`${req.attemptId} stdout bye`]);
    expect(await after.recover({ 'test-node': node }, () => {})).toEqual([]);
  });
});
