import { isStorageError } from "../../../drivers/errors.ts";
import { StoreError } from "../errors.ts";
import type { GraphLocation } from "../layout.ts";
import { BranchIndexCodec } from "./branch-index.ts";
import type { BranchRecord, BranchState, ManifestEntry } from "./entry.ts";

/** Immutable entries are cached forever (bounded); this many per graph handle. */
const ENTRY_CACHE_MAX = 4096;

/** How many entries {@link ManifestLog.onlyRowPreservingSince} reads at most. */
export const ROW_PRESERVING_WALK_MAX = 64;

export interface BranchView {
  record: BranchRecord;
  state: BranchState;
  /** The entry that holds the state (may be older than the head). */
  entry: ManifestEntry;
}

/**
 * The `__manifest` log: numbered, immutable entries created with create-only writes.
 * Entry n+1 is the linearisation point of a commit; two writers racing for it cannot
 * both win. See docs/design/manifest.md for the format and request costs.
 *
 * Head discovery never LISTs:
 * - warm (we know a recent head h): GET entry h+1 ‖ GET entry h+2 — one round trip, two
 *   requests, when h or h+1 is the head. Entries are dense (a writer only creates n+1
 *   after reading n), so a missing h+1 proves h is still the head, and a missing h+2
 *   proves h+1 is: any later entry acknowledged before the check began implies h+2 exists.
 * - two or more behind (h+2 exists) or cold: start from the hint (a copy of a recent
 *   entry), then gallop (h+1, h+2, h+4, …) and binary-search the first missing
 *   sequence: O(log gap) GETs.
 */
export class ManifestLog {
  private readonly cache = new Map<number, ManifestEntry>();
  private hint: { version: string; entry: ManifestEntry } | undefined;
  /** Highest sequence known to exist. */
  private known: ManifestEntry | undefined;

  /** Called with every entry this log reads or appends (the transaction index listens). */
  onEntry: ((e: ManifestEntry) => void) | undefined;

  /** Stored ⇄ materialised entries (the branch index above the inline threshold). */
  readonly codec: BranchIndexCodec;

  constructor(readonly loc: GraphLocation, codec?: BranchIndexCodec) {
    this.codec = codec ?? new BranchIndexCodec(loc);
  }

  private remember(e: ManifestEntry): ManifestEntry {
    if (!this.cache.has(e.seq)) this.onEntry?.(e);
    if (this.cache.size >= ENTRY_CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(e.seq, e);
    if (!this.known || e.seq > this.known.seq) this.known = e;
    return e;
  }

  /** Reads entry `seq`, or undefined if it does not exist (yet). */
  async tryRead(seq: number): Promise<ManifestEntry | undefined> {
    const hit = this.cache.get(seq);
    if (hit) return hit;
    const key = this.loc.logKey(seq);
    try {
      const got = await this.loc.store.get(key);
      const entry = await this.codec.decode(got.body, key);
      if (entry.seq !== seq) throw new StoreError("ERR_MANIFEST_CORRUPT", `manifest object ${key} claims sequence ${entry.seq}`, { key });
      return this.remember(entry);
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) return undefined;
      throw e;
    }
  }

  async read(seq: number): Promise<ManifestEntry> {
    const e = await this.tryRead(seq);
    if (!e) throw new StoreError("ERR_MANIFEST_CORRUPT", `manifest entry ${seq} is missing`, { seq, key: this.loc.logKey(seq) });
    return e;
  }

  /** The last entry this handle has seen, without any request. */
  get lastKnown(): ManifestEntry | undefined {
    return this.known;
  }

