export * from './snapshot.js';
export * from './watts.js';
export { plan, orderQueue, compareJobs } from './plan.js';
