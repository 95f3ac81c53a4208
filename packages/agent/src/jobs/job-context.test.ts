import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJobUser, startCommandSchema, type StartCommand } from '@wattpack/common';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobUser } from '../runtimes/runtime.js';
import { jobEnv, outputFile, OutputFiles, prepareCheckpointDir } from './job-context.js';

const tmp = mkdtempSync(join(tmpdir(), 'wattpack-context-'));
chmodSync(tmp, 0o711);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const USER: JobUser = { name: 'job-user', ...localJobUser() };

const start = (extra: Partial<StartCommand> = {}): StartCommand =>
  startCommandSchema.parse({
    kind: 'start', commandId: 'c', issuedAt: 0, jobId: 'j-1', attemptId: 'j-1-a2', attempt: 2, nodeRank: 1, nodeCount: 2,
    command: ['python'], args: [], env: {}, gpuIndices: [4, 5, 6, 7], powerLimitW: 700, checkpoint: {}, owner: 'alice', ...extra,
  });

describe('jobEnv', () => {
  it("gives every rank torchrun's rendezvous variables: one process per node, LOCAL_WORLD_SIZE the node's GPUs", () => {
    const env = jobEnv(start({ rendezvous: { address: '10.0.0.1', port: 29_500, nodes: ['10.0.0.1', '10.0.0.2'] }, checkpointDir: '/ckpt/j-1' }), 'gpu-2');
    expect(env).toEqual({
      WATTPACK_JOB_ID: 'j-1', WATTPACK_ATTEMPT: '2', WATTPACK_ATTEMPT_ID: 'j-1-a2', WATTPACK_NODE_RANK: '1', WATTPACK_NNODES: '2', WATTPACK_NODE_ID: 'gpu-2',
      WATTPACK_CHECKPOINT_DIR: '/ckpt/j-1',
      MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', WATTPACK_NODELIST: '10.0.0.1,10.0.0.2',
      WORLD_SIZE: '2', RANK: '1', LOCAL_RANK: '0', NNODES: '2', NODE_RANK: '1', LOCAL_WORLD_SIZE: '4',
      PET_NNODES: '2', PET_NODE_RANK: '1', PET_NPROC_PER_NODE: '4', PET_MASTER_ADDR: '10.0.0.1', PET_MASTER_PORT: '29500',
    });
    // A CPU-only job still starts one process per node.
    expect(jobEnv(start({ gpuIndices: [], rendezvous: { address: 'a', port: 1, nodes: ['a'] } }), 'n').LOCAL_WORLD_SIZE).toBe('1');
  });
});

describe('prepareCheckpointDir', () => {
  it("makes <root>/<job> for the job's user, 0700, and takes it again on the next attempt", () => {
    const dir = join(tmp, 'ckpt', 'j-1');
    prepareCheckpointDir(dir, USER);
    const st = statSync(dir);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([USER.uid, USER.gid, 0o700]);
    expect(() => prepareCheckpointDir(dir, USER)).not.toThrow();
  });

  it("refuses a link or another user's directory in its place", () => {
    mkdirSync(join(tmp, 'ckpt2'));
    symlinkSync('/etc', join(tmp, 'ckpt2', 'j-1'));
    expect(() => prepareCheckpointDir(join(tmp, 'ckpt2', 'j-1'), USER)).toThrow(/is not a directory of uid/);
    expect(() => prepareCheckpointDir(join(tmp, 'ckpt', 'j-1'), { ...USER, uid: USER.uid + 1 })).toThrow(/is not a directory of uid/);
    const open = join(tmp, 'open-root');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => prepareCheckpointDir(join(open, 'j-1'), USER)).toThrow(`the checkpoint root ${open} must belong to uid`);
  });
});

describe('output files', () => {
  it('puts a relative path in the workdir of a host process, else in the checkpoint directory', () => {
    expect(outputFile('/logs/out.log', start())).toBe('/logs/out.log');
    expect(outputFile('out.log', start({ workdir: '/runs', checkpointDir: '/ckpt/j-1' }))).toBe('/runs/out.log');
    expect(outputFile('out.log', start({ workdir: '/in-image', image: 'img', checkpointDir: '/ckpt/j-1' }))).toBe('/ckpt/j-1/out.log');
  });

  it("appends each stream's lines as the job's user; both streams into one file share a writer", async () => {
    const dir = join(tmp, 'out');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const both = new OutputFiles({ stdout: join(dir, 'all.log'), stderr: join(dir, 'all.log') }, USER);
    both.write('stdout', 'one');
    both.write('stderr', 'two');
    both.write('stdout', 'three');
    await both.close();
    expect(readFileSync(join(dir, 'all.log'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(statSync(join(dir, 'all.log')).uid).toBe(USER.uid);
    // A directory the job's user may not write to gets no file (and the job does not notice).
    const locked = join(tmp, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    const denied = new OutputFiles({ stdout: join(locked, 'x.log') }, USER);
    denied.write('stdout', 'lost');
    await denied.close();
    if (USER.uid !== (process.getuid?.() ?? 0)) expect(() => readFileSync(join(locked, 'x.log'))).toThrow();
  });
});
