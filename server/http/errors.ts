/**
 * THE error table: every typed error code of every layer (drivers, store, engine,
 * config, auth, runtime, HTTP) → HTTP status, OmniGraph's closed `code`, whether the
 * message may be shown to the client, and a hint naming the fix where the HTTP route
 * matters. It is typed over the union of all code types, so adding a code anywhere
 * without a row here fails to compile. Nothing untyped reaches a client: anything else
 * is a 500 `internal` carrying only the request id.
 */
import { AuthError, type AuthErrorCode } from "../auth/errors.ts";
import { ConfigError, type ConfigErrorCode } from "../config/errors.ts";
import { EngineError, type EngineErrorCode } from "../engine/errors.ts";
import { MergeConflictError } from "../engine/merge.ts";
import { RuntimeError, type RuntimeErrorCode } from "../runtime/errors.ts";
import { StoreError, type StoreErrorCode } from "../store/errors.ts";
import { StorageError, type StorageErrorCode } from "../../drivers/errors.ts";
import { toMergeConflictOutput } from "./contract/map.ts";
import type { ErrorCode, ErrorOutput } from "./contract/schemas.ts";
import { HttpError, type HttpErrorCode } from "./http-error.ts";

export type AnyErrorCode = StorageErrorCode | StoreErrorCode | EngineErrorCode | ConfigErrorCode | AuthErrorCode | RuntimeErrorCode | HttpErrorCode;

export interface ErrorRow {
  status: number;
  /** OmniGraph's closed `code`, or null where the contract omits it (412, 503, 410). */
  code: ErrorCode | null;
  /** Whether the error's own message is shown; otherwise `message` (or a generic text) is. */
  expose: boolean;
  /** Shown instead of the internal message when `expose` is false. */
  message?: string;
  /** Appended to the message: what the client should do instead. */
  hint?: string;
  /** Retry-After seconds. */
  retryAfter?: number;
}

const bad = (hint?: string): ErrorRow => ({ status: 400, code: "bad_request", expose: true, ...(hint ? { hint } : {}) });
const internal = (message = "internal error"): ErrorRow => ({ status: 500, code: "internal", expose: false, message });
const unavailable = (message: string): ErrorRow => ({ status: 503, code: null, expose: false, message, retryAfter: 1 });

