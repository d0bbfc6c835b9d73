/**
 * Domain errors. They carry a stable code; the GraphQL layer maps them to error codes
 * (src/schema/errors.ts), the CLI prints their message. Nothing here knows of GraphQL.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PLUGIN_ERROR'
  | 'CANCELLED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | LimitCode;

/** Refusals by a configured limit (src/config.ts), each with its own code. */
export type LimitCode =
  | 'RATE_LIMITED'
  | 'TOO_MANY_EXPERIMENTS'
  | 'QUERY_TOO_DEEP'
  | 'TOO_MANY_ALIASES'
  | 'QUERY_TOO_COMPLEX';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input a user can fix: a bad file, parameter or request. */
export class UserInputError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('BAD_USER_INPUT', message, details);
  }
}

/** An id (or name) that names nothing: `kind` says what was looked for, `id` by what. */
export class NotFoundError extends DomainError {
  constructor(kind: string, id: string) {
    super('NOT_FOUND', `${kind} "${id}" not found`, { kind, id });
  }
}

/** An input (an uploaded file, an inline table) over the configured size limit. */
export class PayloadTooLargeError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
  }
}

export class CancelledError extends DomainError {
  constructor(message = 'cancelled') {
    super('CANCELLED', message);
  }
}

/** No valid credentials: no token where one is needed, or an unknown, expired or revoked one. */
export class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** Valid credentials whose role does not allow the operation. */
export class ForbiddenError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('FORBIDDEN', message, details);
  }
}

/** A configured limit refused the request; `limit` is the setting's value. */
export class LimitError extends DomainError {
  constructor(code: LimitCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}
