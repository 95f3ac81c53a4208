import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { AuditRecord__Output } from '@wattpack/common/proto/AuditRecord';
import type { Job__Output } from '@wattpack/common/proto/Job';
import { BIN, waitFor, useLocalSite } from './harness.js';

/** The habits of docs/cli.md, with the real CLI against a real (secure) site of two 8-GPU nodes. */
const site = useLocalSite();

const as = (name: string, role: 'user' | 'operator', teams = ['vision']) => async (...args: string[]) => (await site().cliAs(name, role, teams))(args);
const alice = as('alice', 'user');
const bob = as('bob', 'user');
const olga = as('olga', 'operator', ['ops']);

async function submit(run: (...args: string[]) => ReturnType<typeof alice>, name: string, gpus: number, ...command: string[]): Promise<string> {
  const r = await run('submit', '--name', name, '--gpus', String(gpus), '-o', 'json', '--', ...command);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Job__Output).id;
}

const running = (id: string) => site().waitForState(id, ['RUNNING'], 30_000);

describe('naming jobs', () => {
  it('finds a job by name or a unique id prefix for job, logs and cancel; a choice is refused, listing it', async () => {
    const lone = await submit(alice, 'habits-lone', 1, 'sh', '-c', 'echo lone says hi; sleep 600');
    const twins = [await submit(alice, 'habits-twin', 1, 'sleep', '600'), await submit(bob, 'habits-twin', 1, 'sleep', '600')];
    for (const id of [lone, ...twins]) await running(id);

    expect((await alice('job', 'habits-lone')).stdout).toMatch(new RegExp(`ID:\\s+${lone}\\n`));
    expect((await alice('job', lone.slice(0, -1), '-o', 'json')).stdout).toContain(`"id": "${lone}"`);
    await waitFor('its output', async () => ((await alice('logs', 'habits-lone')).stdout === 'lone says hi' ? true : undefined));

    const ambiguous = await alice('job', 'habits-twin');
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toBe(
      `error: "habits-twin" names 2 jobs, newest first: ${twins[1]} (habits-twin, ${(await site().job(twins[1]!)).state}, bob), ${twins[0]} (habits-twin, ${(await site().job(twins[0]!)).state}, alice); give a job id or a longer prefix`,
    );
    expect(ambiguous.stderr).not.toMatch(/\n\s+at /);
    // Nothing is cancelled on a guess.
    expect((await alice('cancel', 'habits-twin')).exitCode).toBe(2);
    for (const id of twins) {
      // A cancel shows in the job's state or reason ("cancelled: ..."), whatever it was doing.
      const j = await site().job(id);
      expect(j.state).not.toBe('CANCELLED');
      expect(j.reason).not.toMatch(/^cancelled/);
    }
    const unknown = await alice('logs', 'habits-nobody');
    expect(unknown).toMatchObject({ exitCode: 3, stderr: 'error: no job with id, name or id prefix "habits-nobody"' });

    // Several at once, each on its own: the unknown one is reported, the others cancelled.
    const r = await alice('cancel', 'habits-lone', twins[0]!, 'habits-nobody', twins[1]!.slice(0, -1));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('error: habits-nobody: no job with id, name or id prefix "habits-nobody"');
    expect(r.stdout.trim().split('\n').map((l) => l.split(':')[0])).toEqual([lone, ...twins].map((id) => expect.stringMatching(new RegExp(`^cancel(l)?ing job ${id}$`))));
    for (const id of [lone, ...twins]) await site().waitForState(id, ['CANCELLED']);
  }, 90_000);
});

