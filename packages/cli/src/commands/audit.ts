import { Option, type Command } from 'commander';
import type { AuditRecord__Output } from '@wattpack/common/proto/AuditRecord';
import { durationArg, numberArg } from '../args.js';
import type { App } from '../context.js';
import { renderTable } from '../output/table.js';
import { timestamp } from '../output/units.js';

/** "capMw 18 -> 12; gpu-1 schedulable -> DRAINING", or the refusal's message. */
export function auditChange(r: AuditRecord__Output): string {
  if (r.result !== 'OK') return r.message;
  const keys = [...new Set([...Object.keys(r.before), ...Object.keys(r.after)])];
  return keys.map((k) => (k in r.before ? `${k} ${r.before[k]} -> ${r.after[k] ?? '-'}` : `${k} ${r.after[k]}`)).join('; ');
}

export function auditTable(records: AuditRecord__Output[], truncated: boolean, wide = false): string {
  const rows = records.map((r) => [timestamp(Number(r.atMs)), r.name, r.role || '-', r.action, r.target || '-', r.result, auditChange(r) || '-']);
  const table = renderTable(['TIME', 'WHO', 'ROLE', 'ACTION', 'TARGET', 'RESULT', { header: 'CHANGE', maxWidth: 80 }], rows, 'no audit records', wide);
  return truncated ? `${table}\n(older records left out: narrow --since or raise --limit)` : table;
}

export function registerAudit(program: Command, app: App): void {
  program
    .command('audit')
    .description('who changed what, and every refusal (operators and admins): the scheduler records each mutating call and each refused one')
    .addOption(new Option('--since <duration>', 'records from this long ago, e.g. 30m, 24h, 7d').argParser(durationArg).default(24 * 3600, '24h'))
    .option('--user <name>', 'only calls by this identity')
    .addOption(new Option('--limit <n>', 'at most this many, the newest (up to 10000)').argParser(numberArg).default(1000))
    .action(
      app.action(async (ctx, cmd) => {
        const o = cmd.opts<{ since: number; user?: string; limit: number }>();
        const res = await ctx.client().listAudit({ sinceMs: Date.now() - o.since * 1000, user: o.user ?? '', limit: o.limit });
        ctx.print(res.records, (wide) => auditTable(res.records, res.truncated, wide));
      }),
    );
}
