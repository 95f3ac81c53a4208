import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schedulerOptions } from './options.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wattpack-sched-conf-')), 'scheduler.yaml');
  writeFileSync(file, text);
  return file;
}

describe('scheduler settings', () => {
  it('takes a flag over WATTPACK_*, the environment over the file, the file over the defaults', () => {
    const config = configFile('listen: 10.0.0.1:7700\nnats: nats://file:4222\nnatsReplicas: 3\nid: sched-file\nauditDays: 30\n');
    const env = { WATTPACK_NATS: 'nats://env:4222', WATTPACK_NATS_REPLICAS: '5', WATTPACK_ID: 'sched-env' };
    const opts = schedulerOptions({ config, id: 'sched-flag' }, env);
    expect(opts).toMatchObject({
      id: 'sched-flag', // flag over env and file
      nats: 'nats://env:4222', // env over file
      natsReplicas: 5, // env, as a number
      listen: '10.0.0.1:7700', // file over default
      auditDays: 30,
      auditMaxMib: 1024, // default
      leaseSeconds: 3,
      logLevel: 'info',
    });
  });

  it('names the file and the setting when the file is wrong', () => {
    expect(() => schedulerOptions({ config: configFile('natsReplica: 3\n') }, {})).toThrow(/scheduler\.yaml.*natsReplica/);
    expect(() => schedulerOptions({ config: configFile('natsReplicas: 9\n') }, {})).toThrow(/scheduler\.yaml.*natsReplicas/);
    expect(() => schedulerOptions({ leaseSeconds: 0.5 }, {})).toThrow(/leaseSeconds/);
    const missing = join(mkdtempSync(join(tmpdir(), 'wattpack-sched-conf-')), 'missing.yaml');
    expect(() => schedulerOptions({ config: missing }, {})).toThrow(`cannot read ${missing}: ENOENT`);
  });

  it('reads a boolean from the environment as written', () => {
    expect(schedulerOptions({}, { WATTPACK_INSECURE: 'false' }).insecure).toBe(false);
    expect(schedulerOptions({}, { WATTPACK_INSECURE: 'true' }).insecure).toBe(true);
  });
});
