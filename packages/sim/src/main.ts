import { main } from './cli.js';

// Run directly: `node packages/sim/dist/main.js`. Its own file, so bundling cli.js into the
// wattpack CLI (scripts/package.mjs) cannot start it.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
