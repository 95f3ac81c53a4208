/**
 * The process runtime's spawn helper (spawner.ts starts it): a small Node process that
 * starts jobs for the agent. Node forks synchronously, and a fork's cost grows with the
 * forking process's memory: from this ~50 MB process a job's start costs a fifth of what it
 * costs from the agent (a hollow fleet of 50 nodes holds ~200 MB), in the agent and in the
 * job's own exec. It imports only Node's built-ins, to stay small.
 *
 * One JSON message per step over the IPC channel (spawner.ts has the types): `spawn` in;
 * `spawned` or `error`, each output `line`, `exit`, and `end` once the output is read out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readLines } from '../../util/exec.js';
import type { HelperReply, SpawnRequest } from './spawner.js';

const send = (m: HelperReply) => process.send?.(m);

function start(req: SpawnRequest): void {
  const { id } = req;
  let child: ChildProcess;
  try {
    child = spawn(req.file, req.args, { stdio: ['ignore', 'pipe', 'pipe'], env: req.env, cwd: req.cwd, uid: req.uid, gid: req.gid, detached: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return void send({ t: 'error', id, ...(e.code ? { code: e.code } : {}), message: e.message });
  }
  child.once('error', (e: NodeJS.ErrnoException) => send({ t: 'error', id, ...(e.code ? { code: e.code } : {}), message: e.message }));
  child.once('spawn', () => {
    send({ t: 'spawned', id, pid: child.pid! });
    const output = readLines(child, (stream, line) => send({ t: 'line', id, stream, line }));
    child.once('exit', (code, signal) => {
      send({ t: 'exit', id, code, signal });
      void output.then(() => send({ t: 'end', id }));
    });
  });
}

process.on('message', (m: SpawnRequest) => start(m));
// The agent is gone: its jobs lead their own process groups and outlive it, as before.
process.on('disconnect', () => process.exit(0));
