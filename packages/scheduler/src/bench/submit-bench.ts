/**
 * The live loop's own CPU per submit on a site of many nodes (no store, no network: the
 * checks, the queue's turn and the passes a burst asks for, which place nothing: every
 * node is drained), and the store writes it asked for per submit. Prints JSON.
 * Usage: node dist/bench/submit-bench.js [nodes=1200] [submits=2000]
 */
import { inventory, setup, spec } from '../testing/live-scheduler.js';

const NODES = Number(process.argv[2] ?? 1200);
const SUBMITS = Number(process.argv[3] ?? 2000);

const { scheduler, stored } = await setup();
const ids = Array.from({ length: NODES }, (_, i) => `n${i}`);
for (const nodeId of ids) await scheduler.registerNode({ nodeId, labels: {}, inventory: inventory(8) });
await scheduler.drain({ nodeIds: [...ids, 'a', 'b'] }, { reason: 'bench: nothing starts', by: 'bench', migrate: false, force: false });
const writesBefore = stored.length;
const before = process.cpuUsage();
await Promise.all(Array.from({ length: SUBMITS }, (_, i) => scheduler.submit(spec({ gpus: 1 }), { requestId: `r${i}` })));
await scheduler.settled();
const used = process.cpuUsage(before);
process.stdout.write(`${JSON.stringify({ nodes: NODES + 2, submits: SUBMITS, cpuMsPerSubmit: Math.round((used.user + used.system) / SUBMITS) / 1000, storeWritesPerSubmit: (stored.length - writesBefore) / SUBMITS })}\n`);
process.exit(0);
