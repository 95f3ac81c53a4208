import { chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePodman, TEST_IMAGE } from '../../packages/agent/test-fixtures/podman.js';
import { JOB_USER, LocalSite, waitFor } from './harness.js';

/**
 * Container jobs' storage on real podman (runc, the locally built busybox image): volumes
 * only from the site's allowedMounts, the checkpoint directory inside the container, a
 * /dev/shm of the site's size, and what one attempt wrote read by the next on another node.
 */
const data = mkdtempSync(join(tmpdir(), 'wattpack-e2e-data-'));
chownSync(data, JOB_USER.uid, JOB_USER.gid);
let site: LocalSite;

beforeAll(async () => {
  // The agents run podman with this config (runc, ulimits this machine allows).
  process.env.CONTAINERS_CONF = preparePodman().env.CONTAINERS_CONF;
  site = await LocalSite.start({
    agents: [
      { id: 'c1', profile: 'h100x1', runtime: 'podman' },
      { id: 'c2', profile: 'h100x1', runtime: 'podman' },
    ],
    site: { allowedMounts: [data], containers: { shmSize: '256m' } },
  });
}, 120_000);
afterAll(async () => {
  await site?.stop();
});

let files = 0;
/** A job file (JSON is YAML) mounting `mount` at /data. */
const spec = (mount: string, script: string) => {
  const file = join(site.workDir, `store-${++files}.yaml`);
  writeFileSync(file, JSON.stringify({ name: 'store', gpus: 1, image: TEST_IMAGE, mounts: [{ source: mount, target: '/data' }], command: ['sh', '-c', script] }));
  return file;
};

describe('container storage', () => {
  it('refuses at submit a mount outside allowedMounts, naming the path', async () => {
    const r = await site.cli(['submit', spec('/etc', 'true'), '-o', 'json']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`mounts: /etc may not be mounted: the site allows ${data} (setting allowedMounts)`);
  });

  it('writes to an allowed mount and its checkpoint directory; the next attempt, on the other node, reads both', async () => {
    const script = [
      'if [ -e /data/seen ]; then echo "found $(cat /data/seen) and $(cat $WATTPACK_CHECKPOINT_DIR/step)"; exit 0; fi',
      'echo "attempt-$WATTPACK_ATTEMPT" > /data/seen',
      'echo 42 > $WATTPACK_CHECKPOINT_DIR/step',
      'busybox grep " /dev/shm " /proc/mounts',
      'echo wrote',
      'while true; do sleep 0.2; done',
    ].join('; ');
    const submitted = await site.cli(['submit', spec(data, script), '-o', 'json']);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const id = JSON.parse(submitted.stdout).id as string;
    const first = await site.waitForState(id, ['RUNNING'], 60_000);
    await waitFor('the first attempt to write', async () => (await site.cli(['logs', id])).stdout.includes('wrote'), 60_000);
    const node = first.assignments[0]!.nodeId;
    expect((await site.cli(['drain', node, '--reason', 'test: move the job'])).exitCode).toBe(0);
    const done = await site.waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 90_000);
    const logs = (await site.cli(['logs', id])).stdout;
    expect(done.state, logs).toBe('SUCCEEDED');
    expect(done.attempt).toBe(2);
    expect(done.assignments[0]!.nodeId).not.toBe(node);
    expect(logs).toContain('found attempt-1 and 42');
    expect(logs).toMatch(/\/dev\/shm .*size=262144k/);
    expect(readFileSync(join(data, 'seen'), 'utf8')).toBe('attempt-1\n');
    expect(readFileSync(join(site.checkpointRoot, id, 'step'), 'utf8')).toBe('42\n');
    expect((await site.cli(['uncordon', node])).exitCode).toBe(0);
  }, 240_000);
});
