import { describe, expect, it } from 'vitest';
import { capture } from '../../../test-fixtures/hardware.js';
import { describeHost, hostInfoFrom, type HostFacts } from './host.js';

// systeminformation's answers on the H200 host (packages/agent/hardware/nvidia/h200-2026-11/si-graphics.json).
const h200 = JSON.parse(capture('nvidia/h200-2026-11/si-graphics.json')) as HostFacts;

describe('host facts from systeminformation', () => {
  it('takes cores and memory from systeminformation', () => {
    const info = hostInfoFrom({ ...h200, os: { distro: 'Ubuntu', release: '22.04.5 LTS', kernel: '6.8.0' } }, { idlePowerW: 0, busyPowerW: 0 });
    expect(info).toMatchObject({ cpuCores: 16, memoryMib: 128888, os: 'Ubuntu 22.04.5 LTS (kernel 6.8.0)' });
  });

  it('describes the machine, leaving out the parts DMI left empty ("", "-")', () => {
    expect(describeHost(h200)).toBe('Docker Container, virtual (KVM), Intel Xeon® Processor');
    expect(describeHost({ system: { manufacturer: 'Supermicro', model: 'SYS-821GE-TNHR', serial: 'S4242', uuid: 'u', virtual: false, virtualHost: '' } })).toBe('Supermicro SYS-821GE-TNHR, serial S4242');
    expect(describeHost({})).toBe('unknown system');
  });

  it('falls back to the kernel for what systeminformation could not answer', () => {
    const info = hostInfoFrom({}, { idlePowerW: 1, busyPowerW: 2 });
    expect(info.cpuCores).toBeGreaterThan(0);
    expect(info.memoryMib).toBeGreaterThan(0);
    expect(info.os).not.toBe('');
  });
});
