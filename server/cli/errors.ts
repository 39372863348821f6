/**
 * Typed errors of the `omnigraph` CLI and the ONE table that turns any typed error
 * code (CLI, driver, store, engine, or a served error rebuilt from its HTTP body)
 * into the process exit code. Commands never pick exit codes themselves: they throw
 * (or return a result flagged partial) and `exitCodeFor` decides.
 *
 * Exit codes (omnigraph-ops.md §1): 0 ok, 1 failed, 2 refused (bad input/usage),
 * 3 partial, 4 precondition lost / recovery required, 5 timeout, 6 cancelled.
 */
import { isStorageError, type StorageErrorCode } from "../../drivers/errors.ts";
import { isAuthError, type AuthErrorCode } from "../auth/errors.ts";
import { isConfigError, type ConfigErrorCode } from "../config/errors.ts";
import { isEngineError, type EngineErrorCode } from "../engine/errors.ts";
import type { HttpErrorCode } from "../http/http-error.ts";
import type { RuntimeErrorCode } from "../runtime/errors.ts";
import { isStoreError, type StoreErrorCode } from "../store/errors.ts";

/** Process exit codes of the managed CLI. */
export const EXIT = { ok: 0, failed: 1, refused: 2, partial: 3, preconditionLost: 4, timeout: 5, cancelled: 6 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type CliErrorCode =
  /** Bad flags, a missing argument, conflicting options. */
  | "ERR_USAGE"
  /** A file named on the command line cannot be read. */
  | "ERR_INPUT_FILE"
  /** `~/.omnigraph/config.yaml` or the credentials file is malformed. */
  | "ERR_OPERATOR_CONFIG"
  /** The credentials file is readable by group or others. */
  | "ERR_CREDENTIALS_INSECURE"
  /** A positional http(s):// URI, a direct-only verb sent to a server, no address at all. */
  | "ERR_TARGET"
  /** `init` on a graph that already exists. */
  | "ERR_GRAPH_EXISTS"
  /** A destructive write against a non-local target without `--yes`. */
  | "ERR_CONFIRMATION_REQUIRED"
  /** The server could not be reached (connection refused, DNS, TLS). */
  | "ERR_SERVER_UNREACHABLE"
  /** The server answered something that is not OmniGraph's contract. */
  | "ERR_SERVER_PROTOCOL"
  /** A request or operation ran out of time. */
  | "ERR_TIMEOUT"
  /** Interrupted (SIGINT / SIGTERM). */
  | "ERR_CANCELLED"
  /** The operation did its main work but a secondary step failed (e.g. merge ok, branch delete failed). */
  | "ERR_PARTIAL"
  /** Served error codes rebuilt from an HTTP error body (see client/http.ts). */
  | "ERR_BAD_REQUEST"
  | "ERR_UNAUTHENTICATED"
  | "ERR_FORBIDDEN"
  | "ERR_NOT_FOUND"
  | "ERR_CONFLICT"
  | "ERR_TOO_MANY_REQUESTS"
  | "ERR_RECOVERY_REQUIRED"
  | "ERR_SERVICE_UNAVAILABLE"
  | "ERR_SERVER_INTERNAL";

/** A CLI failure with a stable code; `detail` carries the structured body to print under `--json`. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: CliErrorCode, message: string, detail?: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "CliError";
    this.code = code;
    this.detail = detail;
  }
}

/** An error rebuilt from a served response: the layer code when the server sent one, the HTTP status always. */
export class ServedError extends CliError {
  constructor(
    code: CliErrorCode,
    /** The server's typed code (`ERR_…`) when its error body carries one; else undefined. */
    readonly serverCode: string | undefined,
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(code, message, body);
    this.name = "ServedError";
  }
}

export function isCliError(e: unknown, code?: CliErrorCode): e is CliError {
  return e instanceof CliError && (code === undefined || e.code === code);
}

/** The codes of every layer (served errors name the runtime and HTTP ones in `error_code`). */
type LayerCode = CliErrorCode | StorageErrorCode | StoreErrorCode | EngineErrorCode | AuthErrorCode | ConfigErrorCode | RuntimeErrorCode | HttpErrorCode;

const { failed: F, refused: R, partial: P, preconditionLost: L, timeout: T, cancelled: C } = EXIT;

/**
 * THE table: every typed code of every layer → exit code. Typed over the union of the
 * layers' code unions, so the compiler demands a row for each new code.
 */
const EXIT_BY_CODE: Record<LayerCode, ExitCode> = {
  // CLI
  ERR_USAGE: R, ERR_INPUT_FILE: R, ERR_OPERATOR_CONFIG: R, ERR_CREDENTIALS_INSECURE: R, ERR_TARGET: R, ERR_GRAPH_EXISTS: R,
  ERR_CONFIRMATION_REQUIRED: R, ERR_SERVER_UNREACHABLE: F, ERR_SERVER_PROTOCOL: F, ERR_TIMEOUT: T, ERR_CANCELLED: C, ERR_PARTIAL: P,
  ERR_BAD_REQUEST: R, ERR_UNAUTHENTICATED: R, ERR_FORBIDDEN: R, ERR_NOT_FOUND: R, ERR_CONFLICT: R, ERR_TOO_MANY_REQUESTS: F,
  ERR_RECOVERY_REQUIRED: L, ERR_SERVICE_UNAVAILABLE: F, ERR_SERVER_INTERNAL: F,
  // drivers
  ERR_PRECONDITION_FAILED: L, ERR_THROTTLED: F, ERR_UNAVAILABLE: F, ERR_AUTH: R, ERR_INVALID_KEY: R,
  ERR_INVALID_STORE_URL: R, ERR_UNSUPPORTED: F, ERR_CONFLICT_RETRYABLE: F, ERR_STORAGE: F,
  // store
  ERR_MANIFEST_CONFLICT: L, ERR_READ_SET_CONFLICT: L, ERR_GRAPH_COMMIT_PRECONDITION: L, ERR_READ_ONLY: R, ERR_GRAPH_NOT_FOUND: R,
  ERR_BRANCH_NOT_FOUND: R, ERR_BRANCH_EXISTS: R, ERR_BRANCH_INVALID: R, ERR_BRANCH_HAS_DEPENDENTS: R, ERR_COMMIT_NOT_FOUND: R,
  ERR_TABLE_NOT_FOUND: R, ERR_MANIFEST_CORRUPT: F,
  ERR_COMMIT_OUTCOME_UNKNOWN: L, ERR_LEASE_HELD: L, ERR_TENANT_REQUIRED: R, ERR_LEASE_LOST: L, ERR_IDEMPOTENCY_KEY_INVALID: R, ERR_IDEMPOTENCY_KEY_REUSED: R, ERR_SNAPSHOT_EXPIRED: R, ERR_FAILPOINT: F, ERR_LANCE: F,
  // engine
  ERR_PARSE: R, ERR_TYPE: R, ERR_SCHEMA_INVALID: R, ERR_SCHEMA_UNSUPPORTED_CHANGE: R, ERR_SCHEMA_DATA_LOSS: R, ERR_PARAM: R,
  ERR_QUERY_NOT_FOUND: R, ERR_QUERY_NAME_REQUIRED: R, ERR_MUTATION_IN_READ: R, ERR_READ_IN_MUTATION: R, ERR_NOT_SUPPORTED: R,
  ERR_MERGE_UNRELATED: R, ERR_D2_MIXED_MUTATION: R, ERR_KEY_CONFLICT: R, ERR_INTEGRITY: R, ERR_NDJSON: R,
  ERR_RESOURCE_LIMIT: R, ERR_UNKNOWN_TYPE: R, ERR_MERGE_CONFLICT: F,
  // config
  ERR_CONFIG_INVALID: R,
  // auth (served; ERR_UNAUTHENTICATED, ERR_FORBIDDEN and ERR_TOO_MANY_REQUESTS are shared with the served rows above)
  ERR_AUTH_SCHEME: R, ERR_TOKEN_INVALID: R, ERR_TOKEN_ALGORITHM: R, ERR_TOKEN_EXPIRED: R, ERR_TOKEN_NOT_YET_VALID: R,
  ERR_TOKEN_CLAIM: R, ERR_JWKS_NO_MATCHING_KEY: R, ERR_JWKS_STALE: F, ERR_JWKS_UNAVAILABLE: F, ERR_TENANT_MISMATCH: R,
  ERR_ACTOR_NOT_ALLOWED: R, ERR_TOKENS_INVALID: R, ERR_AUTH_CONFIG: R, ERR_POLICY_INVALID: R,
  // query budgets (engine)
  ERR_QUERY_TIME_BUDGET: T, ERR_QUERY_ROWS_BUDGET: R, ERR_QUERY_BYTES_BUDGET: R,
  // runtime (served)
  ERR_GRAPH_QUARANTINED: L, ERR_WRITE_ON_READER: R, ERR_NOT_READY: F,
  // http (served)
  ERR_ROUTE_NOT_FOUND: R, ERR_METHOD_NOT_ALLOWED: R, ERR_MALFORMED_JSON: R, ERR_REQUEST_INVALID: R,
  ERR_UNSUPPORTED_MEDIA_TYPE: R, ERR_BODY_TOO_LARGE: R, ERR_GRAPH_ID_INVALID: R, ERR_PRECONDITION_HEADER: R,
  ERR_ADMISSION: F, ERR_INTERNAL: F,
};

function exitOf(code: string): ExitCode | undefined {
  return Object.hasOwn(EXIT_BY_CODE, code) ? EXIT_BY_CODE[code as LayerCode] : undefined;
}

/** The typed code of any error the CLI can meet; `ERR_UNEXPECTED` for an untyped one. */
export function codeOf(e: unknown): string {
  if (e instanceof ServedError && e.serverCode) return e.serverCode;
  if (isCliError(e) || isStoreError(e) || isEngineError(e) || isStorageError(e) || isAuthError(e) || isConfigError(e)) return e.code;
  return "ERR_UNEXPECTED";
}

/** The exit code of a typed error code; an unknown code is a plain failure (1). */
export function exitCodeForCode(code: string): ExitCode {
  return exitOf(code) ?? EXIT.failed;
}

/**
 * Exit code of an error: its typed code through {@link exitCodeForCode}. A served
 * error whose server code this table does not know falls back to the code rebuilt
 * from its HTTP status and detail fields.
 */
export function exitCodeFor(e: unknown): ExitCode {
  if (e instanceof ServedError && e.serverCode && exitOf(e.serverCode) === undefined) return exitCodeForCode(e.code);
  return exitCodeForCode(codeOf(e));
}