describe('listing and output formats', () => {
  it('lists my jobs (--mine is the certificate, filtered by the scheduler) with --state, --since, --limit', async () => {
    const mine = [await submit(alice, 'habits-list', 0, 'true'), await submit(alice, 'habits-list', 0, 'true')];
    const bobs = await submit(bob, 'habits-list', 0, 'true');
    for (const id of [...mine, bobs]) await site().waitForState(id, ['SUCCEEDED']);

    const list = async (...args: string[]) => {
      const r = await alice('jobs', ...args, '-o', 'json');
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Job__Output[]).filter((j) => j.spec?.name === 'habits-list').map((j) => j.id);
    };
    expect(await list('--mine')).toEqual(mine);
    expect(await list()).toEqual([...mine, bobs]);
    expect(await list('--mine', '--state', 'succeeded', '--since', '10m')).toEqual(mine);
    expect(await list('--mine', '--state', 'failed')).toEqual([]);
    const limited = await alice('jobs', '--mine', '--state', 'succeeded', '--limit', '1', '-o', 'json');
    expect((JSON.parse(limited.stdout) as Job__Output[]).map((j) => j.id)).toEqual([mine[0]]);
    expect(limited.stderr).toContain('(the first 1 jobs: more match');
    // bob sees his own only.
    const bobsList = await bob('jobs', '--mine', '-o', 'json');
    expect((JSON.parse(bobsList.stdout) as Job__Output[]).every((j) => j.owner === 'bob')).toBe(true);
  }, 90_000);

  it('prints yaml (the json document) and wide tables', async () => {
    const json = JSON.parse((await alice('jobs', '--mine', '-o', 'json')).stdout) as unknown;
    expect(parseYaml((await alice('jobs', '--mine', '-o', 'yaml')).stdout)).toEqual(json);
    const wide = (await alice('jobs', '--mine', '-o', 'wide')).stdout.split('\n');
    expect(wide[0]).toMatch(/^ID\s+NAME\s+TEAM\s+OWNER\s+STATE\s+GPUS\s+NODES\s+POWER\s+PRIORITY\s+SUBMITTED\s+AGE\/RUNTIME\s+IMAGE\s+REASON$/);
    expect(wide.slice(1).filter(Boolean).every((l) => /^j-\S+\s+\S+\s+vision\s+alice\s/.test(l))).toBe(true);
    const nodes = (await alice('nodes', '-o', 'wide')).stdout;
    expect(nodes).toMatch(/^NODE\s+STATE\s+STATUS\s+GPUS\s+POWER\s+MINERS\s+LAST REPORT\s+LABELS\s+REASON\n/);
    expect(nodes).toMatch(/gpu-1\s+(idle|mix|alloc)\s+READY\s+\S+ H100\s+.*kW\s+-\s+\d{4}-\d\d-\d\dT\S+Z\s+rack=r1\s+-/);
  });
});

describe('cordon', () => {
  it('places nothing new on a cordoned node while its job keeps running; operators only; audited', async () => {
    const first = await submit(alice, 'habits-stays', 1, 'sleep', '600');
    const node = (await running(first)).assignments[0]!.nodeId;
    const other = node === 'gpu-1' ? 'gpu-2' : 'gpu-1';

    const refused = await alice('cordon', node);
    expect(refused).toMatchObject({ exitCode: 5, stderr: 'error: alice is a user: cordoning nodes needs the operator role' });
    const cordoned = await olga('cordon', node, '--reason', 'firmware update');
    expect(cordoned.exitCode, cordoned.stderr).toBe(0);
    expect(cordoned.stdout).toMatch(new RegExp(`${node}\\s+drain\\s+READY,CORDONED\\s+.*firmware update \\(olga\\)`));

    // The free GPUs of the cordoned node take nothing; the other node takes the next job.
    const second = await submit(alice, 'habits-moves', 1, 'sleep', '600');
    expect((await running(second)).assignments[0]!.nodeId).toBe(other);
    expect((await olga('cordon', other)).exitCode).toBe(0);
    const waiting = await submit(alice, 'habits-waits', 1, 'sleep', '600');
    await waitFor('the job to wait with a reason', async () => {
      const j = await site().job(waiting);
      return j.state === 'PENDING' && j.reason ? j : undefined;
    });
    const stayed = await site().job(first);
    expect(stayed).toMatchObject({ state: 'RUNNING', attempt: 1 });
    expect((await olga('uncordon', node)).exitCode).toBe(0);
    expect((await running(waiting)).assignments[0]!.nodeId).toBe(node);
    expect((await olga('uncordon', other)).exitCode).toBe(0);

    const audit = JSON.parse((await olga('audit', '--user', 'olga', '-o', 'json')).stdout) as AuditRecord__Output[];
    expect(audit.find((r) => r.action === 'CordonNodes' && r.target === `nodes ${node}`)).toMatchObject({ result: 'OK', role: 'operator', before: { [node]: 'schedulable' }, after: { [node]: 'CORDONED' } });
    const denied = JSON.parse((await olga('audit', '--user', 'alice', '-o', 'json')).stdout) as AuditRecord__Output[];
    expect(denied.some((r) => r.action === 'CordonNodes' && r.result === 'PERMISSION_DENIED')).toBe(true);
    expect((await alice('cancel', first, second, waiting)).exitCode).toBe(0);
  }, 120_000);
});

