import { describe, expect, it } from 'vitest';
import { JOB_USER, useLocalSite } from './harness.js';

// As root the agent runs jobs as any uid; otherwise only as itself.
const ALICE = process.getuid!() === 0 ? { uid: 4242, gid: 4343 } : JOB_USER;

// No "*" entry: owners other than alice run as the node's account of their name.
const site = useLocalSite({ agents: [{ id: 'gpu-1', profile: 'h100x8' }], site: { users: { alice: ALICE } } });

/** The real CLI as a given user (a credential issued for them): the scheduler takes the job's owner from its certificate. */
const cliAs = async (user: string, ...args: string[]) => (await site().cliAs(user, 'user', ['default']))(args);

async function submitAs(user: string, script: string): Promise<string> {
  const r = await cliAs(user, 'submit', '--name', 'whoami', '--gpus', '1', '-o', 'json', '--', 'sh', '-c', script);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).id as string;
}

describe('jobs never run as root', () => {
  it("runs a job as its owner's mapped uid and gid, and shows the owner", async () => {
    const id = await submitAs('alice', 'id -u; id -g; [ -w "$PWD" ] && echo workdir-writable');
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED']);
    expect(done.state, done.reason).toBe('SUCCEEDED');
    expect(done.owner).toBe('alice');
    const logs = await cliAs('alice', 'logs', id);
    expect(logs.stdout.trim().split('\n')).toEqual([String(ALICE.uid), String(ALICE.gid), 'workdir-writable']);
    expect((await cliAs('bob', 'job', id)).stdout).toMatch(/Owner:\s+alice/);
  });

  it('fails the job of an owner without a Unix account on the node, with the reason', async () => {
    const id = await submitAs('wattpack-no-such-user', 'true');
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED']);
    expect(done).toMatchObject({ state: 'FAILED', owner: 'wattpack-no-such-user', reason: 'user wattpack-no-such-user has no Unix account on gpu-1: map it in the site setting users' });
  });

  it("fails root's job: jobs never run as root", async () => {
    const id = await submitAs('root', 'true');
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED']);
    expect(done).toMatchObject({ state: 'FAILED', reason: 'jobs never run as root: user root would run as uid 0 on gpu-1; map it to another account in the site setting users' });
  });
});
