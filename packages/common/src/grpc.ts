/**
 * `@wattpack/common/grpc`: the protos and TLS channel credentials, what a gRPC client (the
 * CLI) needs beside `./core`, without NATS, the PKI's X.509 code or logging.
 */
export * from './proto/load.js';
export * from './trust/credentials.js';
