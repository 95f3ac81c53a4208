// A stand-in for nvidia-smi that answers from the real captures in packages/agent/hardware/nvidia,
// so the agent's parsers see exactly what the real tool printed. It supports what the agent
// runs: --query-gpu (with -i, csv/noheader/nounits, and -lms/-l loops), --help-query-gpu, -L,
// -q -x, and -i <ids> -pl <W>, with the real tool's messages and exit codes.
//
// Environment:
//   FAKE_NVIDIA_SMI_CAPTURE  capture name (see CAPTURES), default h200
//   FAKE_NVIDIA_SMI_GPUS     replicate the capture's GPU N times (index, UUID and bus id made unique)
//   FAKE_NVIDIA_SMI_STATE    JSON file keeping power limits set with -pl (a lost file = a driver reload);
//                            {"hang": true} in it makes queries hang (a wedged GPU), read on every loop of -lms
//   FAKE_NVIDIA_SMI_LOG      file that gets one JSON line per invocation's arguments
//   FAKE_NVIDIA_SMI_UNKNOWN  comma-separated fields this "driver" does not know
//   FAKE_NVIDIA_SMI_PL       -pl behaviour: ok (default), denied, unsupported, ignored (says done, changes nothing)
//   FAKE_NVIDIA_SMI_FAIL     print this and exit 9, as a broken driver does
//   FAKE_NVIDIA_SMI_TRACE    <file>:<line> of a `--format=csv,nounits` power trace (nvidia/h200-2026-11/power-trace.csv:350):
//                            the fields that reading recorded replace the capture's, on every GPU
//
// A field the driver knows (per the capture's --help-query-gpu) but the capture did not
// record prints as [N/A]: the fake never invents a reading.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const hardware = process.env.WATTPACK_HARDWARE ?? resolve(here, '../hardware');
const env = process.env;

const pub = (name, load) => ({
  csv: `nvidia/public/${name}.${load ? 'load' : 'idle'}.query-gpu.csv.txt`,
  list: `nvidia/public/${name}.list-L.txt`,
});
const CAPTURES = {
  h200: {
    csv: 'nvidia/h200-2026-11/query-gpu.csv',
    list: 'nvidia/h200-2026-11/nvidia-smi-L.txt',
    xml: 'nvidia/h200-2026-11/nvidia-smi-q.xml',
    help: 'nvidia/h200-2026-11/help-query-gpu.txt',
  },
  h100: pub('h100-80gb-hbm3_590.48.01'),
  'h100-load': pub('h100-80gb-hbm3_590.48.01', true),
  'h100-mig': pub('h100-mig_590.48.01'),
  'h100-mig-load': pub('h100-mig_590.48.01', true),
  'h200-mig': pub('h200-mig_590.48.01'),
  'h200-mig-load': pub('h200-mig_590.48.01', true),
  l40s: pub('l40s_595.80'),
  'l40s-load': pub('l40s_595.80', true),
};
const HELP = 'nvidia/h200-2026-11/help-query-gpu.txt';

function out(text, code = 0) {
  process.stdout.write(text);
  process.exit(code);
}

if (env.FAKE_NVIDIA_SMI_LOG) appendFileSync(env.FAKE_NVIDIA_SMI_LOG, JSON.stringify(process.argv.slice(2)) + '\n');
if (env.FAKE_NVIDIA_SMI_FAIL) out(`${env.FAKE_NVIDIA_SMI_FAIL}\n`, 9);

