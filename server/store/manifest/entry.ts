import { z } from "zod";
import { parseStoredJson } from "../stored-json.ts";

/**
 * The `__manifest` entry format (docs/design/manifest.md). Every entry is
 * self-sufficient for the branch it is about: it carries that branch's full state
 * (table → Lance branch + version, schema) and the index of every live branch (name →
 * the entry holding its state). Reading any branch at any head therefore costs at most
 * one more GET than the head check, whatever the history length: every entry is a
 * checkpoint.
 */

export const TableStateSchema = z.object({
  /** Dataset path relative to the graph prefix (`data/<table>.lance`). */
  path: z.string(),
  /** Lance dataset version that belongs to the graph state. */
  version: z.number().int().nonnegative(),
  /** Lance per-table branch holding that version; null = Lance main. */
  lanceBranch: z.string().nullable(),
  /**
   * Id of the graph branch that writes this Lance branch in place. Any other graph
   * branch that inherits the table forks it (a new Lance branch) on its first write.
   */
  owner: z.string(),
  /** Row count at that version, when known (cheap `SnapshotOutput.entity_count`). */
  rows: z.number().int().nonnegative().nullable(),
});
export type TableState = z.infer<typeof TableStateSchema>;

/** The same Lance version of the same line (row counts and owner aside); two absent states are the same. */
export function sameTableState(a: TableState | undefined, b: TableState | undefined): boolean {
  if (!a || !b) return a === b;
  return a.path === b.path && a.lanceBranch === b.lanceBranch && a.version === b.version;
}

export const BranchStateSchema = z.object({
  /** Table key (`node:<typeId>` / `edge:<typeId>`) → state. */
  tables: z.record(z.string(), TableStateSchema),
  /** Content hash of the accepted schema object (`__schema/<hash>.json`), null before any schema. */
  schema: z.string().nullable(),
});
export type BranchState = z.infer<typeof BranchStateSchema>;

export const BranchRecordSchema = z.object({
  /** Short id, unique per branch incarnation; names the branch's Lance branches. */
  id: z.string(),
  /** Entry holding the branch's current state. */
  seq: z.number().int().positive(),
  /** Head commit id of the branch. */
  head: z.string(),
  /** Where it was forked from (absent for main). */
  from: z.object({ branch: z.string(), seq: z.number().int().positive() }).nullable(),
});
export type BranchRecord = z.infer<typeof BranchRecordSchema>;

export const ENTRY_KINDS = [
  "init", "commit", "load", "schema", "merge", "branch_create", "branch_delete", "recovery", "maintenance", "lease", "repair",
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export const ManifestEntrySchema = z.object({
  format: z.literal(1),
  seq: z.number().int().positive(),
  commitId: z.string().length(26),
  kind: z.enum(ENTRY_KINDS),
  /** The branch this entry is about (authored branch; the deleted one for branch_delete). */
  branch: z.string(),
  /** Parent commits as manifest sequence numbers: [previous head] or [previous head, merged source head]. */
  parents: z.array(z.number().int().positive()),
  /** The same parents as commit ids (so listing history needs no extra reads). */
  parentCommits: z.array(z.string()),
  actor: z.string().nullable(),
  timeUs: z.number().int().nonnegative(),
  /** Random token of the writer that created the entry: "is this entry ours?" after a lost response. */
  writer: z.string(),
  /** Full state of `branch` after this entry; null for branch_delete. */
  state: BranchStateSchema.nullable(),
  /** Every live branch after this entry. */
  branches: z.record(z.string(), BranchRecordSchema),
  /** Kind-specific facts (recovery outcome, maintenance job, merge outcome…). */
  note: z.record(z.string(), z.unknown()).optional(),
  /**
   * Writer lease epoch the entry was published under (docs/design/leases.md). Epochs
   * never decrease along the log; a writer refuses to publish on a newer epoch. Absent
   * on entries written before leases (= epoch 0).
   */
  epoch: z.number().int().nonnegative().optional(),
  /** Transaction id (the recovery sidecar's): `Graph.findTransaction({txId})`. */
  txId: z.string().optional(),
  /** The client's idempotency key: a repeated request returns this entry's result. */
  idempotencyKey: z.string().optional(),
  /** Fingerprint of the request that used the key (`fingerprint.ts`): a reuse with another request is refused. */
  fingerprint: z.string().optional(),
  /** What the caller needs to rebuild its original response on a replay (opaque JSON). */
  replay: z.record(z.string(), z.unknown()).optional(),
});
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

export function encodeEntry(e: ManifestEntry): Buffer {
  return Buffer.from(JSON.stringify(e));
}

export function decodeEntry(body: Buffer, key: string): ManifestEntry {
  return parseStoredJson(body, key, ManifestEntrySchema, "manifest object");
}

/** Table keys name a node or edge type by its stable id. */
export function tableKey(kind: "node" | "edge", typeId: string): string {
  return `${kind}:${typeId}`;
}

export function datasetPathFor(key: string): string {
  return `data/${key.replace(":", "_")}.lance`;
}
