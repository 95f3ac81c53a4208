import { describe, expect, it } from 'vitest';
import { capture, publicCapture } from '../../../test-fixtures/hardware.js';
import { gpuHealth, parseXid } from './health.js';
import { parseGpuList } from './parse-list.js';
import { deviceHandleError, parseQueryGpu, unknownField } from './parse-query-gpu.js';
import { powerLimitRefusal } from './parse-set-power.js';
import { clockEventReasons, pciKey, smiFlag, smiNumber, smiText } from './parse-values.js';
import { parseSmiXml } from './parse-xml.js';

describe('nvidia-smi values', () => {
  it('reads numbers with or without units and treats every marker as absent, never 0', () => {
    expect(smiNumber('700.00 W')).toBe(700);
    expect(smiNumber('143771')).toBe(143771);
    expect(smiNumber('36 C')).toBe(36);
    expect(smiNumber('0')).toBe(0);
    for (const marker of ['[N/A]', 'N/A', '[Not Supported]', '[Insufficient Permissions]', '[Requested functionality has been deprecated]', '', ' ', 'Disabled', '0x1']) {
      expect(smiNumber(marker)).toBeUndefined();
    }
    expect(smiText('[N/A]')).toBeUndefined();
    expect(smiText('Requested functionality has been deprecated')).toBeUndefined();
    expect(smiText(' None ')).toBe('None');
    expect([smiFlag('Yes'), smiFlag('No'), smiFlag('Enabled'), smiFlag('[N/A]')]).toEqual([true, false, true, undefined]);
  });

  it('decodes clock event reasons and matches bus ids across nvidia-smi and the kernel log', () => {
    expect(clockEventReasons('0x0000000000000001')).toEqual(['gpu_idle']);
    expect(clockEventReasons('0x0000000000000084')).toEqual(['sw_power_cap', 'hw_power_brake_slowdown']);
    expect(clockEventReasons('0x0000000000000000')).toEqual([]);
    expect(clockEventReasons('[N/A]')).toBeUndefined();
    expect(clockEventReasons('4')).toBeUndefined();
    expect(pciKey('00000000:3B:00.0')).toBe('0000:3b:00');
    expect(pciKey('0000:3b:00')).toBe('0000:3b:00');
    expect(pciKey('garbage')).toBeUndefined();
  });
});

/** The rows of a `--format=csv` capture as records by header name (units dropped from the names). */
function csvRecords(text: string): Record<string, string>[] {
  const [header, ...lines] = text.split('\n').filter((l) => l.trim());
  const names = header!.split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  return lines.map((l) => Object.fromEntries(l.split(', ').map((v, i) => [names[i], v])));
}

describe('software power cap in clock event reasons (real captures)', () => {
  it('H200 power trace: bit 0x4 while a GEMM runs into its limit, gpu_idle (0x1) when idle', () => {
    const rows = csvRecords(capture('nvidia/h200-2026-11/power-trace.csv')).map((r) => ({ drawW: Number(r['power.draw']), limitW: Number(r['power.limit']), reasons: clockEventReasons(r['clocks_event_reasons.active']) }));
    const capped = rows.filter((r) => r.reasons?.includes('sw_power_cap'));
    expect(capped).toHaveLength(373);
    expect(rows.filter((r) => r.reasons?.includes('gpu_idle') && r.reasons.includes('sw_power_cap'))).toEqual([]);
    // Capped readings sit at their limit (a few ramp-up readings aside): median draw within 2 %.
    const ratios = capped.map((r) => r.drawW / r.limitW).sort((a, b) => a - b);
    expect(ratios[ratios.length >> 1]).toBeGreaterThan(0.98);
  });

  it('public captures: bit 0x4 of clocks_event_reasons.active agrees with clocks_event_reasons.sw_power_cap', () => {
    for (const name of ['h100-80gb-hbm3_590.48.01', 'h100-mig_590.48.01', 'h200-mig_590.48.01', 'l40s_595.80']) {
      for (const load of ['idle', 'load']) {
        for (const r of csvRecords(publicCapture(`nvidia/public/${name}.${load}.query-gpu.csv.txt`))) {
          expect(clockEventReasons(r['clocks_event_reasons.active'])!.includes('sw_power_cap'), `${name} ${load}`).toBe(r['clocks_event_reasons.sw_power_cap'] === 'Active');
        }
      }
    }
  });
});

