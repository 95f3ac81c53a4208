export { run } from './program.js';
export { DEFAULT_SCHEDULER } from './context.js';
export type { Io } from './context.js';
