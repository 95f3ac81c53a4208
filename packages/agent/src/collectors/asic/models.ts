/**
 * Nameplates: what a model hashes and draws at stock settings. Stock Antminer firmware
 * reports no power, so this is also how its draw is estimated. Figures: Bitmain's
 * specifications (S19 Pro, S19 XP and S21 as in packages/agent/hardware/README.md).
 */
export interface Nameplate {
  model: string;
  hashrateThs: number;
  powerW: number;
}

export const NAMEPLATES: readonly Nameplate[] = [
  { model: 'Antminer S21', hashrateThs: 200, powerW: 3500 },
  { model: 'Antminer S19 XP', hashrateThs: 140, powerW: 3010 },
  { model: 'Antminer S19k Pro', hashrateThs: 120, powerW: 2760 },
  { model: 'Antminer S19 Pro', hashrateThs: 110, powerW: 3250 },
  { model: 'Antminer S19j Pro', hashrateThs: 104, powerW: 3068 },
  { model: 'Antminer S19', hashrateThs: 95, powerW: 3250 },
];

/** "Antminer S19 XP (Vnish 1.2.0-rc1)" -> the S19 XP nameplate; the longest matching name wins. */
export function nameplateOf(model: string | undefined): Nameplate | undefined {
  if (!model) return undefined;
  const m = model.toLowerCase();
  return NAMEPLATES.filter((n) => m.startsWith(n.model.toLowerCase())).sort((a, b) => b.model.length - a.model.length)[0];
}

/** A sleeping control board and fans draw a little; below this a miner counts as off. */
export const STANDBY_W = 15;
