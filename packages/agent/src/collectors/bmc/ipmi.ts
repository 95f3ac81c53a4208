import { execFile } from 'node:child_process';
import { checkWatts, type BmcPower, type BmcReading } from './reading.js';

/**
 * `ipmitool dcmi power reading`, as ipmitool 1.8.19 prints it (lib/ipmi_dcmi.c):
 *     Instantaneous power reading              : 214      Watts
 *     ...
 *     Power reading state is                   : activated
 * Older releases put the colon right after the label. A BMC whose DCMI power reading is
 * deactivated has no reading.
 */
export function parseDcmiPowerReading(text: string): BmcReading {
  const state = /Power reading state is\s*:\s*(\w+)/i.exec(text)?.[1];
  if (state && state.toLowerCase() !== 'activated') return { ok: false, reason: `ipmi dcmi: power reading state is ${state}` };
  const watts = /Instantaneous power reading\s*:\s*(-?\d+(?:\.\d+)?)\s*Watts/i.exec(text)?.[1];
  if (watts === undefined) return { ok: false, reason: `ipmi dcmi: no "Instantaneous power reading" in the output: ${JSON.stringify(text.trim().slice(0, 120))}` };
  return checkWatts(Number(watts), 'ipmi dcmi instantaneous power reading', 'ipmi dcmi');
}

/** Runs ipmitool (in-band, or with the given args for a remote BMC: -I lanplus -H ... -U ... -f <password file>). */
export class IpmiDcmiPower implements BmcPower {
  constructor(
    private readonly args: readonly string[] = [],
    private readonly bin = 'ipmitool',
    private readonly timeoutMs = 10_000,
  ) {}

  read(): Promise<BmcReading> {
    return new Promise((resolve) => {
      execFile(this.bin, [...this.args, 'dcmi', 'power', 'reading'], { timeout: this.timeoutMs }, (err, stdout, stderr) => {
        if (err) resolve({ ok: false, reason: `ipmitool dcmi power reading failed: ${(stderr || err.message).trim().split('\n')[0]}` });
        else resolve(parseDcmiPowerReading(stdout));
      });
    });
  }
}
