/**
 * Typed errors of the graph store. Codes are stable; the server maps them to HTTP
 * status in one table. Structured details (`table`, `expected`, `actual`) travel with
 * the error so the HTTP layer can fill OmniGraph's conflict bodies.
 */
export type StoreErrorCode =
  | "ERR_MANIFEST_CONFLICT"
  | "ERR_READ_SET_CONFLICT"
  | "ERR_GRAPH_COMMIT_PRECONDITION"
  | "ERR_READ_ONLY"
  | "ERR_GRAPH_NOT_FOUND"
  | "ERR_BRANCH_NOT_FOUND"
  | "ERR_BRANCH_EXISTS"
  | "ERR_BRANCH_INVALID"
  | "ERR_BRANCH_HAS_DEPENDENTS"
  | "ERR_COMMIT_NOT_FOUND"
  /** A table key that is not part of the branch (not a Lance failure). */
  | "ERR_TABLE_NOT_FOUND"
  | "ERR_MANIFEST_CORRUPT"
  | "ERR_SNAPSHOT_EXPIRED"
  | "ERR_COMMIT_OUTCOME_UNKNOWN"
  | "ERR_IDEMPOTENCY_KEY_INVALID"
  /** The idempotency key was already used for a different request (fingerprint differs). */
  | "ERR_IDEMPOTENCY_KEY_REUSED"
  | "ERR_TENANT_REQUIRED"
  | "ERR_GRAPH_ID_INVALID"
  | "ERR_LEASE_HELD"
  | "ERR_LEASE_LOST"
  | "ERR_FAILPOINT"
  | "ERR_LANCE";

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly detail: Record<string, unknown>;
  constructor(code: StoreErrorCode, message: string, detail: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "StoreError";
    this.code = code;
    this.detail = detail;
  }
}

/** A concurrent commit changed a table this transaction wrote: `published_dataset_version_conflict`. */
export class ManifestConflict extends StoreError {
  static readonly code = "ERR_MANIFEST_CONFLICT";
  constructor(readonly table: string, readonly expected: number | null, readonly actual: number | null, message?: string) {
    super("ERR_MANIFEST_CONFLICT", message ?? `table ${table} moved from version ${expected} to ${actual} while this commit was in flight; retry on the new head`, { table, expected, actual });
  }
}

/** A concurrent commit changed something this transaction read (a table, the schema, the branch). */
export class ReadSetConflict extends StoreError {
  static readonly code = "ERR_READ_SET_CONFLICT";
  constructor(readonly member: string, readonly expected: string | number | null, readonly actual: string | number | null) {
    super("ERR_READ_SET_CONFLICT", `${member} changed (${expected} → ${actual}) while this commit was in flight; retry on the new head`, { member, expected, actual });
  }
}

/** `Omnigraph-If-Graph-Commit` did not match the branch head. */
export class GraphCommitPreconditionFailed extends StoreError {
  static readonly code = "ERR_GRAPH_COMMIT_PRECONDITION";
  constructor(readonly expected: string, readonly actual: string | null) {
    super("ERR_GRAPH_COMMIT_PRECONDITION", `the branch head is ${actual ?? "absent"}, not the expected commit ${expected}`, { expected, actual });
  }
}

/**
 * The store cannot tell whether a write was published: a storage failure hid the
 * outcome. The transaction may still become visible (a later recovery sweep can roll it
 * forward); resolve it with `Graph.findTransaction({txId})` or by retrying with the same
 * idempotency key, which returns the original result if it did commit.
 */
export class CommitOutcomeUnknown extends StoreError {
  static readonly code = "ERR_COMMIT_OUTCOME_UNKNOWN";
  constructor(readonly txId: string, readonly idempotencyKey: string | null, cause?: unknown) {
    super("ERR_COMMIT_OUTCOME_UNKNOWN", `the outcome of transaction ${txId} is unknown (storage failed while publishing it); look it up by transaction id or retry with the same idempotency key`, { txId, idempotencyKey }, cause);
  }
}

/** Another process holds the graph's lease for this duty. */
export class LeaseHeld extends StoreError {
  static readonly code = "ERR_LEASE_HELD";
  /** `alive`: the holder was seen renewing while we waited (it is running, e.g. a server). */
  constructor(readonly duty: string, readonly holder: string, readonly epoch: number, readonly alive = false) {
    super("ERR_LEASE_HELD", alive
      ? `the ${duty} lease of this graph is held by ${holder} (epoch ${epoch}), which is running and renewing it; send writes to that process (e.g. omnigraph --server <url> --graph <id>), or stop it first`
      : `the ${duty} lease of this graph is held by ${holder} (epoch ${epoch}); open read-only, or wait until that writer closes or its lease expires`, { duty, holder, epoch, alive });
  }
}

/** This handle's lease was taken over (or could not be renewed): it stops writing. */
export class LeaseLost extends StoreError {
  static readonly code = "ERR_LEASE_LOST";
  constructor(readonly duty: string, readonly epoch: number, reason: string) {
    super("ERR_LEASE_LOST", `this handle lost the ${duty} lease (epoch ${epoch}): ${reason}; reopen the graph to write again`, { duty, epoch });
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
