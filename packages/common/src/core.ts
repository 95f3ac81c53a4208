/**
 * `@wattpack/common/core`: the domain, errors and small helpers, without gRPC, NATS, the
 * PKI, logging or metrics. A process that needs only these (the CLI parsing its command
 * line, printing help) starts in a fraction of the time the whole package takes to load;
 * the package's main entry re-exports all of it.
 */
export * from './domain/duration.js';
export * from './domain/gpu-models.js';
export * from './domain/job.js';
export * from './domain/job-array.js';
export * from './domain/job-user.js';
export * from './domain/node.js';
export * from './domain/site.js';
export * from './domain/accounting.js';
export * from './domain/meter.js';
export * from './domain/openadr.js';
export * from './domain/power-saving.js';
export * from './domain/limits.js';
export * from './bus/subjects.js';
export * from './bus/messages.js';
export * from './proto/convert.js';
export * from './power/curve.js';
export * from './power/acme.js';
export * from './config/load.js';
export * from './build/assets.js';
export * from './backoff.js';
export * from './group-commit.js';
export * from './errors.js';
export * from './ids.js';
export * from './grpc-target.js';
export * from './trust/identity.js';
export * from './trust/credential-files.js';
export * from './trust/nats-config.js';
