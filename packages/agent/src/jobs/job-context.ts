import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lchownSync, lstatSync, mkdirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { StartCommand } from '@wattpack/common';
import { StartError, type JobUser, type OutputStream } from '../runtimes/runtime.js';

/**
 * What every job sees besides its own env (ours win, so a job cannot misreport its
 * identity): who it is, where its ranks meet, where its checkpoint lives. The rendezvous
 * follows torchrun's contract (docs/jobs.md): one process per node, so RANK is the node's
 * rank and WORLD_SIZE the node count; a launcher started per node (torchrun) reads
 * NNODES, NODE_RANK and LOCAL_WORLD_SIZE, or PET_* without flags, and sets RANK and
 * WORLD_SIZE of its workers itself.
 */
export function jobEnv(cmd: StartCommand, nodeId: string): Record<string, string> {
  const rdv = cmd.rendezvous;
  const perNode = String(Math.max(1, cmd.gpuIndices.length));
  return {
    WATTPACK_JOB_ID: cmd.jobId,
    WATTPACK_ATTEMPT: String(cmd.attempt),
    WATTPACK_ATTEMPT_ID: cmd.attemptId,
    WATTPACK_NODE_RANK: String(cmd.nodeRank),
    WATTPACK_NNODES: String(cmd.nodeCount),
    WATTPACK_NODE_ID: nodeId,
    ...(cmd.checkpointDir ? { WATTPACK_CHECKPOINT_DIR: cmd.checkpointDir } : {}),
    ...(rdv
      ? {
          MASTER_ADDR: rdv.address,
          MASTER_PORT: String(rdv.port),
          WATTPACK_NODELIST: rdv.nodes.join(','),
          WORLD_SIZE: String(cmd.nodeCount),
          RANK: String(cmd.nodeRank),
          LOCAL_RANK: '0',
          NNODES: String(cmd.nodeCount),
          NODE_RANK: String(cmd.nodeRank),
          LOCAL_WORLD_SIZE: perNode,
          PET_NNODES: String(cmd.nodeCount),
          PET_NODE_RANK: String(cmd.nodeRank),
          PET_NPROC_PER_NODE: perNode,
          PET_MASTER_ADDR: rdv.address,
          PET_MASTER_PORT: String(rdv.port),
        }
      : {}),
  };
}

/**
 * The job's checkpoint directory on site storage, made on first use: owned by the job's
 * user, 0700. One that exists must be a real directory of that user: a link or someone
 * else's directory would hand the job another's files. Checked with as few calls as it
 * takes (a stat of the root, an lstat of the directory; made only when missing): every
 * start makes them, on storage that may be remote.
 */
export function prepareCheckpointDir(dir: string, user: JobUser): void {
  const root = dirname(dir);
  // As for the job root: a root others may write to would let them swap a job's directory.
  const me = process.getuid?.() ?? 0;
  const st = statOrUndefined(root) ?? makeRoot(root);
  if ((st.uid !== me && st.uid !== 0) || (st.mode & 0o022) !== 0) {
    throw new StartError(`the checkpoint root ${root} must belong to uid ${me} or root and be writable by no one else`);
  }
  let made = lstatOrUndefined(dir);
  if (!made) {
    makeWhole(dir, user);
    made = lstatSync(dir);
  }
  if (!made.isDirectory() || made.uid !== user.uid) throw new StartError(`the checkpoint directory ${dir} is not a directory of uid ${user.uid}: refusing to use it`);
}

function makeRoot(root: string): Stats {
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    return statSync(root);
  } catch (err) {
    throw new StartError(`cannot create the checkpoint root ${root} (site setting checkpointRoot): ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

const statOrUndefined = (path: string): Stats | undefined => statSync(path, { throwIfNoEntry: false });
const lstatOrUndefined = (path: string): Stats | undefined => lstatSync(path, { throwIfNoEntry: false });

/**
 * The job's directory, made whole beside it (0700: mkdir's mode, which a umask only
 * narrows) and then renamed into place: the agents of a gang share the storage and start
 * together, and one must never see the other's directory before its owner is set. A peer
 * that won the race leaves its own in place (or ours replaces it while both are still
 * empty: the same owner either way).
 */
function makeWhole(dir: string, user: JobUser): void {
  const tmp = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(tmp, { mode: 0o700 });
    lchownSync(tmp, user.uid, user.gid);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new StartError(`cannot create the checkpoint directory ${dir} (site setting checkpointRoot): ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where an output file goes: an absolute path as given; a relative one in the workdir of a host process, else in the checkpoint directory. */
export function outputFile(path: string, cmd: StartCommand): string {
  if (isAbsolute(path)) return path;
  const base = !cmd.image && cmd.workdir ? cmd.workdir : cmd.checkpointDir;
  if (!base) throw new StartError(`output file ${path}: give an absolute path (this job has no workdir or checkpoint directory)`);
  return join(base, path);
}

/** Appends lines to a file as the job's user: the agent never opens a path the job could have turned into a link to another's file. */
export class OutputFiles {
  private readonly writers = new Map<OutputStream, ChildProcess>();

  constructor(files: Partial<Record<OutputStream, string>>, user: JobUser) {
    const asUser = (process.getuid?.() ?? 0) === 0 ? { uid: user.uid, gid: user.gid } : {};
    const byPath = new Map<string, ChildProcess>();
    for (const [stream, path] of Object.entries(files) as [OutputStream, string][]) {
      // stdout and stderr into one file: one writer, so lines do not overwrite each other.
      let writer = byPath.get(path);
      if (!writer) {
        writer = spawn('sh', ['-c', 'exec cat >> "$0"', path], { stdio: ['pipe', 'ignore', 'ignore'], ...asUser });
        writer.on('error', () => {});
        writer.stdin!.on('error', () => {});
        byPath.set(path, writer);
      }
      this.writers.set(stream, writer);
    }
  }

  write(stream: OutputStream, line: string): void {
    this.writers.get(stream)?.stdin!.write(`${line}\n`);
  }

  /** Resolves once every line was written and the files closed. */
  async close(): Promise<void> {
    await Promise.all(
      [...new Set(this.writers.values())].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            w.once('close', () => resolve());
            w.stdin!.end();
          }),
      ),
    );
  }
}
