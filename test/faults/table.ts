/** A row of the fault table, and the table: scenario, submitted, finished, lost, duplicated, recovery time. */
export interface Row {
  scenario: string;
  submitted: number;
  finished: number;
  lost: number;
  duplicated: number;
  recoveryS: string;
}

export function formatTable(of: readonly Row[]): string {
  const header = ['scenario', 'submitted', 'finished', 'lost', 'duplicated', 'recovery s'];
  const cells = of.map((r) => [r.scenario, r.submitted, r.finished, r.lost, r.duplicated, r.recoveryS].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return ['', line(header), ...cells.map(line), ''].join('\n');
}