const captureName = env.FAKE_NVIDIA_SMI_CAPTURE ?? 'h200';
const capture = CAPTURES[captureName];
if (!capture) out(`fake nvidia-smi: unknown capture "${captureName}" (${Object.keys(CAPTURES).join(', ')})\n`, 1);
const read = (path) => readFileSync(join(hardware, path), 'utf8');
/** The public captures start with "# ..." lines and a "####" rule that the tool never printed. */
const body = (text) => {
  const lines = text.split('\n');
  const rule = lines.findIndex((l) => /^#{10,}/.test(l));
  return (rule >= 0 ? lines.slice(rule + 1) : lines).join('\n').replace(/\n+$/, '\n');
};

// Field names and aliases ("clocks.sm" -> "clocks.current.sm") from the driver's own help.
const aliases = new Map();
const helpNames = [];
for (const line of read(capture.help ?? HELP).split('\n')) {
  const names = [...line.matchAll(/"([^"]+)"(?= or |$)/g)].map((m) => m[1]);
  if (!line.startsWith('"') || !names.length) continue;
  helpNames.push(names);
  for (const n of names) aliases.set(n, names[0]);
}

const [headerLine, ...valueLines] = body(read(capture.csv)).split('\n').filter((l) => l.trim());
const header = headerLine.split(', ').map((h) => {
  const m = /^(\S+)(?: \[(.+)\])?$/.exec(h);
  return { name: m[1], unit: m[2] };
});
const unknown = new Set((env.FAKE_NVIDIA_SMI_UNKNOWN ?? '').split(',').filter(Boolean));
const known = (name) => {
  const canonical = aliases.get(name) ?? name;
  if (unknown.has(name) || unknown.has(canonical)) return undefined;
  if (header.some((h) => h.name === canonical) || (capture.help && aliases.has(name))) return canonical;
  return undefined;
};

const copies = Number(env.FAKE_NVIDIA_SMI_GPUS ?? 1);
const hex = (n, width) => n.toString(16).toUpperCase().padStart(width, '0');
const gpus = [];
for (let i = 0; i < copies; i++) {
  for (const line of valueLines) {
    const cells = line.split(', ');
    const rec = new Map(header.map((h, j) => [h.name, cells[j]]));
    if (copies > 1) {
      rec.set('index', String(gpus.length));
      rec.set('uuid', rec.get('uuid').slice(0, -4) + hex(gpus.length, 4).toLowerCase());
      rec.set('pci.bus_id', rec.get('pci.bus_id').replace(/^(\w+):(\w\w)/, (_, d, b) => `${d}:${hex(parseInt(b, 16) + gpus.length * 16, 2)}`));
    }
    gpus.push(rec);
  }
}

if (env.FAKE_NVIDIA_SMI_TRACE) {
  const [file, line] = env.FAKE_NVIDIA_SMI_TRACE.split(':');
  const lines = read(file).split('\n');
  const cells = lines[Number(line) - 1].split(', ');
  // The trace's header keeps the units its values lack; the capture's values carry them.
  lines[0].split(', ').forEach((h, j) => {
    const [, name, unit] = /^(\S+)(?: \[(.+)\])?$/.exec(h);
    for (const gpu of gpus) gpu.set(name, unit ? `${cells[j]} ${unit}` : cells[j]);
  });
}

const readState = () =>
  env.FAKE_NVIDIA_SMI_STATE && existsSync(env.FAKE_NVIDIA_SMI_STATE) ? { limits: {}, ...JSON.parse(readFileSync(env.FAKE_NVIDIA_SMI_STATE, 'utf8')) } : { limits: {} };
/** The GPUs with the limits set so far; called again on every loop, as the real tool reads the driver. */
const applyState = (state) => {
  for (const [index, watts] of Object.entries(state.limits)) {
    const gpu = gpus.find((g) => g.get('index') === index);
    for (const field of ['power.limit', 'enforced.power.limit']) gpu?.set(field, `${watts.toFixed(2)} W`);
  }
};
const state = readState();
applyState(state);

// Arguments.
const args = process.argv.slice(2);
const opt = (short, long) => {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === short || args[i] === long) return args[i + 1];
    if (long && args[i].startsWith(`${long}=`)) return args[i].slice(long.length + 1);
  }
  return undefined;
};
const ids = opt('-i', '--id');
const selected = ids === undefined ? gpus : ids.split(',').map((id) => gpus.find((g) => g.get('index') === id || g.get('uuid') === id || g.get('pci.bus_id') === id));
if (selected.some((g) => !g)) out('No devices were found\n', 6);
const unitless = (value) => value.replace(/ (MiB|W|%|MHz|us|C)$/, '');

if (args.includes('--help-query-gpu')) {
  if (capture.help) out(read(capture.help));
  // Public captures: the help this driver would print for the fields it recorded.
  const lines = ['List of valid properties to query for the switch "--query-gpu":', ''];
  for (const { name } of header) {
    if (unknown.has(name)) continue;
    const names = helpNames.find((n) => n[0] === name) ?? [name];
    lines.push(names.map((n) => `"${n}"`).join(' or '), '', '');
  }
  out(lines.join('\n'));
}