export const ERROR_TABLE: Record<AnyErrorCode, ErrorRow> = {
  // drivers: storage failures never expose keys or SDK text.
  ERR_PRECONDITION_FAILED: { status: 409, code: "conflict", expose: false, message: "a concurrent write changed the graph; retry" },
  ERR_NOT_FOUND: internal("a stored object the graph refers to is missing"),
  ERR_THROTTLED: unavailable("the object store is throttling requests; retry later"),
  ERR_UNAVAILABLE: unavailable("the object store is unavailable; retry later"),
  ERR_TIMEOUT: unavailable("the object store did not answer in time; retry later"),
  ERR_AUTH: internal("the server cannot authenticate to its object store"),
  ERR_INVALID_KEY: internal(),
  ERR_INVALID_STORE_URL: internal("the server's store URL is invalid"),
  ERR_UNSUPPORTED: internal("the object store lacks a capability the server needs"),
  ERR_CONFLICT_RETRYABLE: { status: 409, code: "conflict", expose: false, message: "a concurrent write was in flight; retry" },
  ERR_STORAGE: internal("the object store failed"),
  // store
  ERR_MANIFEST_CONFLICT: { status: 409, code: "conflict", expose: true },
  ERR_READ_SET_CONFLICT: { status: 409, code: "conflict", expose: true },
  ERR_GRAPH_COMMIT_PRECONDITION: { status: 412, code: null, expose: true },
  ERR_READ_ONLY: { status: 409, code: "conflict", expose: true },
  // store, issue 7 (rows added where the store and server branches meet; the lead may revise)
  ERR_COMMIT_OUTCOME_UNKNOWN: { status: 503, code: null, expose: true, retryAfter: 1 },
  ERR_IDEMPOTENCY_KEY_INVALID: bad(),
  // A key reused with another body: 422, as the IETF Idempotency-Key draft (and Stripe-like
  // APIs) answer it; 409 stays for conflicts a retry can resolve.
  ERR_IDEMPOTENCY_KEY_REUSED: { status: 422, code: "bad_request", expose: true, hint: "use a new Idempotency-Key for a different request" },
  ERR_TENANT_REQUIRED: { status: 403, code: "forbidden", expose: true },
  ERR_LEASE_HELD: { status: 409, code: "conflict", expose: true },
  ERR_LEASE_LOST: unavailable("this writer lost its lease; retry"),
  ERR_GRAPH_NOT_FOUND: { status: 404, code: "not_found", expose: true },
  ERR_BRANCH_NOT_FOUND: { status: 404, code: "not_found", expose: true },
  ERR_BRANCH_EXISTS: { status: 409, code: "conflict", expose: true },
  ERR_BRANCH_INVALID: bad(),
  ERR_BRANCH_HAS_DEPENDENTS: { status: 409, code: "conflict", expose: true },
  ERR_COMMIT_NOT_FOUND: { status: 404, code: "not_found", expose: true },
  ERR_TABLE_NOT_FOUND: internal("the graph's manifest names a table this branch does not hold"),
  ERR_MANIFEST_CORRUPT: internal("the graph's manifest is damaged; an operator must repair it"),
  ERR_SNAPSHOT_EXPIRED: { status: 410, code: null, expose: true },
  ERR_FAILPOINT: internal(),
  ERR_LANCE: internal("the table engine failed"),
  // engine
  ERR_PARSE: bad(),
  ERR_TYPE: bad(),
  ERR_SCHEMA_INVALID: bad(),
  ERR_SCHEMA_UNSUPPORTED_CHANGE: bad(),
  ERR_SCHEMA_DATA_LOSS: bad("send allow_data_loss: true to apply the drops"),
  ERR_PARAM: bad(),
  ERR_QUERY_NOT_FOUND: bad(),
  ERR_QUERY_NAME_REQUIRED: bad(),
  ERR_MUTATION_IN_READ: bad("send mutations to POST /graphs/{graph_id}/mutate"),
  ERR_READ_IN_MUTATION: bad("send reads to POST /graphs/{graph_id}/query"),
  ERR_NOT_SUPPORTED: bad(),
  ERR_D2_MIXED_MUTATION: bad(),
  ERR_KEY_CONFLICT: { status: 409, code: "conflict", expose: true },
  ERR_INTEGRITY: bad(),
  ERR_NDJSON: bad(),
  ERR_RESOURCE_LIMIT: { status: 413, code: "bad_request", expose: true },
  ERR_UNKNOWN_TYPE: bad(),
  ERR_MERGE_CONFLICT: { status: 409, code: "conflict", expose: true },
  ERR_MERGE_UNRELATED: { status: 409, code: "conflict", expose: true },
  // engine: per-query budgets (resource_limit names the budget)
  ERR_QUERY_TIME_BUDGET: { status: 413, code: "bad_request", expose: true },
  ERR_QUERY_ROWS_BUDGET: { status: 413, code: "bad_request", expose: true },
  ERR_QUERY_BYTES_BUDGET: { status: 413, code: "bad_request", expose: true },
  // config (never expected on a request path)
  ERR_CONFIG_INVALID: internal("the server is misconfigured"),
  // auth
  ERR_UNAUTHENTICATED: { status: 401, code: "unauthorized", expose: true },
  ERR_AUTH_SCHEME: { status: 401, code: "unauthorized", expose: true },
  ERR_TOKEN_INVALID: { status: 401, code: "unauthorized", expose: true },
  ERR_TOKEN_ALGORITHM: { status: 401, code: "unauthorized", expose: true },
  ERR_TOKEN_EXPIRED: { status: 401, code: "unauthorized", expose: true },
  ERR_TOKEN_NOT_YET_VALID: { status: 401, code: "unauthorized", expose: true },
  ERR_TOKEN_CLAIM: { status: 401, code: "unauthorized", expose: true },
  ERR_JWKS_NO_MATCHING_KEY: { status: 401, code: "unauthorized", expose: true },
  ERR_TENANT_MISMATCH: { status: 401, code: "unauthorized", expose: true },
  ERR_JWKS_STALE: { status: 503, code: null, expose: true, retryAfter: 30 },
  ERR_JWKS_UNAVAILABLE: { status: 503, code: null, expose: true, retryAfter: 30 },
  ERR_ACTOR_NOT_ALLOWED: { status: 403, code: "forbidden", expose: true },
  ERR_FORBIDDEN: { status: 403, code: "forbidden", expose: true },
  ERR_TOO_MANY_REQUESTS: { status: 429, code: "too_many_requests", expose: true, retryAfter: 60 },
  ERR_TOKENS_INVALID: internal("the server's token table is invalid"),
  ERR_AUTH_CONFIG: internal("the server's auth configuration is invalid"),
  ERR_POLICY_INVALID: internal("the server's policy bundle is invalid"),
  // runtime
  ERR_GRAPH_QUARANTINED: { status: 503, code: null, expose: true },
  ERR_WRITE_ON_READER: { status: 409, code: "conflict", expose: true },
  ERR_NOT_READY: { status: 503, code: null, expose: true, retryAfter: 1 },
  // http
  ERR_ROUTE_NOT_FOUND: { status: 404, code: "not_found", expose: true },
  ERR_METHOD_NOT_ALLOWED: { status: 405, code: "method_not_allowed", expose: true },
  ERR_MALFORMED_JSON: bad(),
  ERR_REQUEST_INVALID: bad(),
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, code: "bad_request", expose: true },
  ERR_BODY_TOO_LARGE: { status: 413, code: "bad_request", expose: true },
  ERR_GRAPH_ID_INVALID: bad(),
  ERR_PRECONDITION_HEADER: bad(),
  ERR_ADMISSION: { status: 429, code: "too_many_requests", expose: true, retryAfter: 60 },
  ERR_INTERNAL: internal(),
};

