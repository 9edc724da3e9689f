/** One field-level reason a request was refused: where, which rule, in words. */
export interface FieldError {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

/**
 * Typed errors the application throws; http-exception.filter.ts maps each to one HTTP status.
 * Nothing else in the app chooses status codes for errors.
 */
export class RequestValidationError extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
    this.name = 'RequestValidationError';
  }
}

export class UnsupportedMediaTypeError extends Error {
  constructor(readonly expected: string) {
    super(`Content-Type must be ${expected}`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class PayloadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class MalformedJsonError extends Error {
  constructor(detail: string) {
    super(`request body is not valid JSON: ${detail}`);
    this.name = 'MalformedJsonError';
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

/** The read models did not reach a requested position in time: retry shortly. */
export class ProjectionLagError extends Error {
  constructor(
    readonly position: string,
    readonly waitedMs: number,
  ) {
    super(`read models have not reached position ${position} within ${waitedMs} ms; retry shortly`);
    this.name = 'ProjectionLagError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** No API key, or one nobody holds. */
export class UnauthenticatedError extends Error {
  constructor() {
    super('an API key is required: Authorization: Bearer <key> (or X-API-Key: <key>)');
    this.name = 'UnauthenticatedError';
  }
}

/** A known key without the role the route needs. */
export class ForbiddenError extends Error {
  constructor(readonly role: string) {
    super(`this API key lacks the role ${role}`);
    this.name = 'ForbiddenError';
  }
}

/** The store's volume is (nearly) full: nothing was written; retry when space is freed. */
export class InsufficientStorageError extends Error {
  constructor(readonly reason: string) {
    super(`writes are refused: ${reason}`);
    this.name = 'InsufficientStorageError';
  }
}

/** The store failed a write for another reason (unreachable, failed over...): nothing was written. */
export class StorageUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the store could not take the write: ${reason}; retry`);
    this.name = 'StorageUnavailableError';
  }
}
