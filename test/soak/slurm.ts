import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../e2e/harness.js';

/**
 * A Slurm cluster on this machine for benchmarks, as root: munged (if not running),
 * slurmctld and one slurmd per node (`slurmd -N`, Debian builds with multiple-slurmd),
 * every node on 127.0.0.1 with its own port and GPUs as null character devices (a GRES
 * file must be a device). No accounting database. Ports 16817.. are Slurm's.
 */
export interface SlurmCluster {
  version: string;
  /** Runs a Slurm command against this cluster; returns its stdout. */
  run(cmd: string, args: string[]): string;
  stop(): Promise<void>;
}

export async function startSlurm(o: { nodes: number; gpusPerNode: number }): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'wattpack-slurm-'));
  for (const sub of ['state', 'spool', 'log', 'run', 'gpu']) mkdirSync(join(dir, sub));
  for (let i = 0; i < o.gpusPerNode; i++) execFileSync('mknod', [join(dir, 'gpu', `gpu${i}`), 'c', '1', '3']);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, o));
  writeFileSync(join(dir, 'gres.conf'), `NodeName=n[1-${o.nodes}] Name=gpu File=${dir}/gpu/gpu[0-${o.gpusPerNode - 1}]\n`);
  const env = { ...process.env, SLURM_CONF: conf };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, encoding: 'utf8' });
  if (spawnSync('pgrep', ['-x', 'munged']).status !== 0) {
    mkdirSync('/run/munge', { recursive: true });
    run('/usr/sbin/munged', ['--force']);
  }
  const stop = async () => {
    spawnSync('pkill', ['-f', `slurmd -N n.* `], { env });
    spawnSync('pkill', ['-x', 'slurmd']);
    spawnSync('pkill', ['-x', 'slurmctld']);
    // slurmctld saves its state as it exits: removing the folder under it fails (ENOTEMPTY).
    await waitFor('Slurm daemons gone', () => spawnSync('pgrep', ['-x', 'slurmctld|slurmd']).status !== 0, 30_000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    run('/usr/sbin/slurmctld', ['-i']);
    for (let i = 1; i <= o.nodes; i++) run('/usr/sbin/slurmd', ['-N', `n${i}`]);
    await waitFor('every Slurm node idle', () => {
      const states = run('sinfo', ['-h', '-N', '-o', '%t']).trim().split('\n');
      return states.length === o.nodes && states.every((s) => s === 'idle');
    }, 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { version: run('sinfo', ['-V']).trim(), run, stop };
}

/** slurm.conf for `o.nodes` slurmd on this host, state and logs under `dir`. */
function slurmConf(dir: string, o: { nodes: number; gpusPerNode: number }): string {
  return [
    'ClusterName=bench',
    'SlurmctldHost=localhost(127.0.0.1)',
    'SlurmctldPort=16817',
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool/%n`,
    `SlurmctldPidFile=${dir}/run/slurmctld.pid`,
    `SlurmdPidFile=${dir}/run/slurmd-%n.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd-%n.log`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'GresTypes=gpu',
    'SchedulerType=sched/backfill',
    'ReturnToService=2',
    'MpiDefault=none',
    // Nodes as configured, not as this 2-core host's probe finds them.
    'SlurmdParameters=config_overrides',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'MaxJobCount=200000',
    'MaxArraySize=100001',
    `NodeName=n[1-${o.nodes}] NodeAddr=127.0.0.1 Port=[17001-${17000 + o.nodes}] CPUs=8 RealMemory=1000 Gres=gpu:${o.gpusPerNode} State=UNKNOWN`,
    'PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
    '',
  ].join('\n');
}
