#!/usr/bin/env node
// `pnpm package`: what a site installs, from the built workspace (run `pnpm build` first).
//   out/npm/<name>-<version>.tgz  the CLI, the scheduler and the agent as npm packages
//   out/bin/wattpack{,-scheduler,-agent}  single executables (Node's SEA), nothing else needed,
//                                         each with <name>.THIRD-PARTY-LICENSES.txt
// Each program is one esbuild bundle with its dependencies, @wattpack/common included, and
// the data files it reads at run time embedded (packages/common/src/build/assets.ts), so
// neither form refers to the workspace. Options: --no-sea (npm packages only).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out');
const readJson = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
// The workspace's own protobufjs (a dependency of @wattpack/common).
const protobuf = createRequire(join(root, 'packages/common/package.json'))('protobufjs');

/** Folders whose files the programs read at run time (readAsset): every program's, then each one's own. */
const ASSET_DIRS = ['proto', 'packages/common/data', 'packages/agent/hardware/asic', 'packages/agent/data'];
const ASSET_EXT = /\.(proto|csv|json|txt|xml|yaml)$/;

/**
 * Files a program needs beside it: the scheduler's accounting store runs PGlite (Postgres
 * as WASM) in a worker thread, and a worker is a file of its own, as are PGlite's WASM and
 * data, which it finds beside its module. So the scheduler is a binary and these files.
 */
const ACCOUNTING_WORKER = 'packages/scheduler/dist/accounting/store-worker.js';
const PGLITE_FILES = ['pglite.wasm', 'pglite.data', 'initdb.wasm'];
const PGDATA_TEMPLATE = 'packages/scheduler/dist/accounting/pgdata-template.tar.gz';
const DASHBOARD_WEB = 'packages/scheduler/dist/dashboard/web';

const PROGRAMS = [
  { pkg: 'scheduler', bin: 'wattpack-scheduler', node: 'node', deps: [], assets: [], worker: ACCOUNTING_WORKER },
  // The agent's V8 settings, as packages/agent/bin has them (docs/benchmarks.md, the agent's own cost).
  { pkg: 'agent', bin: 'wattpack-agent', node: 'node --max-semi-space-size=1 --single-threaded', deps: [], assets: [] },
  // `wattpack dev` starts the scheduler and agents from their packages; `wattpack sim` reads the named traces and sites.
  { pkg: 'cli', bin: 'wattpack', node: 'node', deps: ['scheduler', 'agent'], assets: ['packages/sim/data/traces', 'sites'] },
];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function version() {
  const versions = new Set(['common', ...PROGRAMS.map((p) => p.pkg)].map((p) => readJson(`packages/${p}/package.json`).version));
  if (versions.size !== 1) throw new Error(`packages differ in version (${[...versions].join(', ')}): give them one`);
  return [...versions][0];
}

function commit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * vega-canvas loads the optional `canvas` package with a top-level await, which CommonJS
 * cannot hold; wattpack never installs `canvas`, so it is what vega-canvas is without it.
 */
const noNodeCanvas = {
  name: 'no-node-canvas',
  setup(b) {
    b.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: 'vega-canvas', namespace: 'no-node-canvas' }));
    b.onLoad({ filter: /.*/, namespace: 'no-node-canvas' }, () => ({ contents: 'export const canvas = () => null; export const image = () => null;' }));
  },
};

