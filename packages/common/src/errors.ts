import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

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

const TO_GRPC: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  INTERNAL: GrpcStatus.INTERNAL,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
};

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
  return code === GrpcStatus.DEADLINE_EXCEEDED ? 'UNAVAILABLE' : 'INTERNAL';
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as ServiceError).code === 'number' && 'details' in err;
}
