import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A local image: no registry is reachable in tests. */
export const TEST_IMAGE = 'localhost/wattpack-test-busybox:1';
const BUSYBOX_APPLETS = ['sh', 'sleep', 'echo', 'cat', 'head', 'tail', 'dd', 'env', 'true', 'false', 'kill', 'ls', 'mkdir', 'yes'];

const SETUP = 'apt-get install -y podman runc catatonit busybox-static';

const CDI_DIRS = ['/etc/cdi', '/var/run/cdi'];
/** Stand-in GPUs for CDI on machines without NVIDIA's own spec: each sets an env var in the container. */
export const FAKE_GPU_ENV = (index: number) => `WATTPACK_TEST_CDI_GPU_${index}=present`;

/**
 * Where no NVIDIA CDI spec exists (no GPUs), writes one for GPUs 0-7 to /var/run/cdi (a
 * runtime directory, gone at reboot) whose devices only set FAKE_GPU_ENV, so that
 * `--device nvidia.com/gpu=N` goes through podman's CDI path for real. Returns whether
 * the devices are these stand-ins.
 */
function fakeCdiGpus(): boolean {
  const ours = '/var/run/cdi/wattpack-test-gpus.yaml';
  const real = CDI_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).map((f) => `${d}/${f}`) : []))
    .filter((f) => f !== ours)
    .some((f) => /kind:\s*"?nvidia\.com\/gpu/.test(readFileSync(f, 'utf8')));
  if (real) return false;
  const devices = Array.from({ length: 8 }, (_, i) => `  - name: "${i}"\n    containerEdits:\n      env: ["${FAKE_GPU_ENV(i)}"]`).join('\n');
  mkdirSync('/var/run/cdi', { recursive: true });
  writeFileSync(ours, `cdiVersion: "0.5.0"\nkind: nvidia.com/gpu\ndevices:\n${devices}\ncontainerEdits: {}\n`);
  return true;
}

/**
 * Makes podman usable for the container tests and returns the environment to run it in,
 * or throws naming what is missing: these tests fail (never skip) without podman.
 *
 * CONTAINERS_CONF points at a config that selects runc and sets the ulimits this kind of
 * machine needs (crun fails on hybrid cgroups; runc cannot raise nofile/nproc here).
 */
export function preparePodman(): { env: NodeJS.ProcessEnv; fakeGpus: boolean } {
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) throw new Error(`podman is not installed or does not run (${version.error?.message ?? version.stderr.trim()}): the container tests need it; install with \`${SETUP}\``);
  if (spawnSync('runc', ['--version']).status !== 0) throw new Error(`runc is missing: the container tests run podman with runc; install with \`${SETUP}\``);
  const dir = mkdtempSync(join(tmpdir(), 'wattpack-podman-'));
  const nofile = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'containers.conf'), `[containers]\ndefault_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]\n\n[engine]\nruntime = "runc"\n`);
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
  if (spawnSync('podman', ['image', 'exists', TEST_IMAGE], { env }).status !== 0) buildImage(dir, env);
  const check = spawnSync('podman', ['run', '--rm', TEST_IMAGE, 'true'], { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`podman cannot run a container here: ${check.stderr.trim().split('\n').at(-1)}`);
  return { env, fakeGpus: fakeCdiGpus() };
}

/** An image of one static busybox and its applets, imported from a tarball. */
function buildImage(dir: string, env: NodeJS.ProcessEnv): void {
  const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  if (!busybox || /dynamic/.test(spawnSync('file', ['-L', busybox], { encoding: 'utf8' }).stdout ?? '')) {
    throw new Error(`a static busybox is needed to build the test image: install with \`${SETUP}\``);
  }
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'tmp', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(busybox, join(root, 'bin/busybox'));
  for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
  execFileSync('tar', ['-C', root, '-cf', join(dir, 'rootfs.tar'), '.']);
  execFileSync('podman', ['import', '--change', 'ENV PATH=/bin', join(dir, 'rootfs.tar'), TEST_IMAGE], { env, stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}
