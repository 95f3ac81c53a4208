import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJobSpec } from './job-spec.js';
import { parseJobSpec } from '@wattpack/common';

const dir = mkdtempSync(join(tmpdir(), 'wattpack-spec-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadJobSpec', () => {
  it('builds a spec from flags and the argv after --', () => {
    const { raw, spec } = loadJobSpec({
      flags: { name: 'x', gpus: 8, nodes: 2, gpuModel: ['h100'], team: 'vision', env: ['A=1', 'B=x=y'], maxRuntime: '2h', minWatts: 300 },
      argv: ['python', 'train.py', '--lr', '1e-3'],
    });
    expect(raw).toEqual({
      name: 'x',
      team: 'vision',
      gpus: 8,
      nodes: 2,
      maxRuntime: '2h',
      gpuModels: ['h100'],
      env: { A: '1', B: 'x=y' },
      power: { minWatts: 300 },
      command: ['python', 'train.py', '--lr', '1e-3'],
    });
    expect(spec).toMatchObject({ command: ['python', 'train.py', '--lr', '1e-3'], args: [], gpuModels: ['H100'], maxRuntime: 7200, priority: 100 });
  });

  it('lets flags and argv override a file, merging env and power', () => {
    const path = file(
      'override.yaml',
      'name: from-file\ngpus: 1\ncommand: [sh, -c]\nargs: ["echo hi"]\nenv: {A: "1", B: "2"}\npower: {maxWatts: 600}\n',
    );
    const { raw } = loadJobSpec({ file: path, flags: { gpus: 8, env: ['B=3'], minWatts: 300, gpuModel: ['H100,H200'], preemptible: false }, argv: ['node', '-e', '1'] });
    expect(raw).toEqual({
      name: 'from-file',
      preemptible: false,
      gpus: 8,
      command: ['node', '-e', '1'],
      env: { A: '1', B: '3' },
      power: { maxWatts: 600, minWatts: 300 },
      gpuModels: ['H100', 'H200'],
    });
  });

  it('puts --cpus and --memory into the resources a container runtime enforces', () => {
    const { spec } = loadJobSpec({ flags: { name: 'lim', gpus: 1, cpus: 4, memory: 2048 }, argv: ['python', 'x.py'] });
    expect(spec.resources).toEqual({ cpus: 4, memoryMib: 2048 });
  });

  it('keeps a file as written when no flags are given', () => {
    const path = file('plain.yaml', 'name: plain\ngpus: 0\ncommand: [sh, -c, "echo hi"]\n');
    expect(loadJobSpec({ file: path, flags: {}, argv: [] }).raw).toEqual({ name: 'plain', gpus: 0, command: ['sh', '-c', 'echo hi'] });
  });

  it.each([
    ['an unknown field', 'name: a\ngpus: 1\ncommand: [x]\ngpu: 8\n', /unknown field\(s\) "gpu"/],
    ['negative gpus', 'name: a\ngpus: -1\ncommand: [x]\n', /gpus: /],
    ['an unknown GPU model', 'name: a\ngpus: 1\ncommand: [x]\ngpuModels: [H101]\n', /gpuModels\.0: unknown GPU model/],
    ['malformed YAML', 'name: a\ngpus: [1\n', /is not valid YAML/],
    ['a list instead of a mapping', '- a\n- b\n', /expected a mapping of job fields/],
  ])('rejects %s, naming the field', (_, text, message) => {
    const path = file('bad.yaml', text);
    expect(() => loadJobSpec({ file: path, flags: {}, argv: [] })).toThrow(message);
    try {
      loadJobSpec({ file: path, flags: {}, argv: [] });
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  const examples = new URL('../../../examples/', import.meta.url);
  it.each(readdirSync(examples).filter((f) => f.endsWith('.yaml')))('accepts examples/%s', (name) => {
    const { spec } = loadJobSpec({ file: new URL(name, examples).pathname, flags: {}, argv: [] });
    // Programs the examples run here as written: node on PATH, or an absolute path that exists.
    expect(spec.command[0] === 'node' || existsSync(spec.command[0]!), spec.command[0]).toBe(true);
  });

  it('copies only the variables --export names from the environment, and refuses ALL', () => {
    const flags = { name: 'a', gpus: 1, export: 'HF_HOME, WANDB_PROJECT', env: ['WANDB_PROJECT=over'] };
    const { spec } = loadJobSpec({ flags, argv: ['x'] }, { HF_HOME: '/data/hf', WANDB_PROJECT: 'p', SECRET_TOKEN: 't' });
    expect(spec.env).toEqual({ HF_HOME: '/data/hf', WANDB_PROJECT: 'over' });
    expect(loadJobSpec({ flags: { name: 'a', gpus: 1, export: 'NONE' }, argv: ['x'] }, { A: '1' }).spec.env).toEqual({});
    expect(() => loadJobSpec({ flags: { name: 'a', gpus: 1, export: 'ALL' }, argv: ['x'] }, {})).toThrow(/--export ALL: name the variables to copy/);
    expect(() => loadJobSpec({ flags: { name: 'a', gpus: 1, export: 'NOPE' }, argv: ['x'] }, {})).toThrow('--export "NOPE": not set in your environment');
  });

  it('takes workdir (relative to here), output files, and dependencies from flags', () => {
    const { spec } = loadJobSpec({ flags: { name: 'a', gpus: 1, workdir: 'runs', outputFile: 'out-%j-%t.log', afterOk: 'j-abc1,j-abc2', afterAny: 'j-abc3' }, argv: ['x'] });
    expect(spec).toMatchObject({ workdir: resolve('runs'), output: 'out-%j-%t.log', afterOk: ['j-abc1', 'j-abc2'], afterAny: ['j-abc3'] });
    expect(() => loadJobSpec({ flags: { name: 'a', gpus: 1, outputFile: 'out-%x.log' }, argv: ['x'] })).toThrow(/output: a path where "%" may only start %j/);
    expect(() => loadJobSpec({ flags: { name: 'a', gpus: 1, afterOk: 'not an id' }, argv: ['x'] })).toThrow(/afterOk\.0: a job id/);
  });

  it('refuses mounts for a process job and paths a container engine would split', () => {
    const mount = (source: string) => ({ name: 'a', gpus: 1, command: ['x'], mounts: [{ source, target: '/data' }] });
    expect(parseJobSpec(mount('/data/x'))).toMatchObject({ success: false, error: expect.stringContaining('mounts: only container jobs (image) mount volumes') });
    expect(parseJobSpec({ ...mount('/data/x'), image: 'busybox' })).toMatchObject({ success: true });
    expect(parseJobSpec({ ...mount('/data/a:b'), image: 'busybox' })).toMatchObject({ success: false, error: expect.stringContaining('mounts.0.source: no ":" or ","') });
    expect(parseJobSpec({ ...mount('/data/../etc'), image: 'busybox' })).toMatchObject({ success: false, error: expect.stringContaining('mounts.0.source: an absolute path without') });
  });

  it('rejects flag mistakes', () => {
    expect(() => loadJobSpec({ flags: { name: 'a', gpus: 1, env: ['NOEQUALS'] }, argv: ['x'] })).toThrow(/--env "NOEQUALS": use KEY=VALUE/);
    expect(() => loadJobSpec({ flags: { name: 'a' }, argv: ['x'] })).toThrow(/gpus: /);
    expect(() => loadJobSpec({ flags: { name: 'a', gpus: 1 }, argv: [] })).toThrow(/give a job file/);
  });
});
