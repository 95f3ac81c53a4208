import type { SmiOutput } from './nvidia-smi.js';

/**
 * Why `nvidia-smi -i … -pl W` did not set the limit, or undefined if it says it did.
 * The exit code alone does not tell: "not supported" exits 0 ("Treating as warning and
 * moving on. All done."). Known refusals:
 *   Provided power limit 150.00 W is not a valid power limit which should be between 200.00 W and 700.00 W for GPU …
 *   Failed to set power management limit for GPU …: Insufficient Permissions
 *   Changing power management limit is not supported for GPU: … / … in current scope …
 */
export function powerLimitRefusal(out: SmiOutput): string | undefined {
  const text = `${out.stdout}\n${out.stderr}`;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const range = lines.find((l) => /is not a valid power limit/.test(l));
  if (range) return range.replace(/^Provided /, '');
  if (/Insufficient Permissions/i.test(text)) return 'insufficient permissions: the agent needs root (or CAP_SYS_ADMIN) to change GPU power limits';
  const unsupported = lines.find((l) => /not supported/i.test(l));
  if (unsupported) return unsupported;
  if (out.exitCode !== 0) return lines[0] ?? `nvidia-smi exited with code ${out.exitCode}`;
  if (!lines.some((l) => /^Power limit for GPU .* was set to/.test(l))) return `unexpected reply: ${lines[0] ?? '(nothing)'}`;
  return undefined;
}