const query = opt(undefined, '--query-gpu');
if (query !== undefined) {
  const format = (opt(undefined, '--format') ?? '').split(',');
  if (!format.includes('csv')) out('fake nvidia-smi: only --format=csv is recorded\n', 1);
  const fields = query.split(',');
  const columns = [];
  for (const f of fields) {
    const canonical = known(f);
    if (!canonical) out(`Field "${f}" is not a valid field to query.\n\n`, 2);
    columns.push({ canonical, unit: header.find((h) => h.name === canonical)?.unit });
  }
  const table = (withHeader) => {
    const lines = [];
    if (withHeader) lines.push(columns.map((c) => (c.unit && !format.includes('nounits') ? `${c.canonical} [${c.unit}]` : c.canonical)).join(', '));
    for (const gpu of selected) {
      lines.push(
        columns
          .map((c) => {
            const v = gpu.get(c.canonical) ?? '[N/A]';
            return format.includes('nounits') ? unitless(v) : v;
          })
          .join(', '),
      );
    }
    return lines.join('\n') + '\n';
  };
  const loopMs = opt('-lms', '--loop-ms') ?? (opt('-l', '--loop') && Number(opt('-l', '--loop')) * 1000);
  if (!loopMs) {
    if (state.hang) await new Promise(() => setInterval(() => {}, 60_000));
    out(table(!format.includes('noheader')));
  }
  // Loop like the real tool: the header once, then every GPU every loopMs, reading the driver each time.
  if (!format.includes('noheader')) process.stdout.write(table(true).split('\n')[0] + '\n');
  for (;;) {
    const now = readState();
    if (!now.hang) {
      applyState(now);
      process.stdout.write(table(false));
    }
    await new Promise((r) => setTimeout(r, Number(loopMs)));
  }
}

if (args.includes('-L') || args.includes('--list-gpus')) {
  const listed = body(read(capture.list));
  if (copies === 1) out(listed);
  out(gpus.map((g) => `GPU ${g.get('index')}: ${g.get('name')} (UUID: ${g.get('uuid')})`).join('\n') + '\n');
}

if (args.includes('-q') && args.includes('-x')) {
  if (!capture.xml) out(`fake nvidia-smi: no -q -x capture for ${captureName}\n`, 1);
  if (copies > 1) out('fake nvidia-smi: -q -x is recorded for one GPU only\n', 1);
  out(read(capture.xml));
}

const pl = opt('-pl', '--power-limit');
if (pl !== undefined) {
  const watts = Number(pl);
  const mode = env.FAKE_NVIDIA_SMI_PL ?? 'ok';
  const lines = [];
  for (const gpu of selected) {
    const bus = gpu.get('pci.bus_id');
    const [min, max] = ['power.min_limit', 'power.max_limit'].map((f) => parseFloat(gpu.get(f)));
    if (mode === 'denied') out(`Failed to set power management limit for GPU ${bus}: Insufficient Permissions\n`, 4);
    if (mode === 'unsupported') {
      lines.push(`Changing power management limit is not supported for GPU: ${bus}.`, 'Treating as warning and moving on.');
      continue;
    }
    if (!(watts >= min && watts <= max)) {
      out(`Provided power limit ${watts.toFixed(2)} W is not a valid power limit which should be between ${min.toFixed(2)} W and ${max.toFixed(2)} W for GPU ${bus}\nTerminating early due to previous errors.\n`, 2);
    }
    lines.push(`Power limit for GPU ${bus} was set to ${watts.toFixed(2)} W from ${parseFloat(gpu.get('power.limit')).toFixed(2)} W.`);
    if (mode === 'ok') state.limits[gpu.get('index')] = watts;
  }
  if (env.FAKE_NVIDIA_SMI_STATE) writeFileSync(env.FAKE_NVIDIA_SMI_STATE, JSON.stringify(state));
  out(lines.join('\n') + '\nAll done.\n');
}

out(`fake nvidia-smi: unsupported arguments ${JSON.stringify(args)}\n`, 1);
