import { createHash } from "node:crypto";
import { z } from "zod";
import { isStorageError } from "../../../drivers/errors.ts";
import { parseStoredJson } from "../stored-json.ts";
import { StoreError } from "../errors.ts";
import type { GraphLocation } from "../layout.ts";
import { BranchRecordSchema, ManifestEntrySchema, type BranchRecord, type ManifestEntry } from "./entry.ts";

/**
 * The branch index of an entry, bounded (docs/design/write-path.md, "Entry size").
 *
 * Every entry carries every live branch's record. Up to {@link INLINE_MAX_BRANCHES}
 * branches they are inline (`branches`), exactly as before: small graphs do not change.
 * Above it, the entry carries `branchIndex` instead: the hash of a content-addressed
 * base object (`__manifest/branches/<sha256>.json`, immutable, create-only) holding
 * the records as of some earlier entry, plus the records that changed since and the
 * names removed since. A commit changes one record (its branch's seq and head), so
 * consecutive entries share the base and each carries a small delta; a writer writes a
 * new base once the delta passes {@link MAX_DELTA} records. Readers cache bases by
 * hash, so a warm reader reading the next entry adds no request; a cold reader adds one
 * GET (the base) to its first entry read.
 */
export const INLINE_MAX_BRANCHES = 256;
export const MAX_DELTA = 64;

export const BranchIndexRefSchema = z.object({
  /** sha256 (hex) of the base object's body. */
  base: z.string().regex(/^[0-9a-f]{64}$/),
  /** Live branches after this entry (a check on the materialised index). */
  count: z.number().int().nonnegative(),
  /** Records that differ from the base (new or changed branches). */
  changed: z.record(z.string(), BranchRecordSchema),
  /** Branches of the base that no longer exist. */
  removed: z.array(z.string()),
});
export type BranchIndexRef = z.infer<typeof BranchIndexRefSchema>;

/** An entry as stored: inline `branches`, or `branchIndex` referring to a base object. */
export const WireEntrySchema = ManifestEntrySchema.extend({
  branches: ManifestEntrySchema.shape.branches.optional(),
  branchIndex: BranchIndexRefSchema.optional(),
});
export type WireEntry = z.infer<typeof WireEntrySchema>;

const BaseSchema = z.record(z.string(), BranchRecordSchema);

export function branchIndexKey(loc: GraphLocation, hash: string): string {
  return loc.key(`__manifest/branches/${hash}.json`);
}

/** Parses a stored entry (either form); ERR_MANIFEST_CORRUPT when it is neither. */
export function decodeWire(body: Buffer, key: string): WireEntry {
  const w = parseStoredJson(body, key, WireEntrySchema, "manifest object");
  if ((w.branches === undefined) === (w.branchIndex === undefined)) {
    throw new StoreError("ERR_MANIFEST_CORRUPT", `manifest object ${key} must carry exactly one of branches and branchIndex`, { key });
  }
  return w;
}

const sameRecord = (a: BranchRecord | undefined, b: BranchRecord): boolean =>
  !!a && a.id === b.id && a.seq === b.seq && a.head === b.head && (a.from?.branch ?? null) === (b.from?.branch ?? null) && (a.from?.seq ?? null) === (b.from?.seq ?? null);

/**
 * Reads and writes branch index bases of one graph and turns entries between their
 * stored and materialised forms. One per {@link ManifestLog} (and per repair run).
 */
export class BranchIndexCodec {
  /** Bases by hash (immutable): the few most recent. */
  private readonly bases = new Map<string, Record<string, BranchRecord>>();
  /** How each entry this codec saw was stored: its base hash, or null when inline. */
  private readonly baseOf = new Map<number, string | null>();

  constructor(readonly loc: GraphLocation, private readonly limits = { inlineMax: INLINE_MAX_BRANCHES, maxDelta: MAX_DELTA }) {}

  private keep(hash: string, base: Record<string, BranchRecord>): void {
    this.bases.delete(hash);
    this.bases.set(hash, base);
    while (this.bases.size > 4) this.bases.delete(this.bases.keys().next().value!);
  }

  private noteSeq(seq: number, base: string | null): void {
    this.baseOf.set(seq, base);
    if (this.baseOf.size > 4096) this.baseOf.delete(this.baseOf.keys().next().value!);
  }

