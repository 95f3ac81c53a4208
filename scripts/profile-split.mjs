// node scripts/profile-split.mjs <file.cpuprofile> [cpuSeconds] [count] [--storm]: a `node
// --cpu-prof` profile's time split into the parts of an agent registration storm
// (docs/benchmarks.md). Each sample counts for the first part, in this order, that a frame
// of its stack belongs to. V8 samples wall time, so with the process's CPU seconds (from
// /proc) the busy time is scaled to CPU; with `count` (registrations) each part is also
// given in ms per one. --storm counts only the samples from the first registration to the
// last (start-up and the time after left out; give the CPU of that span: the bench's
// successorCpuSUntilAllBack - successorCpuSAtServing). Native work with no JS on the stack
// (most of a TLS handshake) is sampled as idle or program: perf sees it (docs).
import { readFileSync } from 'node:fs';

const storm = process.argv.includes('--storm');
const [file, cpuArg, countArg] = process.argv.slice(2).filter((a) => a !== '--storm');
if (!file) {
  process.stderr.write('usage: node scripts/profile-split.mjs <file.cpuprofile> [cpuSeconds] [count]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const PARTS = [
  ['gc', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  ['peer certificate', (f) => /identityOf|X509Certificate|peerIdentity|getPeerCertificate/.test(f.functionName)],
  ['logging', (f) => /pino|sonic-boom/.test(f.url)],
  ['store writes', (f) => /kv-store|putNode/.test(f.url + f.functionName)],
  ['registration', (f) => /takeRegistrations|registerNode|\bregister\b|openNode|inventoryFromProto/.test(f.functionName) && /scheduler|common/.test(f.url)],
  ['reports', (f) => /applyReport|reportFromProto|\breport\b/.test(f.functionName) && /scheduler|common/.test(f.url)],
  ['passes', (f) => /cycle\.js|\/core\/|snapshot/.test(f.url)],
  ['API (ListNodes)', (f) => /views\.js|nodes-rpcs|ListNodes/.test(f.url + f.functionName)],
  ['nats client', (f) => /nats/.test(f.url)],
  ['tls', (f) => /node:_tls|node:tls/.test(f.url) || /onhandshake|_finishInit|TLSSocket/i.test(f.functionName)],
  ['http2', (f) => /http2/.test(f.url)],
  ['grpc', (f) => /grpc-js/.test(f.url)],
  ['protobuf', (f) => /protobuf/.test(f.url)],
  ['module loading', (f) => /node:internal\/modules/.test(f.url)],
  ['native (program)', (f) => f.functionName === '(program)'],
];
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const partOf = new Map();
function part(id) {
  if (!partOf.has(id)) {
    const stack = [];
    for (let x = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x).callFrame);
    partOf.set(id, PARTS.find(([, test]) => stack.some(test))?.[0] ?? 'other');
  }
  return partOf.get(id);
}
const registering = profile.samples.flatMap((id, i) => (part(id) === 'registration' ? [i] : []));
const [from, to] = storm ? [registering[0] ?? 0, registering.at(-1) ?? -1] : [0, profile.samples.length - 1];
const us = {};
profile.samples.forEach((id, i) => {
  if (i < from || i > to) return;
  const p = part(id);
  us[p] = (us[p] ?? 0) + (profile.timeDeltas[i + 1] ?? 0);
});
const busyS = Object.entries(us).reduce((s, [k, v]) => (k === 'idle' ? s : s + v / 1e6), 0);
const scale = cpuArg ? Number(cpuArg) / busyS : 1;
const count = Number(countArg ?? 0);
process.stdout.write(`busy ${busyS.toFixed(2)} s of ${((busyS * 1e6 + (us.idle ?? 0)) / 1e6).toFixed(1)} s sampled${storm ? ' (first registration to last)' : ''}${cpuArg ? `, scaled to ${cpuArg} s of CPU` : ''}\n`);
for (const [k, v] of Object.entries(us).sort((a, b) => b[1] - a[1])) {
  if (k === 'idle') continue;
  const s = (v / 1e6) * scale;
  process.stdout.write(`${k.padEnd(18)} ${s.toFixed(2).padStart(6)} s ${((100 * v) / 1e6 / busyS).toFixed(1).padStart(5)} %${count ? `  ${((1000 * s) / count).toFixed(2)} ms each` : ''}\n`);
}
