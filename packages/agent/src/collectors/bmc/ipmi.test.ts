import { describe, expect, it } from 'vitest';
import { IpmiDcmiPower, parseDcmiPowerReading } from './ipmi.js';

/**
 * `ipmitool dcmi power reading` output of ipmitool 1.8.19 (lib/ipmi_dcmi.c), as reproduced
 * in the README of github.com/wdes/ipmitool-dcmi-power-reading.
 */
const REAL = `Instantaneous power reading              : 214      Watts
Minimum during sampling period           : 2        Watts
Maximum during sampling period           : 468      Watts
Average power reading over sample period : 184      Watts
IPMI timestamp                           : 2024-05-05 13:06:44 UTC
Sampling period                          : 1000 Milliseconds
Power reading state is                   : activated
`;

/** Older ipmitool releases put the colon after the label (as scripts that parse it with awk expect). */
const OLDER = `    Instantaneous power reading:                   344 Watts
    Power reading state is:                   activated
`;

describe('host power over IPMI DCMI', () => {
  it('parses the instantaneous reading of ipmitool output', () => {
    expect(parseDcmiPowerReading(REAL)).toEqual({ ok: true, watts: 214, source: 'ipmi dcmi' });
    expect(parseDcmiPowerReading(OLDER)).toEqual({ ok: true, watts: 344, source: 'ipmi dcmi' });
  });

  it('refuses a deactivated reading and output without one, by name', () => {
    expect(parseDcmiPowerReading(REAL.replace('activated', 'deactivated'))).toEqual({ ok: false, reason: 'ipmi dcmi: power reading state is deactivated' });
    expect(parseDcmiPowerReading('DCMI request failed because: Invalid command (c1)')).toMatchObject({ ok: false, reason: expect.stringContaining('no "Instantaneous power reading"') });
    expect(parseDcmiPowerReading(REAL.replace('214', '-5'))).toMatchObject({ ok: false, reason: expect.stringContaining('not a power reading: -5') });
  });

  it("runs the real ipmitool and reports its error when the host has no BMC device", async () => {
    const r = await new IpmiDcmiPower().read();
    // This machine has no /dev/ipmi0: ipmitool says so, and that is the reason.
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^ipmitool dcmi power reading failed: (Could not open device|.*ENOENT)/) });
  });
});
