export * from './snapshot.js';
export * from './watts.js';
export * from './policy.js';
export { plan } from './plan.js';
export { orderQueue, compareJobs } from './order.js';
export { ThroughputCurve } from './limits.js';