/** The name, version, license and license text of every npm package inside a bundle. */
function thirdPartyLicenses(metafile) {
  const dirs = new Set(
    Object.keys(metafile.inputs)
      .map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
      .filter(Boolean),
  );
  const seen = new Set();
  const parts = [];
  for (const dir of [...dirs].sort()) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const id = `${manifest.name}@${manifest.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const licenseFile = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = licenseFile ? readFileSync(join(root, dir, licenseFile), 'utf8').trim() : '(no license file in the package)';
    parts.push(`${id} (${manifest.license ?? 'license not stated'})\n\n${text}\n`);
  }
  return `Packages bundled into this program, with their licenses.\n\n${parts.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

/**
 * The worker as an ES module (it awaits at the top, and PGlite finds its files by
 * import.meta.url), named .mjs because the packages are CommonJS; the scheduler's bundle is
 * pointed at that name by the plugin below.
 */
const workerAsModule = {
  name: 'worker-as-module',
  setup(b) {
    b.onLoad({ filter: /accounting[\\/]store-thread\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace("'./store-worker.js'", "'./store-worker.mjs'"),
      loader: 'js',
    }));
  },
};

/**
 * grpc-health-check reads its .proto beside its own module when it is imported; in a
 * bundle that is nowhere. Give it the definition parsed here instead (fromJSON, with the
 * options it loads with: keepCase).
 */
const healthProtoInline = {
  name: 'health-proto-inline',
  setup(b) {
    b.onLoad({ filter: /grpc-health-check[\\/]build[\\/]src[\\/]health\.js$/ }, (args) => {
      // The package's own folder: the filter matched <package>/build/src/health.js.
      const protoDir = join(args.path.slice(0, args.path.search(/[\\/]build[\\/]src[\\/]health\.js$/)), 'proto');
      const protoRoot = new protobuf.Root();
      protobuf.parse(readFileSync(join(protoDir, 'health/v1/health.proto'), 'utf8'), protoRoot, { keepCase: true });
      const source = readFileSync(args.path, 'utf8');
      const loaded = "(0, proto_loader_1.loadSync)('health/v1/health.proto', {";
      if (!source.includes(loaded)) throw new Error(`${args.path}: its proto loading changed; update healthProtoInline`);
      return {
        contents: source
          .replace(loaded, `(0, proto_loader_1.fromJSON)(${JSON.stringify(protoRoot.toJSON())}, {`)
          .replace(/includeDirs: \[`\$\{__dirname\}\/\.\.\/\.\.\/proto`\],/, ''),
        loader: 'js',
      };
    });
  },
};

/** The accounting worker and PGlite's files, into `dir`. */
async function companions(program, info, dir) {
  if (!program.worker) return [];
  await build({
    entryPoints: [join(root, program.worker)],
    outfile: join(dir, 'store-worker.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    // Some bundled CommonJS code calls require(): give the module one.
    banner: { js: "import { createRequire as __wattpackRequire } from 'node:module'; const require = __wattpackRequire(import.meta.url);" },
    define: { WATTPACK_BUNDLE: JSON.stringify({ ...info, assets: {} }) },
  });
  const pgliteDist = dirname(createRequire(join(root, 'packages/scheduler/package.json')).resolve('@electric-sql/pglite'));
  for (const f of PGLITE_FILES) copyFileSync(join(pgliteDist, f), join(dir, f));
  // The empty data folder a new store loads (packages/scheduler/scripts/pglite-template.mjs), beside the worker that reads it.
  copyFileSync(join(root, PGDATA_TEMPLATE), join(dir, 'pgdata-template.tar.gz'));
  // The dashboard's page, script and styles, which it reads from web/ beside its module.
  cpSync(join(root, DASHBOARD_WEB), join(dir, 'web'), { recursive: true });
  return ['store-worker.mjs', ...PGLITE_FILES, 'pgdata-template.tar.gz', 'web'];
}

async function bundle(program, info, assets) {
  const file = join(out, 'bundle', `${program.bin}.cjs`);
  const result = await build({
    entryPoints: [join(root, 'packages', program.pkg, 'dist/main.js')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    // CommonJS: Node 20's single executables run only that.
    format: 'cjs',
    minify: false,
    metafile: true,
    logLevel: 'warning',
    banner: { js: `#!/usr/bin/env ${program.node.includes(' ') ? '-S ' : ''}${program.node}\nconst __wattpackMetaUrl = require('node:url').pathToFileURL(__filename).href;` },
    define: {
      'import.meta.url': '__wattpackMetaUrl',
      WATTPACK_BUNDLE: JSON.stringify({ ...info, assets }),
    },
    plugins: [noNodeCanvas, workerAsModule, healthProtoInline],
  });
  writeFileSync(`${file}.licenses.txt`, thirdPartyLicenses(result.metafile));
  return file;
}

async function npmPackage(program, info, bundleFile) {
  const source = readJson(`packages/${program.pkg}/package.json`);
  const dir = join(out, 'npm', program.pkg);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(bundleFile, join(dir, 'bin', `${program.bin}.js`));
  copyFileSync(`${bundleFile}.licenses.txt`, join(dir, 'THIRD-PARTY-LICENSES.txt'));
  chmodSync(join(dir, 'bin', `${program.bin}.js`), 0o755);
  await companions(program, info, join(dir, 'bin'));
  const readme = join(root, 'packages', program.pkg, 'README.md');
  try {
    copyFileSync(readme, join(dir, 'README.md'));
  } catch {
    writeFileSync(join(dir, 'README.md'), `# ${source.name}\n\n${program.bin}, part of wattpack: installing and running it is docs/operations.md in the wattpack repository.\n`);
  }
  // No "type": module: the bundle is CommonJS. Its dependencies are inside it.
  const manifest = {
    name: source.name,
    version: info.version,
    description: `wattpack: ${program.bin} (commit ${info.commit})`,
    // The project has chosen no license yet: npm's word for "not licensed to others" until it does.
    license: readJson('package.json').license ?? 'UNLICENSED',
    bin: { [program.bin]: `bin/${program.bin}.js` },
    files: ['bin', 'THIRD-PARTY-LICENSES.txt'],
    engines: { node: '>=20' },
    dependencies: Object.fromEntries(program.deps.map((d) => [readJson(`packages/${d}/package.json`).name, info.version])),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(out, 'npm')], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
  return join(out, 'npm', tgz);
}

/** Node 20's single executable: the bundle as a blob injected into a copy of this node. */
async function singleExecutable(program, info, bundleFile) {
  const work = join(out, 'sea', program.bin);
  mkdirSync(work, { recursive: true });
  const blob = join(work, 'prep.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: bundleFile, output: blob, disableExperimentalSEAWarning: true }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
  const exe = join(out, 'bin', program.bin);
  mkdirSync(dirname(exe), { recursive: true });
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  const postject = join(root, 'node_modules/postject/dist/cli.js');
  execFileSync(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'ignore' });
  // What is inside besides Node (whose own license ships with Node): ship it with the binary.
  copyFileSync(`${bundleFile}.licenses.txt`, `${exe}.THIRD-PARTY-LICENSES.txt`);
  await companions(program, info, dirname(exe));
  return exe;
}

const info = { version: version(), commit: commit() };
const assetsOf = (dirs) =>
  Object.fromEntries(dirs.flatMap((d) => walk(join(root, d))).filter((f) => ASSET_EXT.test(f)).map((f) => [relative(root, f), readFileSync(f, 'utf8')]));
rmSync(join(out, 'npm'), { recursive: true, force: true });
for (const program of PROGRAMS) {
  const file = await bundle(program, info, assetsOf([...ASSET_DIRS, ...program.assets]));
  const tgz = await npmPackage(program, info, file);
  process.stdout.write(`${relative(root, tgz)}\n`);
  if (!process.argv.includes('--no-sea')) process.stdout.write(`${relative(root, await singleExecutable(program, info, file))}\n`);
}
