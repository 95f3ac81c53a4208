#!/usr/bin/env node
// Generates TypeScript types for proto/ into packages/common/src/proto/gen.
// With --check, generates into a temp dir and fails if the committed types are stale.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const outDir = join(root, 'packages/common/src/proto/gen');
const require = createRequire(join(root, 'packages/common/package.json'));
const genBin = join(dirname(require.resolve('@grpc/proto-loader/package.json')), 'build/bin/proto-loader-gen-types.js');
// Must match the loader options in packages/common/src/proto/load.ts.
const options = ['--longs=Number', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js'];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function generate(into) {
  const protos = walk(protoDir).filter((p) => p.endsWith('.proto')).map((p) => relative(protoDir, p));
  execFileSync(process.execPath, [genBin, ...options, '-I', protoDir, '-O', into, ...protos], { stdio: 'inherit' });
  // NodeNext resolution wants explicit extensions on relative imports.
  for (const file of walk(into).filter((p) => p.endsWith('.ts'))) {
    // The generator also writes the absolute proto path: keep it clone-independent.
    const src = readFileSync(file, 'utf8')
      .replace(/from '(\.{1,2}\/[^']+)'/g, "from '$1.js'")
      .replaceAll(protoDir, 'proto');
    writeFileSync(file, src);
  }
}

const check = process.argv.includes('--check');
const tmp = mkdtempSync(join(tmpdir(), 'wattpack-proto-'));
try {
  generate(tmp);
  if (check) {
    const fresh = walk(tmp).map((p) => relative(tmp, p)).sort();
    let existing = [];
    try { existing = walk(outDir).map((p) => relative(outDir, p)).sort(); } catch { /* none yet */ }
    const stale = fresh.filter((f) => !existing.includes(f) || readFileSync(join(tmp, f), 'utf8') !== readFileSync(join(outDir, f), 'utf8'))
      .concat(existing.filter((f) => !fresh.includes(f)));
    if (stale.length > 0) {
      console.error(`generated proto types are stale (${stale.join(', ')}): run \`pnpm gen\` and commit the result`);
      process.exit(1);
    }
  } else {
    rmSync(outDir, { recursive: true, force: true });
    cpSync(tmp, outDir, { recursive: true });
    console.log(`proto types written to ${relative(root, outDir)}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
