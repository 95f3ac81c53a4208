import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLocalSite, waitFor } from './harness.js';

/** Where a job runs and what it sees, and jobs that wait on others: sbatch's habits, on the real binaries. */
const site = useLocalSite();

const submit = async (args: string[], env?: Record<string, string>) => {
  const r = await site().cli(['submit', '-o', 'json', ...args], undefined, undefined, env);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).id as string;
};
const ended = (id: string) => site().waitForState(id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 60_000);

describe('dependencies (--after-ok, --after-any)', () => {
  it('starts B after A succeeded, and only then', async () => {
    // A runs until the test lets it end.
    const gate = join(site().jobDir('gate'), 'go');
    const a = await submit(['--name', 'a', '--gpus', '1', '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done`]);
    const b = await submit(['--name', 'b', '--gpus', '1', '--after-ok', a, '--', 'true']);
    await site().waitForState(a, ['RUNNING']);
    await waitFor('B to wait for A', async () => (await site().job(b)).reason === `dependency: waiting for job ${a} to succeed`);
    const shown = await site().cli(['job', b]);
    expect(shown.stdout).toMatch(/State:\s+PENDING/);
    expect(shown.stdout).toContain(`dependency: waiting for job ${a} to succeed`);
    expect(shown.stdout).toMatch(new RegExp(`Depends on:\\s+${a} \\(after-ok\\)`));
    writeFileSync(gate, '');
    const [doneA, doneB] = [await ended(a), await ended(b)];
    expect(doneA.state).toBe('SUCCEEDED');
    expect(doneB.state).toBe('SUCCEEDED');
    expect(Number(doneB.startedAtMs)).toBeGreaterThanOrEqual(Number(doneA.finishedAtMs));
  });

  it('ends C, after-ok of a job that failed, with that reason; after-any still runs', async () => {
    const failing = await submit(['--name', 'fails', '--gpus', '1', '--', 'sh', '-c', 'sleep 1; exit 3']);
    const c = await submit(['--name', 'c', '--gpus', '1', '--after-ok', failing, '--', 'true']);
    const d = await submit(['--name', 'd', '--gpus', '1', '--after-any', failing, '--', 'true']);
    const doneC = await ended(c);
    expect(doneC.state).toBe('CANCELLED');
    expect(doneC.reason).toBe(`dependency never satisfied: job ${failing} (after-ok) ended FAILED: exited with code 3`);
    expect(doneC.attempt).toBe(0);
    expect((await site().cli(['job', c])).stdout).toContain('dependency never satisfied');
    expect((await ended(d)).state).toBe('SUCCEEDED');
  });

  it("refuses a dependency on a job that does not exist, or on another team's, naming it alike", async () => {
    const r = await site().cli(['submit', '--name', 'x', '--gpus', '1', '--after-ok', 'j-nosuchjob1', '--', 'true']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('dependency: no job j-nosuchjob1');
    const theirs = await submit(['--name', 'theirs', '--team', 'finance', '--gpus', '1', '--', 'true']);
    const bob = await site().cliAs('bob', 'user', ['nlp']);
    const refused = await bob(['submit', '--name', 'y', '--gpus', '1', '--after-any', theirs, '--', 'true']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(`dependency: no job ${theirs}`);
  });
});

describe('execution context', () => {
  it('runs examples/gang-2x8.yaml as written: every rank knows where the ranks meet', async () => {
    const id = await submit(['examples/gang-2x8.yaml']);
    const done = await ended(id);
    expect(done.state).toBe('SUCCEEDED');
    const logs = (await site().cli(['logs', id])).stdout;
    // Rank i runs on the job's i-th node; both meet at rank 0's.
    done.assignments.forEach((a, rank) => expect(logs).toContain(`rank ${rank}/2 on ${a.nodeId}, GPUs 0,1,2,3,4,5,6,7: meets at ${done.rendezvous}, 8 processes per node for a launcher`));
  });

  it('runs in its workdir, writes output files per rank besides the log stream, and sees only the variables it was given', async () => {
    const dir = site().jobDir('runs');
    const id = await submit(
      [
        '--name', 'ctx', '--gpus', '1', '--nodes', '2', '--workdir', dir, '--output-file', 'out-%j-%t.log', '--error-file', join(dir, 'err-%t.log'),
        '--export', 'EXPORTED_VAR', '--',
        'sh', '-c', 'echo "pwd=$(pwd) rank=$RANK exported=${EXPORTED_VAR:-} leaked=${NOT_EXPORTED:-none} ckpt=$WATTPACK_CHECKPOINT_DIR"; echo oops-$RANK >&2',
      ],
      { EXPORTED_VAR: 'yes', NOT_EXPORTED: 'secret' },
    );
    expect((await ended(id)).state).toBe('SUCCEEDED');
    for (const rank of [0, 1]) {
      const out = readFileSync(join(dir, `out-${id}-${rank}.log`), 'utf8');
      expect(out).toBe(`pwd=${dir} rank=${rank} exported=yes leaked=none ckpt=${join(site().checkpointRoot, id)}\n`);
      expect(readFileSync(join(dir, `err-${rank}.log`), 'utf8')).toBe(`oops-${rank}\n`);
    }
    const logs = await site().cli(['logs', id]);
    expect(logs.stdout).toContain(`pwd=${dir} rank=0`);
    const shown = (await site().cli(['job', id])).stdout;
    expect(shown).toMatch(new RegExp(`Workdir:\\s+${dir}`));
    expect(shown).toContain(`stdout out-%j-%t.log, stderr ${join(dir, 'err-%t.log')}`);
    expect(shown).toMatch(/Rendezvous:\s+127\.0\.0\.1:\d+/);
  });
});
