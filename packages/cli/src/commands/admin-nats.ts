import { join } from 'node:path';
import type { Command } from 'commander';
import { WattpackError, writeNatsServerConfig, type NatsServerConfigOptions } from '@wattpack/common/core';
import type { App } from '../context.js';

/** The site PKI's code (X.509, ASN.1) loads when an admin command runs, not at every start of the CLI. */
export const sitePki = async () => (await import('@wattpack/common')).SitePki;

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * `wattpack admin nats-config`: a whole nats-server configuration from the site PKI, for
 * one server or for each member of a cluster (deploy/nats/README.md). It includes the
 * PKI's auth.conf, so issuing and revoking credentials (then SIGHUP) keeps applying.
 */
export function registerAdminNats(admin: Command, app: App): void {
  admin
    .command('nats-config')
    .description("write a nats-server configuration that includes the site's TLS and users (one server, or one member of a cluster)")
    .requiredOption('--pki <dir>', 'the site PKI folder')
    .option('--out <file>', 'where to write it (default: <pki>/nats/<server name, or nats-server>.conf, beside auth.conf)')
    .option('--server-name <name>', 'this server\'s name (required in a cluster; unique per member)')
    .option('--listen <host:port>', 'client address', '0.0.0.0:4222')
    .option('--http <host:port>', 'monitoring address (none by default)')
    .option('--store-dir <dir>', "JetStream's store", '/var/lib/nats/jetstream')
    .option('--max-file-store <size>', "JetStream's file store limit, e.g. 20GB")
    .option('--cluster <name>', 'cluster name: makes this server a member of a cluster')
    .option('--cluster-listen <host:port>', 'route address', '0.0.0.0:6222')
    .option('--routes <urls>', 'every member\'s route address, this one\'s included, comma-separated (e.g. nats://nats-1:6222,nats://nats-2:6222,nats://nats-3:6222)')
    .action(
      app.action(async (ctx, cmd) => {
        const o = cmd.opts<{ pki: string; out?: string; serverName?: string; listen: string; http?: string; storeDir: string; maxFileStore?: string; cluster?: string; clusterListen: string; routes?: string }>();
        if (o.routes && !o.cluster) throw new WattpackError('INVALID_ARGUMENT', '--routes: give --cluster <name> too');
        if (o.cluster && !o.routes) throw new WattpackError('INVALID_ARGUMENT', "--cluster: give --routes, every member's route address");
        if (o.maxFileStore && !/^\d+(?:[KMGT]B?)?$/i.test(o.maxFileStore)) throw new WattpackError('INVALID_ARGUMENT', `--max-file-store "${o.maxFileStore.slice(0, 20)}": a size such as 20GB`);
        const pki = (await sitePki()).open(o.pki);
        const file = o.out ?? join(o.pki, 'nats', `${o.serverName ?? 'nats-server'}.conf`);
        const opts: NatsServerConfigOptions = {
          file,
          listen: o.listen,
          storeDir: o.storeDir,
          ...(o.serverName ? { serverName: o.serverName } : {}),
          ...(o.http ? { http: o.http } : {}),
          ...(o.maxFileStore ? { maxFileStore: o.maxFileStore } : {}),
          ...(o.cluster ? { cluster: { name: o.cluster, listen: o.clusterListen, routes: list(o.routes ?? '') } } : {}),
        };
        writeNatsServerConfig(pki, opts);
        const files = pki.natsFiles();
        ctx.print({ path: file, auth: files.auth }, () =>
          [
            `wrote ${file}: nats-server -c ${file}`,
            `It includes ${files.auth} and reads the TLS files of ${join(o.pki, 'nats')} and ${files.ca}: on another host, keep them at the same paths.`,
            ...(o.cluster ? ['It holds the route password (nats/route.secret): keep it 0600, and generate every member from the same PKI.'] : []),
          ].join('\n'),
        );
      }),
    );
}
