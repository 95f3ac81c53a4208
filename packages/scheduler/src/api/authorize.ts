import type { ServerUnaryCall } from '@grpc/grpc-js';

/**
 * The one place that decides who may operate the site (drain, uncordon, change the cap).
 * Roles arrive with the security work: until then every caller may, and is known by the
 * name its client sends in the `wattpack-user` metadata.
 */
export function requireOperator(call: ServerUnaryCall<unknown, unknown>): string {
  const user = call.metadata.get('wattpack-user')[0];
  return typeof user === 'string' && user ? user : 'anonymous';
}
