/**
 * nvidia-smi values as printed in CSV and XML. Anything that is not a plain reading
 * ("[N/A]", "[Not Supported]", "[Insufficient Permissions]", "N/A", "Requested
 * functionality has been deprecated", an empty cell) is absent: unknown, never 0.
 */

/** "700.00 W", "700.00", "143771 MiB", "36 C", "0 %" -> the number; anything else -> undefined. */
export function smiNumber(raw: string | undefined): number | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)(?:\s*[A-Za-z%]+(?:\(s\))?)?\s*$/.exec(raw ?? '');
  return m ? Number(m[1]) : undefined;
}

/** A text value, or undefined for the not-a-value markers. */
export function smiText(raw: string | undefined): string | undefined {
  const t = raw?.trim();
  if (!t || t.startsWith('[') || t === 'N/A' || /deprecated|not supported/i.test(t)) return undefined;
  return t;
}

/** "Yes"/"No" (and "Enabled"/"Disabled"); anything else is unknown. */
export function smiFlag(raw: string | undefined): boolean | undefined {
  const t = smiText(raw)?.toLowerCase();
  if (t === 'yes' || t === 'enabled') return true;
  if (t === 'no' || t === 'disabled') return false;
  return undefined;
}

/** NVML clocks event (throttle) reason bits, as nvidia-smi prints them in hex. */
const CLOCK_EVENT_REASONS: [bigint, string][] = [
  [0x1n, 'gpu_idle'],
  [0x2n, 'applications_clocks_setting'],
  [0x4n, 'sw_power_cap'],
  [0x8n, 'hw_slowdown'],
  [0x10n, 'sync_boost'],
  [0x20n, 'sw_thermal_slowdown'],
  [0x40n, 'hw_thermal_slowdown'],
  [0x80n, 'hw_power_brake_slowdown'],
  [0x100n, 'display_clock_setting'],
];

/** "0x0000000000000005" -> ["gpu_idle", "sw_power_cap"]; undefined when not hex. */
export function clockEventReasons(raw: string | undefined): string[] | undefined {
  const t = raw?.trim();
  if (!t || !/^0x[0-9a-fA-F]+$/.test(t)) return undefined;
  const bits = BigInt(t);
  return CLOCK_EVENT_REASONS.filter(([bit]) => (bits & bit) !== 0n).map(([, name]) => name);
}

/** "00000000:3B:00.0" (nvidia-smi) or "0000:3b:00" (kernel log) -> "0000:3b:00", so both compare equal. */
export function pciKey(busId: string): string | undefined {
  const m = /^([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})(?:\.[0-7])?$/.exec(busId.trim());
  if (!m) return undefined;
  return `${m[1]!.slice(-4)}:${m[2]}:${m[3]}`.toLowerCase();
}
