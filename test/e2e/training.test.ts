import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor, useLocalSite } from './harness.js';

/**
 * Real distributed training: examples/ddp_train.py under Debian's PyTorch (/usr/bin/python3,
 * python3-torch), two ranks on two simulated nodes of this machine, set up from nothing but
 * the environment wattpack gives them.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const site = useLocalSite({
  agents: [
    { id: 'n1', profile: 'h100x1' },
    { id: 'n2', profile: 'h100x1' },
    { id: 'n3', profile: 'h100x1' },
  ],
});

const idOf = (stdout: string): string => JSON.parse(stdout).id as string;

/** "rank R step S loss L" lines of the job's logs, as [rank, step, loss]. */
async function steps(id: string): Promise<[number, number, string][]> {
  const { stdout } = await site().cli(['logs', id]);
  return [...stdout.matchAll(/rank (\d) step (\d+) loss ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2]), m[3]!]);
}

/** The examples/ddp-gloo.yaml job as its docs submit it, from the repository. */
const submitExample = async (...flags: string[]) => {
  // As docs/jobs.md says, from the repository (vitest runs there): --workdir . is this directory.
  const r = await site().cli(['submit', 'examples/ddp-gloo.yaml', '--workdir', '.', '-o', 'json', ...flags]);
  expect(r.exitCode, r.stderr).toBe(0);
  return idOf(r.stdout);
};

describe('a PyTorch gang with torch.distributed (gloo, env://)', () => {
  it('all-reduces across two nodes, and both ranks print the same loss at every step', async () => {
    const id = await submitExample('--env', 'STEPS=5');
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000);
    const { stdout } = await site().cli(['logs', id]);
    expect(done.state, stdout).toBe('SUCCEEDED');
    expect(done.rendezvous).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(stdout).toContain('rank 0/2: all-reduce of ranks = 1');
    expect(stdout).toContain('rank 1/2: all-reduce of ranks = 1');
    const lines = await steps(id);
    expect(lines).toHaveLength(10);
    for (let step = 1; step <= 5; step++) {
      const losses = lines.filter(([, s]) => s === step).map(([, , loss]) => loss);
      expect(losses).toHaveLength(2);
      expect(losses[0]).toBe(losses[1]);
    }
    // Training: the loss falls.
    expect(Number(lines.find(([, s]) => s === 5)![2])).toBeLessThan(Number(lines.find(([, s]) => s === 1)![2]));
    const weights = [...stdout.matchAll(/rank \d done: .* weights (\S+)/g)].map((m) => m[1]);
    expect(weights).toHaveLength(2);
    expect(weights[0]).toBe(weights[1]);
    expect(existsSync(join(site().checkpointRoot, id, 'ddp_train.pt'))).toBe(true);
  }, 150_000);

  it('resumes from its checkpoint after a drain moves it: the next attempt starts at the step the first one saved', async () => {
    // Long enough (30 s) that the drain lands mid-run on a loaded machine.
    const id = await submitExample('--env', 'STEPS=60', '--env', 'STEP_SECONDS=0.5');
    const first = await site().waitForState(id, ['RUNNING'], 120_000);
    await waitFor('a few steps', async () => (await steps(id)).some(([, s]) => s >= 3), 90_000);
    const node = first.assignments[0]!.nodeId;
    const drained = await site().cli(['drain', node, '--reason', 'move the training run']);
    expect(drained.exitCode, drained.stderr).toBe(0);
    const done = await site().waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 150_000);
    const { stdout } = await site().cli(['logs', id]);
    expect(done.state, stdout).toBe('SUCCEEDED');
    expect(done.attempt).toBe(2);
    expect(done.assignments.map((a) => a.nodeId)).not.toContain(node);
    const stoppedAt = Number(/rank 0: stopping at step (\d+), checkpoint saved/.exec(stdout)?.[1]);
    expect(stoppedAt, stdout).toBeGreaterThanOrEqual(3);
    expect(stdout).toContain(`rank 0: resumed from step ${stoppedAt}`);
    expect(stdout).toContain(`rank 1: resumed from step ${stoppedAt}`);
    // The second attempt trained on from there: every step after it once per rank, with the same loss.
    const after = (await steps(id)).filter(([, s]) => s > stoppedAt);
    expect(after).toHaveLength(2 * (60 - stoppedAt));
    expect((await site().cli(['uncordon', node])).exitCode).toBe(0);
  }, 300_000);
});
