export * from './snapshot.js';
export * from './watts.js';
export * from './policy.js';
export { plan } from './plan.js';
export { orderQueue, compareJobs } from './order.js';
export { ThroughputCurve } from './limits.js';
export { PowerProfile, DEFAULT_PROFILE, type PowerSample, type ProfileOptions } from './power-profile.js';
export { percentile } from './percentile.js';
export * from './cap-schedule.js';
