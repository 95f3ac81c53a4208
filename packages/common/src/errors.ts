// Types only: this module is in the light entry (core.ts), which must not load gRPC.
import type { status as GrpcStatus, ServiceError } from '@grpc/grpc-js';

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  /** A quota is full (a team's queued jobs): try again later. */
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  /** No credential, or one the site does not accept (expired, revoked, another CA). */
  | 'UNAUTHENTICATED'
  /** A known caller without the role or team the action needs. */
  | 'PERMISSION_DENIED';

/** The one error type: a code for programs, a message for people. */
export class WattpackError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WattpackError';
  }

  static from(err: unknown): WattpackError {
    if (err instanceof WattpackError) return err;
    if (isServiceError(err)) return new WattpackError(codeOfGrpc(err.code), err.details || err.message, { cause: err });
    return new WattpackError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** gRPC's status numbers (the wire protocol's); each typed as grpc-js's member, so the compiler checks the number. */
const TO_GRPC: { [C in ErrorCode]: (typeof GrpcStatus)[C] } = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  FAILED_PRECONDITION: 9,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
};
const DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED = 4;

/**
 * Exit codes of every wattpack command: 1 failed, 2 invalid input, 3 not found,
 * 4 unreachable, 5 not allowed (no valid credential, or the role or team is missing).
 */
const EXIT_CODES: Record<ErrorCode, number> = {
  INTERNAL: 1,
  FAILED_PRECONDITION: 1,
  RESOURCE_EXHAUSTED: 1,
  INVALID_ARGUMENT: 2,
  NOT_FOUND: 3,
  UNAVAILABLE: 4,
  UNAUTHENTICATED: 5,
  PERMISSION_DENIED: 5,
};

export const exitCodeOf = (code: ErrorCode): number => EXIT_CODES[code];

export const grpcStatusOf = (code: ErrorCode): GrpcStatus => TO_GRPC[code];

function codeOfGrpc(code: GrpcStatus): ErrorCode {
  const found = (Object.entries(TO_GRPC) as [ErrorCode, GrpcStatus][]).find(([, g]) => g === code);
  if (found) return found[0];
  return code === DEADLINE_EXCEEDED ? 'UNAVAILABLE' : 'INTERNAL';
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as ServiceError).code === 'number' && 'details' in err;
}
