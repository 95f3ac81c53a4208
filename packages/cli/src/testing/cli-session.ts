import { afterAll, beforeAll, beforeEach } from 'vitest';
import { run } from '../program.js';
import { startFakeScheduler, type FakeScheduler } from './fake-scheduler.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with this environment: its exit code and what it printed. */
export async function cliWith(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

/**
 * One fake scheduler for a test file (started before its tests, emptied before each,
 * closed after), and the CLI against it (through WATTPACK_SCHEDULER) as its site's admin.
 */
export function useFakeScheduler() {
  let fake: FakeScheduler;
  beforeAll(async () => {
    fake = await startFakeScheduler();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.jobs.clear();
    fake.updates.clear();
    fake.logs.clear();
    fake.history.length = 0;
  });
  return {
    fake: () => fake,
    cli: (...argv: string[]) => cliWith({ WATTPACK_SCHEDULER: fake.address, WATTPACK_CONFIG: fake.config }, ...argv),
    /** The requests of one method the CLI sent, in order. */
    sent: (method: string) => fake.calls.filter((c) => c.method === method).map((c) => c.request),
  };
}
