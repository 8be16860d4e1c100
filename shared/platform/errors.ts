/** A problem with one field of a request, as the API's `details` show it. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** Base of every error the domain raises on purpose; the HTTP layer maps these to 4xx. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
  constructor(readonly details: readonly FieldIssue[], message = 'The request is not valid.') {
    super(message);
  }
}

export class MalformedJsonError extends DomainError {
  readonly code = 'malformed_json';
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  constructor(message = 'A valid API key is required: send it as "Authorization: Bearer <key>".') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly code: string = 'not_found';
}

export class ConflictError extends DomainError {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * The request lost a race it may win next time (concurrent writers on one item): a 503 with
 * `Retry-After`, so a client that retries (the agent does) gets its answer, never a 500.
 */
export class ServiceBusyError extends DomainError {
  readonly code = 'busy';
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(message);
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
}

export class InsufficientFundsError extends DomainError {
  readonly code = 'insufficient_funds';
}
