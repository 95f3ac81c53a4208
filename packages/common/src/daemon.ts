/**
 * `@wattpack/common/daemon`: what a daemon on the bus runs with (the agent): `./core`,
 * `./grpc`, NATS, command signatures, the logger and the metrics listener; not the site
 * PKI's issuing side (X.509 and ASN.1 code) or login tokens, which only admin commands,
 * the scheduler and tests need. Fewer modules loaded is less memory on every GPU server.
 */
export * from './core.js';
export * from './grpc.js';
export * from './bus/jetstream.js';
export * from './log.js';
export * from './bus/nats-server.js';
export * from './trust/nats-credentials.js';
export * from './trust/command-signing.js';
export * from './trust/nats-auth.js';
export * from './observe/http.js';
export * from './bmc/redfish-http.js';
