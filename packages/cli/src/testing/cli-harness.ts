import { afterAll, beforeAll, beforeEach } from 'vitest';
import { run } from '../program.js';
import { startFakeScheduler, type FakeScheduler } from './fake-scheduler.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with this environment, capturing its output and exit code. */
export async function cliWith(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

/**
 * A fake scheduler for a test file, emptied of what the tests put in it (and of recorded
 * calls) before each test; `cli` runs the CLI against it (WATTPACK_SCHEDULER) as its
 * site's admin.
 */
export function useFakeScheduler(): { fake: () => FakeScheduler; cli: (...argv: string[]) => Promise<CliResult> } {
  let fake: FakeScheduler | undefined;
  beforeAll(async () => {
    fake = await startFakeScheduler();
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    fake!.calls.length = 0;
    fake!.jobs.clear();
    fake!.updates.clear();
    fake!.logs.clear();
    fake!.history.length = 0;
  });
  return { fake: () => fake!, cli: (...argv) => cliWith({ WATTPACK_SCHEDULER: fake!.address, WATTPACK_CONFIG: fake!.config }, ...argv) };
}
