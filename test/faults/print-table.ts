import { readFileSync } from 'node:fs';
import { formatTable, type Row } from './table.js';

/** `pnpm faults`: the rows every fault file wrote (WATTPACK_FAULTS_ROWS), as one table. */
const file = process.argv[2];
const text = file ? readFileSync(file, 'utf8') : '';
const rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
console.log(rows.length ? formatTable(rows) : '\nno fault scenario finished\n');
