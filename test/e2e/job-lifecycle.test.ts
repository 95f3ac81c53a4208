import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor, useLocalSite } from './harness.js';

const site = useLocalSite();

const idOf = (stdout: string): string => JSON.parse(stdout).id as string;

describe('a job from submit to its end, with the real binaries', () => {
  it('runs a YAML job to SUCCEEDED with its GPUs and power limit, and replays its logs', async () => {
    const file = join(site().workDir, 'hello.yaml');
    writeFileSync(
      file,
      [
        'name: hello',
        'team: vision',
        'command: ["sh", "-c", "echo gpus=$CUDA_VISIBLE_DEVICES job=$WATTPACK_JOB_ID attempt=$WATTPACK_ATTEMPT; echo oops >&2"]',
        'gpus: 2',
        'gpuModels: [H100]',
        'power: { maxWatts: 500 }',
      ].join('\n'),
    );
    const submitted = await site().cli(['submit', file, '-o', 'json']);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const id = idOf(submitted.stdout);
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED']);
    expect(done).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, powerLimitW: 500, attempt: 1 });
    expect(done.assignments).toHaveLength(1);
    expect(done.assignments[0]!.gpuIndices).toHaveLength(2);

    const logs = await site().cli(['logs', id]);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(`gpus=${done.assignments[0]!.gpuIndices.join(',')} job=${id} attempt=1`);
    expect(logs.stderr).toContain('oops');

    const shown = await site().cli(['job', id]);
    expect(shown.stdout).toContain('SUCCEEDED');
  });

  it('follows the logs of a running job until it ends', async () => {
    const submitted = await site().cli(['submit', '--name', 'ticker', '--gpus', '1', '-o', 'json', '--', 'sh', '-c', 'for i in 1 2 3 4 5; do echo tick $i; sleep 0.3; done']);
    const id = idOf(submitted.stdout);
    await site().waitForState(id, ['RUNNING', 'SUCCEEDED']);
    const followed = await site().cli(['logs', id, '-f']);
    expect(followed.exitCode, followed.stderr).toBe(0);
    expect(followed.stdout.match(/tick \d/g)).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5']);
    expect((await site().job(id)).state).toBe('SUCCEEDED');
  });

  it('reports a non-zero exit as FAILED with its code, and a missing program with the reason', async () => {
    const exit3 = idOf((await site().cli(['submit', '--name', 'exit3', '--gpus', '1', '-o', 'json', '--', 'sh', '-c', 'exit 3'])).stdout);
    const missing = idOf((await site().cli(['submit', '--name', 'missing', '--gpus', '1', '-o', 'json', '--', 'no-such-program-xyz'])).stdout);
    expect(await site().waitForState(exit3, ['FAILED', 'SUCCEEDED'])).toMatchObject({ state: 'FAILED', exitCode: 3, reason: 'exited with code 3' });
    const failed = await site().waitForState(missing, ['FAILED', 'SUCCEEDED']);
    expect(failed.state).toBe('FAILED');
    expect(failed.reason).toMatch(/command not found: no-such-program-xyz/);
    // The agents keep serving: the next job still runs.
    const after = idOf((await site().cli(['submit', '--name', 'after', '--gpus', '1', '-o', 'json', '--', 'true'])).stdout);
    expect((await site().waitForState(after, ['SUCCEEDED', 'FAILED'])).state).toBe('SUCCEEDED');
  });

  it('starts a gang of 2 nodes x 8 GPUs on two nodes, each with its rank', async () => {
    const id = idOf(
      (await site().cli(['submit', '--name', 'gang', '--gpus', '8', '--nodes', '2', '-o', 'json', '--', 'sh', '-c', 'echo rank=$WATTPACK_NODE_RANK of $WATTPACK_NNODES; sleep 0.5'])).stdout,
    );
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED']);
    expect(done.state).toBe('SUCCEEDED');
    expect(new Set(done.assignments.map((a) => a.nodeId))).toEqual(new Set(['gpu-1', 'gpu-2']));
    expect(done.assignments.every((a) => a.gpuIndices.length === 8 && a.started && a.exitCode === 0)).toBe(true);
    const logs = await site().cli(['logs', id]);
    expect(logs.stdout).toContain('rank=0 of 2');
    expect(logs.stdout).toContain('rank=1 of 2');
  });

  it('waits a gang that cannot get both nodes, then starts it whole', async () => {
    // Long enough for the gang's submission (a CLI start) to arrive while it runs, under load too.
    const blocker = idOf((await site().cli(['submit', '--name', 'blocker', '--gpus', '1', '-o', 'json', '--', 'sleep', '5'])).stdout);
    await site().waitForState(blocker, ['RUNNING']);
    const gang = idOf((await site().cli(['submit', '--name', 'gang2', '--gpus', '8', '--nodes', '2', '-o', 'json', '--', 'true'])).stdout);
    const waiting = await waitFor('the gang to wait', async () => {
      const j = await site().job(gang);
      return j.reason.startsWith('gang needs') ? j : undefined;
    });
    expect(waiting.state).toBe('PENDING');
    expect(waiting.assignments).toHaveLength(0);
    const done = await site().waitForState(gang, ['SUCCEEDED', 'FAILED']);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.startedAtMs).toBeGreaterThanOrEqual((await site().job(blocker)).finishedAtMs);
  });

  it('rejects bad input with an error naming the field, and creates nothing', async () => {
    const before = (await site().rpc<{ jobs: unknown[] }>('ListJobs', {})).jobs.length;
    const cases: [string, RegExp][] = [
      ['name: x\ncommand: ["true"]\ngpus: 1\ncolour: blue\n', /unknown field.*"colour"/],
      ['name: x\ncommand: ["true"]\ngpus: -1\n', /gpus/],
      ['name: x\ncommand: ["true"]\ngpus: 16\n', /gpus: 16 per node requested, but the largest node has 8/],
      ['name: x\ncommand: ["true"]\ngpus: 1\ngpuModels: [X9000]\n', /gpuModels.*unknown GPU model/],
      ['name: x\ncommand: [true\ngpus: 1\n', /YAML/],
    ];
    for (const [yaml, message] of cases) {
      const file = join(site().workDir, 'bad.yaml');
      writeFileSync(file, yaml);
      const r = await site().cli(['submit', file]);
      expect(r.exitCode, yaml).toBe(2);
      expect(r.stderr, yaml).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect((await site().rpc<{ jobs: unknown[] }>('ListJobs', {})).jobs.length).toBe(before);
    const unknown = await site().cli(['job', 'j-nope']);
    expect(unknown.exitCode).toBe(3);
  });
});