describe('submit --wait', () => {
  it("ends a failing job with its last stderr lines and exits with the job's exit code", async () => {
    const script = 'for i in $(seq 1 30); do echo "step $i" >&2; echo "out $i"; done; echo "ValueError: loss is NaN" >&2; exit 7';
    const r = await alice('submit', '--name', 'habits-crash', '--gpus', '1', '--wait', '--', 'sh', '-c', script);
    expect(r.exitCode).toBe(7);
    const id = /submitted job (\S+):/.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(new RegExp(`job ${id}: FAILED on gpu-\\d: exited with code 7 \\(exit code 7\\)$`));
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`last 20 stderr line(s) of job ${id} (all of it: wattpack logs ${id}):`);
    expect(lines.slice(1)).toEqual([...Array.from({ length: 19 }, (_, i) => `  step ${i + 12}`), '  ValueError: loss is NaN']);

    const ok = await alice('submit', '--name', 'habits-ok', '--gpus', '0', '--wait', '--', 'true');
    expect(ok).toMatchObject({ exitCode: 0, stderr: '' });
  }, 60_000);
});

/**
 * A line the page shows, as a pattern of what the CLI prints: job ids, times, durations,
 * measured power, GPUs in use and the node a job landed on differ from run to run, and so
 * do column widths.
 */
function shownLine(line: string): RegExp {
  const pattern = line
    .trim()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/j-[a-z0-9]+/g, 'j-[a-z0-9]+')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '\\S+Z')
    .replace(/\b\d+(?:m\d+)?s\b/g, '\\S+')
    .replace(/\d+\\\.\d \/ \d+\\\.\d kW/g, '\\S+ / \\S+ kW')
    .replace(/gpu-\d/g, 'gpu-\\d')
    .replace(/\d+\/\d+ H100/g, '\\d+/\\d+ H100')
    // As the GPU counts: what runs on a node when the page's example runs is not the page's.
    .replace(/\b(idle|mix|alloc)\b/g, '(?:idle|mix|alloc)')
    .replace(/ +/g, '\\s+');
  return new RegExp(`^\\s*${pattern}$`, 'm');
}

describe('docs/cli.md', () => {
  /** Each ```console block: its `$ ` commands, each with the output the page shows after it. */
  function examples(): { command: string; shown: string[] }[][] {
    const page = readFileSync(fileURLToPath(new URL('../../docs/cli.md', import.meta.url)), 'utf8');
    return [...page.matchAll(/```console\n([\s\S]*?)```/g)].map(([, block]) =>
      block!.split(/^\$ /m).filter(Boolean).map((chunk) => {
        const [command, ...shown] = chunk.trimEnd().split('\n');
        return { command: command!, shown };
      }),
    );
  }

  it('runs every example as written, in bash, each exiting as the page says', async () => {
    const blocks = examples();
    expect(blocks.length).toBeGreaterThan(5);
    // One bash for the page, with `wattpack` the real CLI as this site's admin; after each
    // command its status, then `$?` as it was (for the page's `echo $?`).
    const script = [
      `wattpack() { "${process.execPath}" "${BIN.cli}" "$@"; }`,
      ...blocks.flat().map((e, i) => `${e.command}\n__rc=$?; echo "@@ ${i} $__rc" >&2; (exit $__rc)`),
    ].join('\n');
    const r = await execa('bash', ['--norc', '--noprofile', '-c', script], {
      reject: false,
      env: { WATTPACK_CONFIG: site().cliConfig, WATTPACK_SCHEDULER: site().address },
      timeout: 120_000,
    });
    const statuses = [...r.stderr.matchAll(/^@@ (\d+) (\d+)$/gm)].map((m) => Number(m[2]));
    const all = blocks.flat();
    expect(statuses, r.stderr).toHaveLength(all.length);
    all.forEach((e, i) => {
      // A command the page follows with `echo $?` exits as shown there; every other one succeeds.
      const next = all[i + 1];
      const want = next?.command === 'echo $?' ? Number(next.shown[0]) : 0;
      expect({ command: e.command, status: statuses[i] }, r.stderr).toEqual({ command: e.command, status: want });
      if (e.command === 'echo $?') expect(r.stdout).toContain(`\n${e.shown[0]}\n`);
    });
    // What the page shows after each command is what a person sees ("..." leaves lines out).
    const printed = `${r.stdout}\n${r.stderr}`;
    for (const line of all.flatMap((e) => e.shown).filter((l) => l.trim() && l !== '...')) expect(printed, line).toMatch(shownLine(line));
    // What the page shows of the failing job is what a person sees.
    expect(r.stderr).toMatch(/last 2 stderr line\(s\) of job j-\S+ \(all of it: wattpack logs j-\S+\):\n {2}loading shard 7\n {2}ValueError: loss is NaN\n/);
    expect(r.stdout).toMatch(/\ncomplete -o default -F _wattpack wattpack$/);
  }, 180_000);
});
