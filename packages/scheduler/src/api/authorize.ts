import type { ServerUnaryCall } from '@grpc/grpc-js';

/**
 * Who is calling: the one place that names the caller (the owner of the jobs it submits,
 * who drained a node). Until the identity work verifies it, the name is the one the client
 * sends in the `wattpack-user` metadata, or "anonymous". Everything else calls this, and
 * never reads the metadata itself.
 */
export function callerName(call: ServerUnaryCall<unknown, unknown>): string {
  const user = call.metadata.get('wattpack-user')[0];
  return typeof user === 'string' && user ? user : 'anonymous';
}

/**
 * The one place that decides who may operate the site (drain, uncordon, change the cap).
 * Roles arrive with the security work: until then every caller may.
 */
export function requireOperator(call: ServerUnaryCall<unknown, unknown>): string {
  return callerName(call);
}