  /**
   * The current head entry, consistent with every commit acknowledged before the call
   * started; undefined for a graph with no entries.
   */
  async head(): Promise<ManifestEntry | undefined> {
    const known = this.known;
    if (known) {
      // Probing h+1 and h+2 (rather than the hint and h+1) keeps "one commit since" — a
      // reader behind a writer — at one round trip: the hint alone never proves a head.
      let [next, after] = await Promise.all([this.tryRead(known.seq + 1), this.tryRead(known.seq + 2)]);
      if (!next && after) next = await this.recheck(known.seq + 1);
      if (!after) return next ?? known;
      await this.refreshHint();
      if (this.hint && this.hint.entry.seq > after.seq) return (await this.gallopFromSeq(this.hint.entry.seq)) ?? this.gallop(after);
      return this.gallop(after);
    }
    await this.refreshHint();
    if (this.hint) {
      const found = await this.gallopFromSeq(this.hint.entry.seq);
      if (found) return found;
    }
    const first = await this.tryRead(1);
    return first ? this.gallop(first) : undefined;
  }

  /**
   * Starts from the hint's sequence, reading the LOG object there (the hint is a copy
   * and never proves an entry: a corrupt log object at that sequence must be seen the
   * same way the warm path sees it) together with the next two, in one round trip.
   * Undefined when the log has no entry there (the hint is ahead of a lost entry).
   */
  private async gallopFromSeq(seq: number): Promise<ManifestEntry | undefined> {
    let [at, next, after] = await Promise.all([this.tryRead(seq), this.tryRead(seq + 1), this.tryRead(seq + 2)]);
    if (!at) return undefined;
    if (!next && after) next = await this.recheck(seq + 1);
    if (!next) return at;
    if (!after) return next;
    return this.gallop(after);
  }

  /**
   * From an entry known to exist, finds the last existing one. Every probe of a
   * sequence s also reads s+1 in the same round trip, so the head h is only returned
   * once h+1 is known missing AND h+2 too: a hole right after the head is corruption
   * on this (cold) path exactly as on the warm one.
   */
  private async gallop(from: ManifestEntry): Promise<ManifestEntry> {
    let lo = from; // exists
    let step = 1;
    let hi: number; // first sequence known missing
    for (;;) {
      const [probe, beyond] = await Promise.all([this.tryRead(lo.seq + step), step === 1 ? this.tryRead(lo.seq + 2) : Promise.resolve(undefined)]);
      if (!probe) {
        if (beyond) {
          lo = await this.recheck(lo.seq + 1);
          continue;
        }
        hi = lo.seq + step;
        break;
      }
      lo = probe;
      step *= 2;
    }
    while (hi - lo.seq > 1) {
      const mid: number = lo.seq + Math.floor((hi - lo.seq) / 2);
      const probe = await this.tryRead(mid);
      if (probe) lo = probe;
      else hi = mid;
    }
    if (hi !== lo.seq + 1 || step !== 1) {
      // Binary search ended at lo (lo+1 missing): make sure lo+2 is missing too.
      if (await this.tryRead(lo.seq + 2)) return this.gallop(await this.recheck(lo.seq + 1));
    }
    return lo;
  }

  /**
   * The head rule's one exception: entries are dense, so entry n+1 missing while n+2
   * exists means an entry was lost (not a head). Both paths refuse it the same way.
   */
  /**
   * Seen: `missing` absent and a later entry present. Parallel probes can see that
   * during a race (the GET of n+1 served before n+1 was created, the GET of n+2 after
   * n+2 was); a writer creates n+2 only after n+1 exists, so reading n+1 again now is
   * authoritative: present → the race, absent → a real hole.
   */
  private async recheck(missing: number): Promise<ManifestEntry> {
    const e = await this.tryRead(missing);
    if (e) return e;
    throw this.hole(missing);
  }

  private hole(missing: number): StoreError {
    const key = this.loc.logKey(missing);
    return new StoreError("ERR_MANIFEST_CORRUPT", `manifest entry ${missing} is missing but a later one exists (a hole in the log); run \`omnigraph repair\``, { key, seq: missing, hole: true });
  }

