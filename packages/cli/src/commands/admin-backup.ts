import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { connectNats } from '@wattpack/common';
import { INSECURE, loadCredentials, WattpackError } from '@wattpack/common/core';
import type { BackupCounts } from '@wattpack/scheduler';
import type { App, Context } from '../context.js';

interface BusFlags {
  nats: string;
  credentials?: string;
}

/** The state is the scheduler's: these verbs act with its NATS credential, on the control plane. */
async function connectAsScheduler(ctx: Context, o: BusFlags): ReturnType<typeof connectNats> {
  if (!o.credentials && !ctx.options.insecure) throw new WattpackError('INVALID_ARGUMENT', "--credentials: give the scheduler's credentials folder (the site PKI's scheduler/), or --insecure for a site without security");
  const credentials = o.credentials ? loadCredentials(o.credentials) : INSECURE;
  try {
    // One try, no reconnects: a command, not a daemon.
    const { connectNats, natsConnectionOptions } = await import('@wattpack/common');
    return await connectNats(o.nats, 'wattpack-admin-backup', { ...natsConnectionOptions(credentials), maxReconnectAttempts: 0, timeout: 5000 });
  } catch (err) {
    throw new WattpackError('UNAVAILABLE', `cannot reach NATS at ${o.nats}: ${(err as Error).message}`);
  }
}

const summary = (counts: BackupCounts) =>
  Object.entries(counts)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');

/** `wattpack admin backup` and `restore`: the site's state (KV and history) to a file and back (docs/operations.md). */
export function registerAdminBackup(admin: Command, app: App): void {
  const busOptions = (cmd: Command) =>
    cmd
      .option('--nats <urls>', 'the NATS server(s), comma-separated', 'nats://127.0.0.1:4222')
      .option('--credentials <dir>', "the scheduler's credentials folder (the site PKI's scheduler/)");
  busOptions(admin.command('backup'))
    .description('write the site state (jobs, nodes, site settings, revocations, job logs, audit log) to a file; safe while the site runs')
    .requiredOption('--out <file>', 'the backup file (JSON lines; written 0600: it holds job commands and environments)')
    .action(
      app.action(async (ctx, cmd) => {
        const o = cmd.opts<BusFlags & { out: string }>();
        const nc = await connectAsScheduler(ctx, o);
        const fd = openSync(o.out, 'w', 0o600);
        try {
          const { backupState } = await import('@wattpack/scheduler');
          const counts = await backupState(nc, (line) => void writeSync(fd, line));
          ctx.print({ path: o.out, counts }, () => `wrote ${o.out}: ${summary(counts)}`);
        } finally {
          closeSync(fd);
          await nc.close();
        }
      }),
    );
  busOptions(admin.command('restore'))
    .description('load a backup into an empty NATS store (a new or wiped site) with every scheduler stopped; then start the schedulers')
    .argument('<file>', 'a file written by wattpack admin backup')
    .option('--nats-replicas <n>', 'replicas of the streams and buckets it makes: as the schedulers run (3 on a 3-node cluster)', '1')
    .action(
      app.action(async (ctx, cmd) => {
        const [file] = cmd.processedArgs as [string];
        const o = cmd.opts<BusFlags & { natsReplicas: string }>();
        const replicas = Number(o.natsReplicas);
        if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new WattpackError('INVALID_ARGUMENT', '--nats-replicas: a whole number from 1 to 5');
        const input = createReadStream(file, 'utf8');
        const opened = new Promise<void>((resolve, reject) => {
          input.once('open', () => resolve());
          input.once('error', (err: NodeJS.ErrnoException) => reject(new WattpackError('INVALID_ARGUMENT', `cannot read ${file}: ${err.code ?? err.message}`)));
        });
        await opened;
        const nc = await connectAsScheduler(ctx, o);
        try {
          const { restoreState } = await import('@wattpack/scheduler');
          const counts = await restoreState(nc, () => createInterface({ input, crlfDelay: Infinity }), replicas);
          ctx.print({ path: file, counts }, () => `restored ${file}: ${summary(counts)}\nstart the schedulers: they take over these jobs, and agents reconcile what runs`);
        } finally {
          input.close();
          await nc.close();
        }
      }),
    );
}
