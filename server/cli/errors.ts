/**
 * Typed errors of the `omnigraph` CLI and the ONE table that turns any typed error
 * code (CLI, driver, store, engine, or a served error rebuilt from its HTTP body)
 * into the process exit code. Commands never pick exit codes themselves: they throw
 * (or return a result flagged partial) and `exitCodeFor` decides.
 *
 * Exit codes (omnigraph-ops.md §1): 0 ok, 1 failed, 2 refused (bad input/usage),
 * 3 partial, 4 precondition lost / recovery required, 5 timeout, 6 cancelled.
 */
import { isStorageError } from "../../drivers/errors.ts";
import { isEngineError } from "../engine/errors.ts";
import { isStoreError } from "../store/errors.ts";

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

const REFUSED = new Set<string>([
  // CLI
  "ERR_USAGE", "ERR_INPUT_FILE", "ERR_OPERATOR_CONFIG", "ERR_CREDENTIALS_INSECURE", "ERR_TARGET", "ERR_GRAPH_EXISTS",
  "ERR_CONFIRMATION_REQUIRED", "ERR_BAD_REQUEST", "ERR_UNAUTHENTICATED", "ERR_FORBIDDEN", "ERR_NOT_FOUND",
  "ERR_CONFLICT",
  // drivers
  "ERR_INVALID_STORE_URL", "ERR_INVALID_KEY", "ERR_AUTH",
  // store
  "ERR_READ_ONLY", "ERR_GRAPH_NOT_FOUND", "ERR_BRANCH_NOT_FOUND", "ERR_BRANCH_EXISTS", "ERR_BRANCH_INVALID",
  "ERR_BRANCH_HAS_DEPENDENTS", "ERR_COMMIT_NOT_FOUND", "ERR_SNAPSHOT_EXPIRED",
  // engine
  "ERR_PARSE", "ERR_TYPE", "ERR_SCHEMA_INVALID", "ERR_SCHEMA_UNSUPPORTED_CHANGE", "ERR_SCHEMA_DATA_LOSS", "ERR_PARAM",
  "ERR_QUERY_NOT_FOUND", "ERR_QUERY_NAME_REQUIRED", "ERR_MUTATION_IN_READ", "ERR_D2_MIXED_MUTATION", "ERR_KEY_CONFLICT",
  "ERR_INTEGRITY", "ERR_NDJSON", "ERR_RESOURCE_LIMIT", "ERR_UNKNOWN_TYPE",
  // server / auth (as they come back in served error bodies)
  "ERR_UNAUTHORIZED", "ERR_GRAPH_ID_INVALID", "ERR_ROUTE_NOT_FOUND", "ERR_METHOD_NOT_ALLOWED", "ERR_BODY_TOO_LARGE",
  "ERR_UNSUPPORTED_MEDIA_TYPE", "ERR_MALFORMED_JSON", "ERR_CONFIG_INVALID", "ERR_READER_ROLE",
]);

const PRECONDITION_LOST = new Set<string>([
  "ERR_GRAPH_COMMIT_PRECONDITION", "ERR_READ_SET_CONFLICT", "ERR_MANIFEST_CONFLICT", "ERR_RECOVERY_REQUIRED",
  "ERR_COMMIT_OUTCOME_UNKNOWN", "ERR_LEASE_LOST", "ERR_LEASE_HELD", "ERR_GRAPH_QUARANTINED",
]);

const TIMEOUT = new Set<string>(["ERR_TIMEOUT"]);
const CANCELLED = new Set<string>(["ERR_CANCELLED"]);
const PARTIAL = new Set<string>(["ERR_PARTIAL"]);

/** The typed code of any error the CLI can meet; `ERR_UNEXPECTED` for an untyped one. */
export function codeOf(e: unknown): string {
  if (e instanceof ServedError && e.serverCode) return e.serverCode;
  if (isCliError(e) || isStoreError(e) || isEngineError(e) || isStorageError(e)) return e.code;
  return "ERR_UNEXPECTED";
}

/** THE mapping from a typed error code to the process exit code. */
export function exitCodeForCode(code: string): ExitCode {
  if (REFUSED.has(code)) return EXIT.refused;
  if (PRECONDITION_LOST.has(code)) return EXIT.preconditionLost;
  if (TIMEOUT.has(code)) return EXIT.timeout;
  if (CANCELLED.has(code)) return EXIT.cancelled;
  if (PARTIAL.has(code)) return EXIT.partial;
  return EXIT.failed;
}

function isKnownCode(code: string): boolean {
  return REFUSED.has(code) || PRECONDITION_LOST.has(code) || TIMEOUT.has(code) || CANCELLED.has(code) || PARTIAL.has(code);
}

/**
 * Exit code of an error: its typed code through {@link exitCodeForCode}. A served
 * error whose server code this table does not know falls back to the code rebuilt
 * from its HTTP status and detail fields.
 */
export function exitCodeFor(e: unknown): ExitCode {
  if (e instanceof ServedError && e.serverCode && !isKnownCode(e.serverCode)) return exitCodeForCode(e.code);
  return exitCodeForCode(codeOf(e));
}