  /** GETs the hint (conditionally, when we hold a copy). Never throws on a missing hint. */
  private async refreshHint(): Promise<void> {
    try {
      const got = this.hint
        ? await this.loc.store.get(this.loc.hintKey, { ifNoneMatch: this.hint.version })
        : await this.loc.store.get(this.loc.hintKey);
      if (!got) return;
      const entry = await this.codec.decode(got.body, this.loc.hintKey);
      // Not cached as the log entry: only the log object itself counts. A GET answered
      // before our own (after-commit) advance must not replace the newer copy we wrote.
      if (this.hint && this.hint.entry.seq > entry.seq && this.hint.version !== got.version) return;
      this.hint = { version: got.version, entry };
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) return;
      // A corrupt hint is not fatal: it is only an optimisation. Fall back to probing.
      if (e instanceof StoreError && e.code === "ERR_MANIFEST_CORRUPT") return;
      throw e;
    }
  }

  /**
   * Publishes `entry` at its sequence with a create-only write. Throws the storage
   * layer's ERR_PRECONDITION_FAILED when another writer took that sequence.
   */
  async append(entry: ManifestEntry): Promise<void> {
    await this.loc.store.put(this.loc.logKey(entry.seq), await this.codec.encode(entry), {
      ifNoneMatch: "*",
      writerToken: entry.writer,
      contentType: "application/json",
    });
    this.remember(entry);
  }

  /**
   * Moves the hint forward to `entry` (best effort; never backwards). Compare-and-swap
   * on the hint's version, so a slow writer cannot replace a newer hint with an older one.
   */
  async advanceHint(entry: ManifestEntry): Promise<void> {
    // Our copy is older than the entry before this one: another writer published in
    // between and has most likely moved the hint (warm head checks do not re-read it).
    // One GET now instead of a compare-and-swap bound to fail.
    if (this.hint && this.hint.entry.seq < entry.seq - 1) await this.refreshHint();
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.hint && this.hint.entry.seq >= entry.seq) return;
      try {
        const { version } = await this.loc.store.put(
          this.loc.hintKey,
          await this.codec.encode(entry),
          this.hint ? { ifMatch: this.hint.version, contentType: "application/json" } : { ifNoneMatch: "*", contentType: "application/json" },
        );
        this.hint = { version, entry };
        return;
      } catch (e) {
        if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
        // Someone else moved it (or our copy was stale): look again.
        this.hint = undefined;
        await this.refreshHint();
      }
    }
  }

  /**
   * Did a branch get from entry `sinceSeq` to its head entry `headSeq` only through
   * entries that keep every row? Those are maintenance commits (compaction, index
   * builds, version cleanup — the store verifies their rows) and the branch's own
   * creation (its source's state, unchanged). Walks first parents from `headSeq`, at
   * most {@link ROW_PRESERVING_WALK_MAX} entries (cached after the first read); any other
   * kind, or a longer chain, is a change. Automatic maintenance publishes on its own
   * schedule, so what a client observes (a merge's outcome, an `If-Graph-Commit`
   * precondition) must not depend on whether a duty happened to run in between.
   */
  async onlyRowPreservingSince(headSeq: number, sinceSeq: number): Promise<boolean> {
    let seq = headSeq;
    for (let steps = 0; seq > sinceSeq && steps < ROW_PRESERVING_WALK_MAX; steps++) {
      const e = await this.read(seq);
      if ((e.kind !== "maintenance" && e.kind !== "branch_create") || e.parents[0] === undefined) return false;
      seq = e.parents[0];
    }
    return seq === sinceSeq;
  }

  /** The state of `branch` as of `head`. */
  async branch(head: ManifestEntry, branch: string): Promise<BranchView | undefined> {
    const record = head.branches[branch];
    if (!record) return undefined;
    const entry = record.seq === head.seq ? head : await this.read(record.seq);
    if (!entry.state) throw new StoreError("ERR_MANIFEST_CORRUPT", `entry ${entry.seq} holds no state for branch ${branch}`, { seq: entry.seq, branch });
    return { record, state: entry.state, entry };
  }
}
