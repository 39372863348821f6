import { createHash } from "node:crypto";
import { StoreError } from "./errors.ts";
import type { ManifestEntry } from "./manifest/entry.ts";

/**
 * Request fingerprints for idempotency keys: a hash of a canonical form of what a
 * request asks (its operation, branch and body/parameters), recorded with the key in
 * the manifest entry (per request inside a group-commit batch). A later request with
 * the same key is the same request only if its fingerprint is the same; otherwise it
 * gets {@link IdempotencyKeyReused} instead of the first request's result.
 */

/**
 * Canonical JSON — the one implementation (request fingerprints here, stored catalogs in
 * the engine): object keys sorted at every level, `undefined` members dropped (`null`
 * inside arrays, as JSON.stringify does), bigints and bytes as strings. A top-level
 * `undefined` gives `undefined`, so it never equals `null`.
 */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "bigint") return JSON.stringify(`${v}n`);
  if (typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString("base64"));
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
}

/** The fingerprint of operation `op` with the request's fields (`sha256:` + hex). */
export function requestFingerprint(op: string, fields: Record<string, unknown>): string {
  return `sha256:${createHash("sha256").update(canonicalJson({ op, ...fields })).digest("hex")}`;
}

/**
 * The fingerprint recorded for `key` in `entry`: the entry's own, or the one of the
 * batch member carrying the key (group commit). Undefined for entries written before
 * fingerprints were recorded (nothing to compare against).
 */
export function recordedFingerprint(entry: ManifestEntry, key: string): string | undefined {
  if (entry.idempotencyKey === key) return entry.fingerprint;
  const batch = (entry.replay as { batch?: { idempotencyKey?: unknown; fingerprint?: unknown }[] } | undefined)?.batch;
  if (Array.isArray(batch)) {
    const hit = batch.find((b) => b?.idempotencyKey === key);
    if (typeof hit?.fingerprint === "string") return hit.fingerprint;
  }
  return undefined;
}

/** An idempotency key was already used for a different request. */
export class IdempotencyKeyReused extends StoreError {
  static readonly code = "ERR_IDEMPOTENCY_KEY_REUSED";
  constructor(readonly idempotencyKey: string, readonly commit: string | null, what: string) {
    super("ERR_IDEMPOTENCY_KEY_REUSED", `idempotency key '${idempotencyKey}' was already used for a different request (${what}${commit ? `, commit ${commit}` : ""}); send a new key for a new request`, { idempotencyKey, commit });
  }
}

/**
 * Throws {@link IdempotencyKeyReused} unless `entry` (found by `key`) published the
 * same request: same fingerprint when both sides have one; otherwise (an entry from
 * before fingerprints, or a store-level caller without one) at least the same kind of
 * operation on the same branch.
 */
export function assertSameRequest(entry: ManifestEntry, key: string, req: { fingerprint?: string | undefined; kind: ManifestEntry["kind"]; branch: string }): void {
  const recorded = recordedFingerprint(entry, key);
  if (recorded !== undefined && req.fingerprint !== undefined) {
    if (recorded !== req.fingerprint) throw new IdempotencyKeyReused(key, entry.commitId, `a ${entry.kind} of '${entry.branch}' with another body`);
    return;
  }
  if (entry.kind !== req.kind || entry.branch !== req.branch) {
    throw new IdempotencyKeyReused(key, entry.commitId, `a ${entry.kind} of '${entry.branch}'`);
  }
}
