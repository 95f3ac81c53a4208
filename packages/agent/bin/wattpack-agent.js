#!/usr/bin/env -S node --max-semi-space-size=1
// A small young generation keeps the agent's memory flat (it runs on every GPU server and
// allocates little); `node bin/wattpack-agent.js` works too, with V8's defaults.
import '../dist/main.js';
