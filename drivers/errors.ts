/**
 * Typed storage errors. Every driver maps its SDK's failures onto these codes,
 * so callers (and tests) branch on `code`, never on message text.
 *
 * `retryable` is explicit: only errors whose outcome is "the request did not
 * take effect, or we cannot tell" are retried by {@link ../drivers/retry.ts}.
 */
export type StorageErrorCode =
  | "ERR_PRECONDITION_FAILED"
  | "ERR_NOT_FOUND"
  | "ERR_THROTTLED"
  | "ERR_UNAVAILABLE"
  | "ERR_TIMEOUT"
  | "ERR_AUTH"
  | "ERR_INVALID_KEY"
  | "ERR_INVALID_STORE_URL"
  | "ERR_UNSUPPORTED"
  | "ERR_CONFLICT_RETRYABLE"
  | "ERR_STORAGE";

export interface StorageErrorDetails {
  /** The object key the operation was about, when there is one. */
  key?: string;
  /** The driver operation: get, head, list, put, delete. */
  op?: string;
  /** HTTP status or errno from the underlying SDK, for logs. */
  status?: number | string;
  cause?: unknown;
}

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  readonly key: string | undefined;
  readonly op: string | undefined;
  readonly status: number | string | undefined;

  constructor(code: StorageErrorCode, message: string, retryable: boolean, details: StorageErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "StorageError";
    this.code = code;
    this.retryable = retryable;
    this.key = details.key;
    this.op = details.op;
    this.status = details.status;
  }
}

/** A conditional write or delete lost: the key exists (create-only) or its version moved (CAS). */
export class PreconditionFailed extends StorageError {
  static readonly code = "ERR_PRECONDITION_FAILED";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_PRECONDITION_FAILED", message, false, details);
  }
}

export class NotFound extends StorageError {
  static readonly code = "ERR_NOT_FOUND";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_NOT_FOUND", message, false, details);
  }
}

/** The store asked us to slow down (S3 503 SlowDown, GCS 429). */
export class Throttled extends StorageError {
  static readonly code = "ERR_THROTTLED";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_THROTTLED", message, true, details);
  }
}

/** The store could not be reached or failed server-side; the outcome may be unknown. */
export class Unavailable extends StorageError {
  static readonly code = "ERR_UNAVAILABLE";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_UNAVAILABLE", message, true, details);
  }
}

/** The request did not complete in time; its outcome is unknown. */
export class Timeout extends StorageError {
  static readonly code = "ERR_TIMEOUT";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_TIMEOUT", message, true, details);
  }
}

/** S3 409 ConditionalRequestConflict: a concurrent conditional write was in flight; retry. */
export class ConflictRetryable extends StorageError {
  static readonly code = "ERR_CONFLICT_RETRYABLE";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_CONFLICT_RETRYABLE", message, true, details);
  }
}

export class AuthFailed extends StorageError {
  static readonly code = "ERR_AUTH";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_AUTH", message, false, details);
  }
}

export class InvalidKey extends StorageError {
  static readonly code = "ERR_INVALID_KEY";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_INVALID_KEY", message, false, details);
  }
}

export class InvalidStoreUrl extends StorageError {
  static readonly code = "ERR_INVALID_STORE_URL";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_INVALID_STORE_URL", message, false, details);
  }
}

/** The store (or driver) cannot do what was asked, e.g. it ignores conditional headers. */
export class Unsupported extends StorageError {
  static readonly code = "ERR_UNSUPPORTED";
  constructor(message: string, details: StorageErrorDetails = {}) {
    super("ERR_UNSUPPORTED", message, false, details);
  }
}

/** Anything else the SDK reported; terminal unless the driver knows better. */
export class StorageFailure extends StorageError {
  static readonly code = "ERR_STORAGE";
  constructor(message: string, details: StorageErrorDetails = {}, retryable = false) {
    super("ERR_STORAGE", message, retryable, details);
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
