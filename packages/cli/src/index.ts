export { run, DEFAULT_SCHEDULER } from './program.js';
export type { Io } from './context.js';
