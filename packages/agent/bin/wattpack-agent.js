#!/usr/bin/env -S node --max-semi-space-size=1 --single-threaded
// The agent runs on every GPU server and allocates little: a small young generation keeps its
// memory flat, and GC and compiling on the main thread (no V8 worker threads) save ~7 MB for
// the same CPU (docs/benchmarks.md, the agent's own cost). `node bin/wattpack-agent.js` works
// too, with V8's defaults, as `wattpack dev` runs it (a --fleet of hollow nodes is busy).
import '../dist/main.js';