/** What the error middleware sends, and what it logs. */
export interface ErrorResponse {
  status: number;
  body: ErrorOutput & { error_code: AnyErrorCode; request_id: string; [k: string]: unknown };
  headers: Record<string, string>;
  /** The typed code, or ERR_INTERNAL for anything untyped. */
  errorCode: AnyErrorCode;
  /** True when the client saw a generic message instead of the error's own. */
  hidden: boolean;
}

type Typed = { code: AnyErrorCode; message: string; detail?: Record<string, unknown> | undefined };

function typedOf(e: unknown): Typed | undefined {
  if (e instanceof StorageError || e instanceof StoreError || e instanceof EngineError || e instanceof ConfigError || e instanceof AuthError || e instanceof RuntimeError || e instanceof HttpError) {
    const code = e.code as AnyErrorCode;
    if (!(code in ERROR_TABLE)) return undefined;
    return { code, message: e.message, detail: "detail" in e ? (e.detail as Record<string, unknown> | undefined) : undefined };
  }
  return undefined;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Table key `node:<typeId>` → entity kind and a type label. */
function tableOf(table: unknown): { entity_kind: "node" | "edge"; type_name: string } {
  const [kind, id] = String(table).split(":");
  return { entity_kind: kind === "edge" ? "edge" : "node", type_name: id ?? String(table) };
}

/** The structured detail field OmniGraph defines for this error, if any. */
function detailFields(e: unknown, t: Typed): Record<string, unknown> {
  const d = t.detail ?? {};
  switch (t.code) {
    case "ERR_MERGE_CONFLICT":
      return e instanceof MergeConflictError ? { merge_conflicts: e.conflicts.map(toMergeConflictOutput) } : {};
    case "ERR_KEY_CONFLICT":
      return d.type_name !== undefined ? { key_conflict: { entity_kind: d.entity_kind, type_name: d.type_name, ...(d.entity_id !== undefined ? { entity_id: str(d.entity_id) } : {}) } } : {};
    case "ERR_READ_SET_CONFLICT":
      return { read_set_conflict: { member: String(d.member ?? "graph"), expected: str(d.expected), actual: str(d.actual) } };
    case "ERR_MANIFEST_CONFLICT":
      if (typeof d.expected === "number" && typeof d.actual === "number") {
        return { published_dataset_version_conflict: { ...tableOf(d.table), expected_published_dataset_version: d.expected, actual_published_dataset_version: d.actual } };
      }
      return {};
    case "ERR_GRAPH_COMMIT_PRECONDITION":
      return { precondition_failure: { expected: String(d.expected ?? ""), actual: str(d.actual) } };
    case "ERR_RESOURCE_LIMIT":
    case "ERR_BODY_TOO_LARGE":
    case "ERR_QUERY_TIME_BUDGET":
    case "ERR_QUERY_ROWS_BUDGET":
    case "ERR_QUERY_BYTES_BUDGET":
      return typeof d.limit === "number" ? { resource_limit: { resource: String(d.resource), limit: d.limit, actual: typeof d.actual === "number" ? d.actual : d.limit + 1 } } : {};
    case "ERR_WRITE_ON_READER":
    case "ERR_READ_ONLY":
      return d.writer_url ? { writer_url: d.writer_url } : {};
    default:
      return {};
  }
}

/**
 * Maps any thrown value to the response the client sees. `graphId` fills the route
 * hint; untyped errors become 500 `internal` with only the request id.
 */
export function toErrorResponse(e: unknown, requestId: string, graphId?: string | null): ErrorResponse {
  const t = typedOf(e);
  const code: AnyErrorCode = t?.code ?? "ERR_INTERNAL";
  const row = ERROR_TABLE[code];
  let message = t && row.expose ? t.message : row.message ?? "internal error";
  if (row.hint) message = `${message}; ${row.hint.replace("{graph_id}", graphId ?? "{graph_id}")}`;
  if (row.status >= 500) message = `${message} (request id ${requestId})`;
  const headers: Record<string, string> = { ...(e instanceof HttpError ? e.headers : {}) };
  if (row.retryAfter !== undefined) headers["retry-after"] = String(e instanceof AuthError && e.retryAfterSeconds !== undefined ? e.retryAfterSeconds : row.retryAfter);
  const body: ErrorResponse["body"] = {
    error: message,
    ...(row.code ? { code: row.code } : {}),
    ...(t && row.expose ? detailFields(e, t) : {}),
    error_code: code,
    request_id: requestId,
  };
  return { status: row.status, body, headers, errorCode: code, hidden: !t || !row.expose };
}
