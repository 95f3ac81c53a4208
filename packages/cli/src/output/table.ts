import Table from 'cli-table3';

/** kubectl-like: no borders, two spaces between columns, no colours (stable in pipes). */
const PLAIN = {
  chars: {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
    bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
    left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
  },
  style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
};

export interface Column {
  header: string;
  /** Longer cells are cut with "…". */
  maxWidth?: number;
}

const render = (table: Table.Table): string =>
  table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');

/** Rows under a header line; `empty` is printed instead when there are no rows. `wide` (-o wide) cuts nothing. */
export function renderTable(columns: (string | Column)[], rows: string[][], empty: string, wide = false): string {
  if (rows.length === 0) return empty;
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const table = new Table({ ...PLAIN, head: cols.map((c) => c.header), colWidths: cols.map((c) => (wide ? null : (c.maxWidth ?? null))) });
  table.push(...rows);
  return render(table);
}

/** "Label:  value" lines for one object; a value may span several lines. */
export function renderFields(fields: [label: string, value: string][]): string {
  const table = new Table(PLAIN);
  table.push(...fields.map(([label, value]) => [`${label}:`, value]));
  return render(table);
}
