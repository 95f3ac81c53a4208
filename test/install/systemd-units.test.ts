import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const unitsDir = join(dirname(fileURLToPath(import.meta.url)), '../../deploy/systemd');
const units = readdirSync(unitsDir).filter((f) => f.endsWith('.service'));
const text = (unit: string) => readFileSync(join(unitsDir, unit), 'utf8');
const settings = (unit: string) => new Map(text(unit).split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('deploy/systemd', () => {
  it('has the nats, scheduler and agent units', () => {
    expect(units.sort()).toEqual(['wattpack-agent.service', 'wattpack-nats.service', 'wattpack-scheduler.service']);
  });

  // verify checks that each ExecStart is executable: the wattpack binaries are not installed
  // here, so each unit is verified as a copy whose /usr/bin/wattpack-* are stand-ins.
  it.each(units)('%s passes systemd-analyze verify', async (unit) => {
    const dir = mkdtempSync(join(tmpdir(), 'wattpack-units-'));
    mkdirSync(join(dir, 'bin'));
    for (const bin of ['wattpack-scheduler', 'wattpack-agent']) {
      writeFileSync(join(dir, 'bin', bin), '#!/bin/sh\n');
      chmodSync(join(dir, 'bin', bin), 0o755);
    }
    writeFileSync(join(dir, unit), text(unit).replaceAll('/usr/bin/wattpack-', `${dir}/bin/wattpack-`));
    const verify = await execa('systemd-analyze', ['verify', '--man=no', join(dir, unit)], { reject: false });
    expect(verify.exitCode, verify.stderr).toBe(0);
    // Warnings (an unknown key, a key in the wrong section) do not fail verify: none allowed.
    expect(verify.stderr).toBe('');
  });

  it('runs the scheduler unprivileged and hardened, the agent as root, all logging to journald', () => {
    const scheduler = settings('wattpack-scheduler.service');
    expect(scheduler.get('User')).toBe('wattpack');
    for (const [key, value] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', PrivateTmp: 'yes', CapabilityBoundingSet: '', StateDirectory: 'wattpack/scheduler', Restart: 'always' })) {
      expect(scheduler.get(key), key).toBe(value);
    }
    expect(settings('wattpack-agent.service').get('User')).toBe('root');
    expect(settings('wattpack-nats.service').get('CapabilityBoundingSet')).toBe('');
    for (const unit of units) {
      expect(settings(unit).get('StandardError'), unit).toBe('journal');
      expect(settings(unit).get('Restart'), unit).toMatch(/^(always|on-failure)$/);
    }
  });
});
