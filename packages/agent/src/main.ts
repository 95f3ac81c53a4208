// The agent's entry. A packaged agent (one bundle, or a single executable) has no other
// file to fork its spawn helper from, so it forks itself with WATTPACK_SPAWN_HELPER=1
// (runtimes/process/spawner.ts): then this runs the helper and loads nothing of the agent.
// No top-level await: the single-file build (scripts/package.mjs) is CommonJS, as Node 20's SEA requires.
if (process.env.WATTPACK_SPAWN_HELPER === '1') void import('./runtimes/process/spawn-helper.js');
else void import('./run.js');