describe('--query-gpu CSV', () => {
  it('parses rows by the field order asked for; lines that do not fit are errors, not guesses', () => {
    const out = '0, GPU-a, NVIDIA H200, [N/A], 700.00\nUnable to determine the device handle for GPU0000:3B:00.0: Unknown Error\n1, GPU-b, NVIDIA H200, 42, [Not Supported]\n';
    const { rows, errors } = parseQueryGpu(out, ['index', 'uuid', 'model', 'utilizationPct', 'enforcedLimitW']);
    expect(rows).toEqual([
      { index: 0, uuid: 'GPU-a', model: 'NVIDIA H200', enforcedLimitW: 700 },
      { index: 1, uuid: 'GPU-b', model: 'NVIDIA H200', utilizationPct: 42 },
    ]);
    expect(errors).toEqual(['Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error']);
    expect(deviceHandleError(errors[0]!)).toEqual({ busId: '0000:3B:00.0', error: 'Unknown Error' });
    expect(parseQueryGpu('[N/A], GPU-a\n', ['index', 'uuid']).errors).toHaveLength(1);
  });

  it('recognises the error for a field the driver does not know', () => {
    expect(unknownField('Field "clocks_event_reasons.hw_power_brake" is not a valid field to query.\n\n')).toBe('clocks_event_reasons.hw_power_brake');
    expect(unknownField('No devices were found')).toBeUndefined();
  });
});

describe('nvidia-smi -L', () => {
  it('lists GPUs and their MIG children (real captures)', () => {
    expect(parseGpuList(capture('nvidia/h200-2026-11/nvidia-smi-L.txt'))).toEqual([
      { index: 0, model: 'NVIDIA H200', uuid: 'GPU-a25f2e3e-327d-28d8-a1f7-89fa5236bb38', mig: [] },
    ]);
    const [h200] = parseGpuList(publicCapture('nvidia/public/h200-mig_590.48.01.list-L.txt'));
    expect(h200!.mig.map((m) => m.profile)).toEqual(['1c.3g.71gb', '2c.3g.71gb', '2g.35gb', '1g.18gb', '1g.18gb']);
    expect(h200!.mig[4]).toEqual({ profile: '1g.18gb', index: 4, uuid: 'MIG-00000004-0000-0000-0000-000000000004' });
  });
});

describe('nvidia-smi -q -x', () => {
  it('reads schema v13 power elements (H200, driver 580)', () => {
    const xml = parseSmiXml(capture('nvidia/h200-2026-11/nvidia-smi-q.xml'));
    expect(xml.schemaVersion).toBe(13);
    expect(xml.driverVersion).toBe('580.159.04');
    expect(xml.gpus).toHaveLength(1);
    expect(xml.gpus[0]).toMatchObject({
      uuid: 'GPU-a25f2e3e-327d-28d8-a1f7-89fa5236bb38',
      busId: '00000000:00:06.0',
      model: 'NVIDIA H200',
      powerDrawW: 101.28,
      enforcedLimitW: 700,
      requestedLimitW: 700,
      defaultLimitW: 700,
      minLimitW: 200,
      maxLimitW: 700,
      temperatureC: 36,
      memoryTemperatureC: 38,
      memoryTotalMib: 143771,
      migEnabled: false,
      remappedRowsPending: false,
      remappedRowsFailure: false,
      recoveryAction: 'None',
      migDevices: [],
    });
  });

  it('reads schema v12 (A100 with MIG: power_draw, current_power_limit, reset status, MIG devices)', () => {
    const xml = parseSmiXml(capture('nvidia/public/a100-sxm4-80gb-mig.q-x.v12.xml'));
    expect(xml.schemaVersion).toBe(12);
    const gpu = xml.gpus[0]!;
    expect(gpu).toMatchObject({ powerDrawW: 67.03, enforcedLimitW: 500, requestedLimitW: 500, minLimitW: 100, maxLimitW: 500, migEnabled: true, resetRequired: false, drainAndResetRecommended: false });
    // Under MIG the GPU's utilization is not reported: absent, not 0.
    expect(gpu.utilizationPct).toBeUndefined();
    // "remapped_rows" is a bare N/A here: unknown.
    expect(gpu.remappedRowsPending).toBeUndefined();
    expect(gpu.migDevices.map((d) => d.memoryMib)).toEqual([19968, 19968, 19968, 19968]);
  });

  it('reads schema v13 on an RTX 4000 Ada (average power draw)', () => {
    const gpu = parseSmiXml(capture('nvidia/public/rtx-4000-sff-ada.q-x.v13.xml')).gpus[0]!;
    expect(gpu).toMatchObject({ model: 'NVIDIA RTX 4000 SFF Ada Generation', powerDrawW: 8.81, enforcedLimitW: 70, minLimitW: 30, maxLimitW: 70, utilizationPct: 0 });
  });

  it('reads schema v11 power_readings (written from the v11 layout: no capture of it exists here)', () => {
    const v11 = `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v11.dtd">
<nvidia_smi_log><driver_version>470.82.01</driver_version><gpu id="00000000:3B:00.0"><product_name>Tesla V100-SXM2-32GB</product_name><uuid>GPU-v</uuid>
<power_readings><power_state>P0</power_state><power_management>Supported</power_management><power_draw>57.44 W</power_draw><power_limit>300.00 W</power_limit>
<default_power_limit>300.00 W</default_power_limit><enforced_power_limit>250.00 W</enforced_power_limit><min_power_limit>150.00 W</min_power_limit><max_power_limit>300.00 W</max_power_limit></power_readings>
</gpu></nvidia_smi_log>`;
    const xml = parseSmiXml(v11);
    expect(xml.schemaVersion).toBe(11);
    expect(xml.gpus[0]).toMatchObject({ powerDrawW: 57.44, requestedLimitW: 300, enforcedLimitW: 250, minLimitW: 150, maxLimitW: 300 });
  });

  it('rejects what is not nvidia-smi XML', () => {
    expect(() => parseSmiXml('<html></html>')).toThrow(/no <nvidia_smi_log>/);
  });
});

