import { execa } from 'execa';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@wattpack/common';

// What a site installs (scripts/package.mjs, `pnpm package`), used the way a site uses it:
// away from the workspace, with nothing but what was packed.
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'out');
const BINARIES = ['wattpack', 'wattpack-scheduler', 'wattpack-agent'];
let versionLine: RegExp;

beforeAll(async () => {
  const packed = await execa(process.execPath, [join(root, 'scripts/package.mjs')], { cwd: root, reject: false });
  expect(packed.exitCode, packed.stderr).toBe(0);
  const head = (await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root })).stdout;
  versionLine = new RegExp(`^0\\.1\\.0 \\(commit ${head}(-dirty)?\\)$`);
}, 300_000);

/** An empty folder with no node_modules in it or above it. */
function emptyDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (let d = dir; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, 'node_modules')), d).toBe(false);
  return dir;
}

describe('npm packages', () => {
  it('name no workspace package and carry bins, files and engines', () => {
    for (const pkg of ['cli', 'scheduler', 'agent']) {
      const manifest = JSON.parse(readFileSync(join(out, 'npm', pkg, 'package.json'), 'utf8'));
      expect(manifest.private).toBeUndefined();
      expect(manifest.engines).toEqual({ node: '>=20' });
      expect(manifest.files).toContain('bin');
      expect(Object.keys(manifest.bin)).toHaveLength(1);
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      expect(Object.keys(manifest.dependencies)).not.toContain('@wattpack/common');
      // What the bundle holds, with each package's license.
      expect(readFileSync(join(out, 'npm', pkg, 'THIRD-PARTY-LICENSES.txt'), 'utf8')).toMatch(/^commander@\S+ \(MIT\)$/m);
    }
  });

  it('install from their tarballs into an empty folder, offline, and `wattpack dev` runs a job with them', async () => {
    const dir = emptyDir('wattpack-npm-');
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    const tarballs = readdirSync(join(out, 'npm')).filter((f) => f.endsWith('.tgz')).map((f) => join(out, 'npm', f));
    expect(tarballs).toHaveLength(3);
    const install = await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: dir, reject: false });
    expect(install.exitCode, install.stderr).toBe(0);
    const bin = (name: string) => join(dir, 'node_modules/.bin', name);
    for (const name of BINARIES) expect((await execa(bin(name), ['--version'], { cwd: dir })).stdout).toMatch(versionLine);

    const env = { WATTPACK_DEV_DIR: join(dir, 'dev'), WATTPACK_CONFIG: join(dir, 'config.yaml'), NODE_PATH: '' };
    const wattpack = (...args: string[]) => execa(bin('wattpack'), args, { cwd: dir, env, reject: false });
    const port = await freePort();
    const up = await wattpack('dev', '--detach', '--port', String(port));
    try {
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
      // The scheduler and agents dev started are the installed ones, not the workspace's.
      const state = JSON.parse(readFileSync(join(dir, 'dev/dev.json'), 'utf8')) as { processes: { role: string; pid: number }[] };
      const started = state.processes.filter((p) => p.role !== 'nats');
      expect(started.length).toBeGreaterThan(1);
      for (const p of started) expect(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')).toContain(join(dir, 'node_modules/@wattpack'));
      copyFileSync(join(root, 'examples/train-h100.yaml'), join(dir, 'job.yaml'));
      const job = await wattpack('submit', 'job.yaml', '--wait');
      expect(job.exitCode, job.stderr + job.stdout).toBe(0);
      expect(job.stdout).toContain('SUCCEEDED');
    } finally {
      const down = await wattpack('dev', 'down');
      expect(down.exitCode, down.stderr).toBe(0);
    }
  }, 180_000);
});

describe('single executables', () => {
  /**
   * What pnpm package puts in out/bin (the three binaries; beside the scheduler its
   * accounting worker and PGlite's files) alone in an empty folder; nats-server (for dev)
   * from Debian's /usr/sbin.
   */
  function installed() {
    const dir = emptyDir('wattpack-sea-');
    cpSync(join(out, 'bin'), dir, { recursive: true });
    for (const name of BINARIES) chmodSync(join(dir, name), 0o755);
    const env = { PATH: '/usr/sbin:/usr/bin:/bin', NODE_PATH: '', WATTPACK_DEV_DIR: join(dir, 'dev'), WATTPACK_CONFIG: join(dir, 'config.yaml') };
    const run = (name: string, ...args: string[]) => execa(join(dir, name), args, { cwd: dir, reject: false, env, extendEnv: false });
    return { dir, run };
  }

  it('answer --version and --help, and read their embedded files, with no node_modules in reach', async () => {
    const { run } = installed();
    for (const name of BINARIES) {
      const version = await run(name, '--version');
      expect(version.exitCode, version.stderr).toBe(0);
      expect(version.stdout).toMatch(versionLine);
      const help = await run(name, '--help');
      expect(help.exitCode, help.stderr).toBe(0);
      expect(help.stdout).toContain(`Usage: ${name} [options]`);
    }
    // The gRPC definitions are embedded: an unreachable scheduler is exit code 4, not a missing .proto.
    const jobs = await run('wattpack', 'jobs', '--scheduler', `127.0.0.1:${await freePort()}`, '--insecure');
    expect(jobs.stderr).not.toContain('ENOENT');
    expect(jobs.exitCode, jobs.stderr).toBe(4);
    // So are the simulator's named traces and sites.
    const sim = await run('wattpack', 'sim', '--trace', 'openb', '--site', 'openb-slice', '--policy', 'fifo', '--until', '6h', '--json');
    expect(sim.exitCode, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toMatchObject({ trace: 'openb', site: 'openb-slice', policy: 'fifo' });
    // So are the recorded miner replies: the agent binary simulates a miner and probes it.
    const miners = run('wattpack-agent', 'simulate-miners', '--count', '1', '--kinds', 'antminer-s19pro');
    try {
      let printed = '';
      miners.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
      const deadline = Date.now() + 20_000;
      while (!/endpoint: (\S+)/.test(printed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const endpoint = /endpoint: (\S+)/.exec(printed)?.[1];
      expect(endpoint, printed).toBeDefined();
      const probe = await run('wattpack-agent', 'probe', '--miner', endpoint!, '--json');
      expect(probe.exitCode, probe.stderr).toBe(0);
      expect(JSON.parse(probe.stdout)).toMatchObject({ model: 'Antminer S19 Pro', firmware: 'antminer' });
    } finally {
      miners.kill('SIGTERM');
      await miners;
    }
  }, 60_000);

  it('run `wattpack dev` and a job with nothing but themselves', async () => {
    const { dir, run } = installed();
    const up = await run('wattpack', 'dev', '--detach', '--port', String(await freePort()));
    try {
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
      const state = JSON.parse(readFileSync(join(dir, 'dev/dev.json'), 'utf8')) as { processes: { role: string; pid: number }[] };
      for (const p of state.processes.filter((p) => p.role !== 'nats')) expect(readlinkSync(`/proc/${p.pid}/exe`)).toBe(join(dir, `wattpack-${p.role}`));
      copyFileSync(join(root, 'examples/train-h100.yaml'), join(dir, 'job.yaml'));
      const job = await run('wattpack', 'submit', 'job.yaml', '--wait');
      expect(job.exitCode, job.stderr + job.stdout).toBe(0);
      expect(job.stdout).toContain('SUCCEEDED');
    } finally {
      const down = await run('wattpack', 'dev', 'down');
      expect(down.exitCode, down.stderr).toBe(0);
    }
  }, 120_000);
});
