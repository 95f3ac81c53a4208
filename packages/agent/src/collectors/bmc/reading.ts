/** The server's input power from its BMC, or why there is none. Never thrown: a BMC is slow and often odd. */
export type BmcReading = { ok: true; watts: number; source: string } | { ok: false; reason: string };

export interface BmcPower {
  read(): Promise<BmcReading>;
  /** Lets go of what it keeps open between readings (a connection), if anything. */
  close?(): void;
}

/** A plausible input power, W: real servers draw from tens of watts to ~15 kW (an 8-GPU system). */
export function checkWatts(value: unknown, where: string, source: string): BmcReading {
  if (value === null || value === undefined) return { ok: false, reason: `${where} has no reading (null)` };
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100_000) return { ok: false, reason: `${where} is not a power reading: ${JSON.stringify(value)}` };
  return { ok: true, watts: value, source };
}
