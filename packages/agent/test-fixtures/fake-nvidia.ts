import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_BIN = join(dirname(fileURLToPath(import.meta.url)), 'bin');

export interface FakeNvidiaOptions {
  capture?: string;
  gpus?: number;
  unknown?: string[];
  pl?: 'ok' | 'denied' | 'unsupported' | 'ignored';
  fail?: string;
  /** A reading of a power trace over the capture, as `<file>:<line>` (see fake-nvidia-smi.mjs). */
  trace?: string;
  /** Kernel log lines the fake dmesg prints. */
  dmesg?: string[];
}

/**
 * An environment with the fake nvidia-smi and dmesg first on PATH, and files that record
 * what was run. Options can be changed between calls through `set`.
 */
export function fakeNvidia(opts: FakeNvidiaOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-nvidia-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${FIXTURE_BIN}:${process.env.PATH}`,
    FAKE_NVIDIA_SMI_STATE: join(dir, 'state.json'),
    FAKE_NVIDIA_SMI_LOG: join(dir, 'calls.log'),
  };
  const set = (o: FakeNvidiaOptions) => {
    const vars: [keyof FakeNvidiaOptions, string, string | undefined][] = [
      ['capture', 'FAKE_NVIDIA_SMI_CAPTURE', o.capture],
      ['gpus', 'FAKE_NVIDIA_SMI_GPUS', o.gpus?.toString()],
      ['unknown', 'FAKE_NVIDIA_SMI_UNKNOWN', o.unknown?.join(',')],
      ['pl', 'FAKE_NVIDIA_SMI_PL', o.pl],
      ['fail', 'FAKE_NVIDIA_SMI_FAIL', o.fail],
      ['trace', 'FAKE_NVIDIA_SMI_TRACE', o.trace],
    ];
    for (const [option, name, value] of vars) {
      if (!(option in o)) continue;
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    if (o.dmesg) {
      writeFileSync(join(dir, 'dmesg.txt'), o.dmesg.join('\n') + '\n');
      env.FAKE_DMESG_FILE = join(dir, 'dmesg.txt');
    }
  };
  set(opts);
  const calls = (): string[][] => (existsSync(env.FAKE_NVIDIA_SMI_LOG!) ? readFileSync(env.FAKE_NVIDIA_SMI_LOG!, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []);
  return {
    env,
    set,
    calls,
    /** The -pl invocations, as "ids W". */
    powerLimitCalls: () => calls().filter((a) => a.includes('-pl')).map((a) => `${a[a.indexOf('-i') + 1]} ${a[a.indexOf('-pl') + 1]}`),
    /** Forgets the limits set, as a driver reload does. */
    reloadDriver: () => rmSync(env.FAKE_NVIDIA_SMI_STATE!, { force: true }),
    /** Makes every query hang (one-shot) or stop printing (-lms loops), as on a wedged GPU; false undoes it. */
    hang: (on: boolean) => {
      const path = env.FAKE_NVIDIA_SMI_STATE!;
      const state = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
      writeFileSync(path, JSON.stringify({ ...state, hang: on }));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
