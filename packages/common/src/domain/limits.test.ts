import { describe, expect, it } from 'vitest';
import { parseJobSpec } from './job.js';
import { ECHO_CHARS, JOB_SPEC_LIMITS, clip } from './limits.js';

const base = { name: 'train', command: ['python', 'train.py'], gpus: 1 };

/** The error for a spec, which must be refused. */
function refused(raw: object): string {
  const r = parseJobSpec(raw);
  if (r.success) throw new Error('the spec was accepted');
  return r.error;
}

/** A message repeats at most a short prefix of any input: no run of the filler longer than that. */
function expectNoLongEcho(message: string, filler: string) {
  expect(message.length).toBeLessThan(400);
  expect(message).not.toContain(filler.repeat(ECHO_CHARS + 1));
}

describe('job spec limits', () => {
  it('accepts a spec right at every limit', () => {
    const env: Record<string, string> = {};
    // 16 names of 4 bytes and values that bring names+values to exactly the limit.
    for (let i = 0; i < 16; i++) env[`V${String(i).padStart(3, '0')}`] = 'v'.repeat(JOB_SPEC_LIMITS.envBytes / 16 - 4);
    const atLimits = {
      ...base,
      command: Array.from({ length: 400 }, () => 'c'),
      args: Array.from({ length: JOB_SPEC_LIMITS.argvEntries - 400 }, () => 'a'),
      maxRuntime: '30d',
      power: { minWatts: 100, maxWatts: 1000 },
    };
    expect(parseJobSpec(atLimits)).toMatchObject({ success: true, data: { maxRuntime: JOB_SPEC_LIMITS.maxRuntimeSeconds } });
    // env at its limit is also the whole spec over its own: the schema alone takes it.
    expect(parseJobSpec({ ...base, env }, '{}')).toMatchObject({ success: true });
  });

  it('refuses a spec over 64 KiB as JSON, naming its largest field and not echoing it', () => {
    const error = refused({ ...base, args: ['x'.repeat(70_000)] });
    expect(error).toMatch(/^the whole spec is 68\.\d KiB as JSON: at most 64 KiB \(its largest field, "args", is 68\.\d KiB\)$/);
    expectNoLongEcho(error, 'x');
    // A made-up field name is clipped too.
    const key = 'k'.repeat(70_000);
    const named = refused({ ...base, [key]: 1 });
    expect(named).toContain(`its largest field, "${'k'.repeat(ECHO_CHARS)}…"`);
    expectNoLongEcho(named, 'k');
  });

  it('measures the spec as sent: whitespace in the JSON counts', () => {
    const padded = JSON.stringify(base).replace('{', `{${' '.repeat(JOB_SPEC_LIMITS.specBytes)}`);
    expect(parseJobSpec(base, padded)).toMatchObject({ success: false, error: expect.stringMatching(/^the whole spec is 64\.1 KiB as JSON: at most 64 KiB/) });
  });

  it('refuses more than 1,000 entries of command and args, together and alone', () => {
    expect(refused({ ...base, command: ['python'], args: Array.from({ length: 1000 }, () => 'a') })).toBe('args: command and args have 1001 entries: at most 1000');
    expect(refused({ ...base, command: Array.from({ length: 1001 }, () => 'c') })).toBe('command: at most 1000 entries with args');
    expect(refused({ ...base, args: Array.from({ length: 1001 }, () => 'a') })).toBe('args: at most 1000 entries with command');
  });

  it('refuses env over 64 KiB of names and values (multi-byte characters count as bytes)', () => {
    // 8 values of 8,200 bytes' worth of "é" (2 bytes each): 65,600 bytes plus the names.
    const env = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`V${i}`, 'é'.repeat(4100)]));
    const r = parseJobSpec({ ...base, env }, '{}');
    expect(r).toMatchObject({ success: false });
    const error = (r as { error: string }).error;
    expect(error).toMatch(/^env: names and values come to 64\.\d KiB: at most 64 KiB$/);
    expectNoLongEcho(error, 'é');
  });

  it('refuses maxRuntime over 30 days, as seconds or as a duration', () => {
    expect(refused({ ...base, maxRuntime: '31d' })).toBe('maxRuntime: at most 30d (2592000 seconds)');
    expect(refused({ ...base, maxRuntime: 2_592_001 })).toBe('maxRuntime: at most 30d (2592000 seconds)');
    const junk = refused({ ...base, maxRuntime: 'z'.repeat(5000) });
    expect(junk).toBe(`maxRuntime: "${'z'.repeat(ECHO_CHARS)}…" is not a duration: use seconds or e.g. 90s, 15m, 2h, 1h30m`);
  });

  it('keeps power limits within what the accepted GPU models apply, or any known model', () => {
    expect(refused({ ...base, gpuModels: ['A100'], power: { maxWatts: 700 } })).toBe('power.maxWatts: 700 W is outside the 100-400 W that A100 GPUs accept');
    expect(refused({ ...base, gpuModels: ['h100', 'H200'], power: { minWatts: 150 } })).toBe('power.minWatts: 150 W is outside the 200-700 W that H100|H200 GPUs accept');
    expect(refused({ ...base, power: { minWatts: 50, maxWatts: 700_000 } })).toBe(
      'power.minWatts: 50 W is outside the 100-1000 W that GPUs of any known model accept; power.maxWatts: 700000 W is outside the 100-1000 W that GPUs of any known model accept',
    );
    expect(parseJobSpec({ ...base, gpuModels: ['B200'], power: { minWatts: 200, maxWatts: 1000 } }).success).toBe(true);
    expect(parseJobSpec({ ...base, gpuModels: ['A100', 'B200'], power: { minWatts: 100, maxWatts: 1000 } }).success).toBe(true);
  });

  it('clips names the user made up: unknown fields and env names', () => {
    const long = 'q'.repeat(10_000);
    const unknown = refused({ ...base, [long]: 1 });
    expect(unknown).toBe(`unknown field(s) "${'q'.repeat(ECHO_CHARS)}…"`);
    const env = refused({ ...base, env: { [`1${long}`]: 'x' } });
    expect(env).toBe(`env.1${'q'.repeat(ECHO_CHARS - 1)}…: not a valid environment variable name`);
    expectNoLongEcho(env, 'q');
  });

  it('lists at most five issues and counts the rest', () => {
    const env = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}bad`, 'x']));
    const error = refused({ ...base, env });
    expect(error.split('; ')).toHaveLength(6);
    expect(error).toMatch(/; and 45 more$/);
  });
});

describe('clip', () => {
  it('keeps short text, and cuts long text to a prefix by code points', () => {
    expect(clip('short')).toBe('short');
    expect(clip('a'.repeat(ECHO_CHARS))).toBe('a'.repeat(ECHO_CHARS));
    expect(clip('a'.repeat(ECHO_CHARS + 1))).toBe(`${'a'.repeat(ECHO_CHARS)}…`);
    expect(clip('😀'.repeat(ECHO_CHARS))).toBe('😀'.repeat(ECHO_CHARS));
    expect(clip('😀'.repeat(ECHO_CHARS + 1))).toBe(`${'😀'.repeat(ECHO_CHARS)}…`);
  });
});
