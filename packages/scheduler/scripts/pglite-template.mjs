// Makes dist/accounting/pgdata-template.tar.gz: an empty PGlite data folder (initdb's
// output), which a new embedded accounting store loads instead of running initdb. initdb
// runs a second Postgres in WASM beside the first: ~500 MB more RSS and 20-40 s of CPU on
// a loaded 2-core machine, in every new scheduler. Run by `pnpm build`; made again only
// when the PGlite version changes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const dir = fileURLToPath(new URL('..', import.meta.url));
const out = `${dir}dist/accounting`;
const tarball = `${out}/pgdata-template.tar.gz`;
const stamp = `${tarball}.version`;
// The package does not export its package.json: read it beside its entry point (dist/).
const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
if (!existsSync(tarball) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== version) {
  mkdirSync(out, { recursive: true });
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  writeFileSync(tarball, Buffer.from(await dump.arrayBuffer()));
  writeFileSync(stamp, version);
}
