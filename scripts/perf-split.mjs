// node scripts/perf-split.mjs <perf.data> [--storm]: a process's CPU samples, recorded with
// `perf record -g -p <pid>`, split by what its main thread ran: the native part of TLS
// handshakes (session tickets apart), TLS records, nghttp2, GC, compiling, JavaScript
// (split further by scripts/profile-split.mjs), syscalls; other threads (the accounting
// store's worker, V8's helpers) apart. V8's own profiler (--cpu-prof) samples only
// JavaScript: a handshake's native work, run from libuv with no JS on the stack, shows
// there as idle. --storm: only the samples from the first TLS handshake to the last (a
// restarted scheduler: its agents coming back).
import { execFileSync } from 'node:child_process';

const storm = process.argv.includes('--storm');
const file = process.argv.slice(2).find((a) => a !== '--storm');
if (!file) {
  process.stderr.write('usage: node scripts/perf-split.mjs <perf.data> [--storm]\n');
  process.exit(2);
}
// Whole-stack parts first (a handshake verifies signatures through EVP_, as records
// decrypt through it), then the frame nearest the leaf that names a part.
const WHOLE = [
  ['tls session ticket', /tls_construct_new_session_ticket/],
  ['tls handshake', /state_machine|SSL_do_handshake/],
  ['gc', /Heap::|Scavenge|MarkCompact|Sweeper|ConcurrentMarking|MinorMC/],
];
const LEAF = [
  ['tls records', /SSL_read|SSL_write|ssl3_write|tls_write_records|aesni|gcm/],
  ['http2 (nghttp2)', /nghttp2_/],
  ['compile', /Compiler::|Parser::|ModuleWrap|CompileLazy|Bytecode|Maglev|compiler::/],
  ['javascript', /Builtins_|\[unknown\]|Runtime_|Interpreter/],
  ['syscalls', /entry_SYSCALL/],
];
const script = execFileSync('perf', ['script', '-i', file, '-F', 'pid,tid,time,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
const samples = [];
for (const block of script.split(/\n\s*\n/)) {
  const [head, ...frames] = block.trim().split('\n');
  const m = /^\s*(\d+)\/(\d+)\s+([\d.]+):/.exec(head ?? '');
  if (!m) continue;
  const syms = frames.map((f) => f.trim().replace(/^\S+\s+/, ''));
  const whole = syms.join(' ');
  const part =
    m[1] !== m[2]
      ? 'other threads'
      : (WHOLE.find(([, re]) => re.test(whole)) ?? syms.map((s) => LEAF.find(([, re]) => re.test(s))).find(Boolean) ?? ['native, other'])[0];
  samples.push({ at: Number(m[3]), part });
}
const handshakes = samples.filter((s) => s.part.startsWith('tls session') || s.part === 'tls handshake');
const [from, to] = storm && handshakes.length ? [handshakes[0].at, handshakes.at(-1).at] : [-Infinity, Infinity];
const counts = new Map();
let total = 0;
for (const { at, part } of samples) {
  if (at < from || at > to) continue;
  counts.set(part, (counts.get(part) ?? 0) + 1);
  total++;
}
process.stdout.write(`${total} samples${storm ? `, ${(to - from).toFixed(1)} s from the first TLS handshake to the last` : ''}\n`);
for (const [part, n] of [...counts].sort((a, b) => b[1] - a[1])) process.stdout.write(`${part.padEnd(20)} ${String(n).padStart(6)} ${((100 * n) / total).toFixed(1).padStart(5)} %\n`);