describe('GPU health', () => {
  const bus = '00000000:3B:00.0';
  const xid = (n: number) => parseXid(`[ 1234.567890] NVRM: Xid (PCI:0000:3b:00): ${n}, pid=4242, name=python, Ch 00000008`)!;

  it('parses XID lines from the kernel log', () => {
    expect(xid(79)).toEqual({ pci: '0000:3b:00', xid: 79, detail: 'pid=4242, name=python, Ch 00000008' });
    expect(parseXid('NVRM: Xid (PCI:0000:86:00): 79, GPU has fallen off the bus.')).toEqual({ pci: '0000:86:00', xid: 79, detail: 'GPU has fallen off the bus.' });
    expect(parseXid('usb 1-1: new high-speed USB device')).toBeUndefined();
  });

  it('fails a GPU that NVIDIA says needs a reset or service, naming why', () => {
    expect(gpuHealth({ busId: bus }, [xid(79)])).toEqual({ health: 'HEALTH_FAILED', reason: 'XID 79 (pid=4242, name=python, Ch 00000008): needs a GPU reset or service' });
    expect(gpuHealth({ busId: bus }, [xid(13), xid(31)])).toEqual({ health: 'HEALTH_OK', reason: '' });
    expect(gpuHealth({ busId: '00000000:86:00.0' }, [xid(79)]).health).toBe('HEALTH_OK');
    expect(gpuHealth({ busId: bus, remappedRowsPending: true }, []).reason).toBe('row remapping pending: reset the GPU');
    expect(gpuHealth({ busId: bus, recoveryAction: 'Drain and Reset' }, []).reason).toBe('recovery action "Drain and Reset" required');
    expect(gpuHealth({ busId: bus, recoveryAction: 'None', remappedRowsPending: false }, []).health).toBe('HEALTH_OK');
    expect(gpuHealth({ busId: bus, resetRequired: true }, []).health).toBe('HEALTH_FAILED');
    expect(gpuHealth({ busId: bus }, [], ['power limit not applied: x']).reason).toBe('power limit not applied: x');
  });

  it('degrades a GPU with uncorrected ECC errors that needs no reset yet', () => {
    expect(gpuHealth({ busId: bus, eccUncorrectedVolatile: 2 }, [])).toEqual({ health: 'HEALTH_DEGRADED', reason: '2 uncorrected ECC errors since the driver loaded' });
  });
});

describe('nvidia-smi -pl replies', () => {
  const reply = (stdout: string, exitCode = 0) => powerLimitRefusal({ exitCode, stdout, stderr: '' });

  it('accepts the success message (as printed by the H200 capture host)', () => {
    expect(reply('Power limit for GPU 00000000:00:06.0 was set to 600.00 W from 700.00 W.\nAll done.\n')).toBeUndefined();
  });

  it('names each refusal, including "not supported" that exits 0', () => {
    expect(reply('Provided power limit 150.00 W is not a valid power limit which should be between 200.00 W and 700.00 W for GPU 00000000:00:06.0\nTerminating early due to previous errors.\n', 2)).toBe(
      'power limit 150.00 W is not a valid power limit which should be between 200.00 W and 700.00 W for GPU 00000000:00:06.0',
    );
    expect(reply('Failed to set power management limit for GPU 00000000:40:00.0: Insufficient Permissions\n', 4)).toMatch(/^insufficient permissions: the agent needs root/);
    expect(reply('Changing power management limit is not supported for GPU: 00000000:00:06.0.\nTreating as warning and moving on.\nAll done.\n')).toBe(
      'Changing power management limit is not supported for GPU: 00000000:00:06.0.',
    );
    expect(reply('', 0)).toBe('unexpected reply: (nothing)');
  });
});