  private async base(hash: string): Promise<Record<string, BranchRecord>> {
    const hit = this.bases.get(hash);
    if (hit) return hit;
    const key = branchIndexKey(this.loc, hash);
    let body: Buffer;
    try {
      body = (await this.loc.store.get(key)).body;
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) throw new StoreError("ERR_MANIFEST_CORRUPT", `branch index ${key} is missing`, { key });
      throw e;
    }
    if (createHash("sha256").update(body).digest("hex") !== hash) throw new StoreError("ERR_MANIFEST_CORRUPT", `branch index ${key} does not match its hash`, { key });
    const parsed: Record<string, BranchRecord> = parseStoredJson(body, key, BaseSchema, "branch index");
    this.keep(hash, parsed);
    return parsed;
  }

  /** The materialised entry (every live branch's record in `branches`). */
  async materialize(w: WireEntry, key: string): Promise<ManifestEntry> {
    const { branchIndex, branches, ...rest } = w;
    if (!branchIndex) {
      this.noteSeq(w.seq, null);
      return { ...rest, branches: branches! };
    }
    const all: Record<string, BranchRecord> = { ...(await this.base(branchIndex.base)) };
    for (const name of branchIndex.removed) delete all[name];
    Object.assign(all, branchIndex.changed);
    if (Object.keys(all).length !== branchIndex.count) {
      throw new StoreError("ERR_MANIFEST_CORRUPT", `manifest object ${key} lists ${branchIndex.count} branches but its index holds ${Object.keys(all).length}`, { key });
    }
    this.noteSeq(w.seq, branchIndex.base);
    return { ...rest, branches: all };
  }

  /** Reads and materialises a stored entry. */
  async decode(body: Buffer, key: string): Promise<ManifestEntry> {
    return this.materialize(decodeWire(body, key), key);
  }

  /**
   * The stored form of `entry`: inline at or below the threshold; otherwise relative to
   * the base its predecessor used (when this codec knows it and the delta stays small),
   * or a new base, written (create-only; an existing object with that hash is the same
   * content) before the entry can refer to it.
   */
  async encode(entry: ManifestEntry): Promise<Buffer> {
    const names = Object.keys(entry.branches);
    const { branches, ...rest } = entry;
    if (names.length <= this.limits.inlineMax) {
      this.noteSeq(entry.seq, null);
      return Buffer.from(JSON.stringify(entry));
    }
    const prior = this.baseOf.get(entry.seq) ?? this.baseOf.get(entry.seq - 1);
    if (prior) {
      const base = this.bases.get(prior);
      const ref = base && this.delta(prior, base, branches);
      if (ref) {
        this.noteSeq(entry.seq, prior);
        return Buffer.from(JSON.stringify({ ...rest, branchIndex: ref }));
      }
    }
    const sorted = Object.fromEntries(names.sort().map((n) => [n, branches[n]!]));
    const body = Buffer.from(JSON.stringify(sorted));
    const hash = createHash("sha256").update(body).digest("hex");
    try {
      await this.loc.store.put(branchIndexKey(this.loc, hash), body, { ifNoneMatch: "*", contentType: "application/json" });
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
    }
    this.keep(hash, sorted);
    this.noteSeq(entry.seq, hash);
    const ref: BranchIndexRef = { base: hash, count: names.length, changed: {}, removed: [] };
    return Buffer.from(JSON.stringify({ ...rest, branchIndex: ref }));
  }

  private delta(hash: string, base: Record<string, BranchRecord>, now: Record<string, BranchRecord>): BranchIndexRef | undefined {
    const changed: Record<string, BranchRecord> = {};
    const removed: string[] = [];
    let n = 0;
    for (const [name, r] of Object.entries(now)) {
      if (!sameRecord(base[name], r)) {
        changed[name] = r;
        if (++n > this.limits.maxDelta) return undefined;
      }
    }
    for (const name of Object.keys(base)) {
      if (!(name in now)) {
        removed.push(name);
        if (++n > this.limits.maxDelta) return undefined;
      }
    }
    return { base: hash, count: Object.keys(now).length, changed, removed };
  }
}
