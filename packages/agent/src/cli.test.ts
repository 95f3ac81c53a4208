import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_BIN } from '../test-fixtures/fake-nvidia.js';
import { parseCommandLine } from './cli.js';
import { resolveHardware } from './options.js';

function run(...argv: string[]) {
  const io = { stdout: '', stderr: '' };
  const result = parseCommandLine(argv, { out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) });
  return { result, ...io };
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('wattpack-agent command line', () => {
  it('prints help with every flag and exits 0', () => {
    const { result, stdout } = run('--help');
    expect(result).toEqual({ exitCode: 0 });
    for (const flag of ['--scheduler', '--nats', '--node-id', '--simulate', '--gpus', '--miners', '--runtime', '--labels', '--report-interval', '--job-root', '--log-level', 'probe']) expect(stdout).toContain(flag);
  });

  it('takes a fleet of hollow nodes only on simulated hardware, and not with one node\'s identity', () => {
    expect(run('--fleet', '/x', '--simulate', 'h100x8').result).toMatchObject({ fleet: '/x', run: { simulate: 'h100x8' } });
    const bare = run('--fleet', '/x', '--gpus', 'none', '--miners', 'm.yaml');
    expect(bare.result).toEqual({ exitCode: 2 });
    expect(bare.stderr).toContain('--fleet runs simulated nodes: give --simulate <profile>');
    const both = run('--fleet', '/x', '--simulate', 'h100x8', '--node-id', 'gpu-1');
    expect(both.result).toEqual({ exitCode: 2 });
    expect(both.stderr).toMatch(/--fleet.*cannot be used with option '--node-id/);
  });

  it('takes --metrics-addr for one node, and refuses it with a fleet (one listener cannot speak for many nodes)', () => {
    expect(run('--simulate', 'h100x8', '--insecure', '--metrics-addr', '127.0.0.1:9401').result).toMatchObject({ run: { metricsAddr: '127.0.0.1:9401' } });
    const fleet = run('--fleet', '/x', '--simulate', 'h100x8', '--metrics-addr', '127.0.0.1:9401');
    expect(fleet.result).toEqual({ exitCode: 2 });
    expect(fleet.stderr).toMatch(/--metrics-addr.*cannot be used with option '--fleet/);
  });

  it('fills in defaults and parses flags into agent options', () => {
    delete process.env.WATTPACK_SCHEDULER;
    delete process.env.WATTPACK_NATS;
    delete process.env.WATTPACK_LOG_LEVEL;
    expect(run('--simulate', 'h100x8+s19xp:2').result).toEqual({
      run: { scheduler: '127.0.0.1:7700', nats: 'nats://127.0.0.1:4222', simulate: 'h100x8+s19xp:2', runtime: 'process', reportIntervalMs: 1000 },
      logLevel: 'info',
    });
    const { result } = run('--simulate', 'h200x8', '--node-id', 'gpu-07', '--labels', 'rack=r1, zone=a', '--report-interval', '250', '--scheduler', '[::1]:7700', '--nats', 'nats://a:4222,nats://b:4222', '--log-level', 'debug', '--job-root', '/var/lib/wattpack/jobs');
    expect(result).toEqual({
      run: { scheduler: '[::1]:7700', nats: 'nats://a:4222,nats://b:4222', simulate: 'h200x8', runtime: 'process', reportIntervalMs: 250, nodeId: 'gpu-07', labels: { rack: 'r1', zone: 'a' }, jobRoot: '/var/lib/wattpack/jobs' },
      logLevel: 'debug',
    });
  });

  it('takes the scheduler and NATS addresses from the environment; flags win', () => {
    process.env.WATTPACK_SCHEDULER = 'env-sched:1234';
    process.env.WATTPACK_NATS = 'nats://env:4222';
    expect(run('--simulate', 's19xp').result).toMatchObject({ run: { scheduler: 'env-sched:1234', nats: 'nats://env:4222' } });
    expect(run('--simulate', 's19xp', '--scheduler', 'flag:1').result).toMatchObject({ run: { scheduler: 'flag:1' } });
  });

  it('takes real hardware flags, and finds nvidia-smi on PATH when --gpus is auto', () => {
    expect(run('--gpus', 'nvidia', '--miners', 'miners.yaml', '--runtime', 'podman').result).toMatchObject({ run: { gpus: 'nvidia', miners: 'miners.yaml', runtime: 'podman' } });
    process.env.PATH = `${FIXTURE_BIN}:${process.env.PATH}`;
    expect(resolveHardware({})).toEqual({ gpus: 'nvidia' });
    expect(resolveHardware({ gpus: 'none', miners: 'm.yaml' })).toEqual({ gpus: 'none', miners: 'm.yaml' });
  });

  it('parses probe targets', () => {
    expect(run('probe', '--gpus').result).toEqual({ probe: { gpus: true }, json: false });
    expect(run('probe', '--miner', '10.0.0.5:4028', '--json').result).toEqual({ probe: { miner: '10.0.0.5:4028' }, json: true });
    expect(run('probe', '--miner', 'm1', '--firmware', 'luxos').result).toEqual({ probe: { miner: 'm1', firmware: 'luxos' }, json: false });
  });

  it.each([
    [['--simulate', 'h100x8', '--runtime', 'rkt'], /--runtime.*'rkt' is invalid. runtime "rkt" is not available: use one of process, podman, docker/],
    [['--gpus', 'amd'], /--gpus "amd": use one of auto, nvidia, none/],
    [['--simulate', 'h100x8', '--gpus', 'nvidia'], /--simulate replaces real hardware/],
    [['--simulate', 'h100x8', '--miners', 'm.yaml'], /--simulate replaces real hardware/],
    [['--gpus', 'none'], /nothing to manage: no nvidia-smi on PATH and no --miners file; pass --gpus nvidia, --miners <file>, or --simulate <profile> \(profiles: h100xN/],
    [['probe'], /probe needs exactly one of --gpus or --miner/],
    [['probe', '--gpus', '--miner', 'a:1'], /probe needs exactly one of --gpus or --miner/],
    [['--simulate', 'h100x8', '--bogus'], /unknown option '--bogus'/],
    [['--simulate', 'a100x4'], /unknown part "a100x4"; use h100xN/],
    [['--simulate', 'h100x8', '--labels', 'rack'], /label "rack": use key=value/],
    [['--simulate', 'h100x8', '--report-interval', 'fast'], /report interval "fast"/],
    [['--simulate', 'h100x8', '--node-id', 'a.b'], /node id "a.b"/],
    [['--simulate', 'h100x8', '--scheduler', 'nohost'], /scheduler address "nohost": use host:port/],
    [['--simulate', 'h100x8', '--scheduler', 'host:70000'], /scheduler address "host:70000"/],
    [['--simulate', 'h100x8', '--log-level', 'loud'], /Allowed choices are fatal, error/],
    [['--simulate', 'h100x8', 'extra'], /too many arguments/],
    [[], /nothing to manage: no nvidia-smi on PATH/],
  ])('rejects %j with one line on stderr and exit code 2', (argv, message) => {
    // No nvidia-smi to find, whatever machine runs the test.
    process.env.PATH = '';
    const { result, stderr } = run(...argv);
    expect(result).toEqual({ exitCode: 2 });
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  describe('--config', () => {
    const file = (text: string) => {
      const path = join(mkdtempSync(join(tmpdir(), 'wattpack-agent-conf-')), 'agent.yaml');
      writeFileSync(path, text);
      return path;
    };
    const settings = 'scheduler: file-sched:7700\nnats: nats://file:4222\nsimulate: h100x8\nnodeId: gpu-file\nreportInterval: 500\nlabels: { rack: r9 }\nlogLevel: warn\n';

    it('takes a flag over WATTPACK_*, the environment over the file, the file over the defaults', () => {
      const config = file(settings);
      process.env.WATTPACK_NATS = 'nats://env:4222';
      process.env.WATTPACK_NODE_ID = 'gpu-env';
      delete process.env.WATTPACK_SCHEDULER;
      delete process.env.WATTPACK_LOG_LEVEL;
      expect(run('--config', config, '--node-id', 'gpu-flag').result).toEqual({
        run: {
          scheduler: 'file-sched:7700', // file over default
          nats: 'nats://env:4222', // env over file
          nodeId: 'gpu-flag', // flag over env and file
          simulate: 'h100x8',
          runtime: 'process', // default
          reportIntervalMs: 500,
          labels: { rack: 'r9' },
        },
        logLevel: 'warn',
      });
      expect(run(`--config=${config}`).result).toMatchObject({ run: { nodeId: 'gpu-env' } });
    });

    it('turns --insecure on from the environment only with WATTPACK_INSECURE=true', () => {
      const config = file('simulate: h100x8\n');
      process.env.WATTPACK_INSECURE = 'false';
      expect(run('--config', config).result).not.toMatchObject({ run: { insecure: true } });
      process.env.WATTPACK_INSECURE = 'true';
      expect(run('--config', config).result).toMatchObject({ run: { insecure: true } });
    });

    it.each([
      ['reportInterval: 5\n', /agent\.yaml: reportInterval: report interval "5"/],
      ['runtime: rkt\n', /agent\.yaml: runtime: runtime "rkt" is not available/],
      ['logLevel: loud\n', /agent\.yaml: logLevel "loud": use one of fatal, error/],
      ['insecure: yes-please\n', /agent\.yaml: insecure must be true or false/],
      ['schedulr: a:1\n', /agent\.yaml: unknown setting "schedulr": use scheduler, nats, nodeId/],
      ['- a\n', /agent\.yaml: expected a mapping of settings/],
    ])('rejects %j naming the file and the setting', (text, message) => {
      const { result, stderr } = run('--config', file(text));
      expect(result).toEqual({ exitCode: 2 });
      expect(stderr).toMatch(message);
    });
  });
});
