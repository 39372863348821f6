import { isStorageError } from "../../drivers/errors.ts";
import { ManifestConflict, StoreError } from "./errors.ts";
import type { Graph } from "./graph.ts";
import type { ManifestEntry } from "./manifest/entry.ts";

/** How many times a publish re-reads the head and rebuilds its entry before giving up. */
export const MAX_PUBLISH_ATTEMPTS = 32;

/**
 * What to publish. `build` turns the head it is given into the entry to create at
 * head+1 (the caller's rebase and precondition rules live there and throw typed
 * conflicts); the loop owns everything else.
 */
export interface PublishPlan {
  /** The writer token every entry of this operation carries. */
  writer: string;
  /**
   * No entry at or before this sequence can be ours: the head known before the
   * operation wrote anything. Undefined = the first head this loop reads (an operation
   * whose first write is its entry).
   */
  afterSeq?: number | undefined;
  /** An entry after `afterSeq` carrying this key is the outcome too (the request was already published). */
  idempotencyKey?: string | undefined;
  build(head: ManifestEntry): Promise<ManifestEntry>;
  /**
   * Optimistic first attempt: build on the last head this handle knows (no head check)
   * and let the create-only PUT of head+1 detect a conflict. Safe because the log is
   * dense: if head+1 is free, the known head IS the head, so the rebase rules ran
   * against the current head. On 412 the loop continues as usual (own entry first,
   * head check, rebase rules). Fencing holds: `assertLeaseFor` runs on that head too,
   * and a newer epoch's fence entry occupies every slot up to itself.
   */
  optimistic?: boolean;
  /**
   * Awaited after the first attempt did not publish and before any further one (the
   * commit waits for its parallel sidecar CAS here: a sweep may have claimed the
   * transaction, and then no retry may publish it).
   */
  beforeRetry?: () => Promise<void>;
}

/**
 * Thrown when the publish cannot tell whether its entry landed: an entry write failed
 * with a storage error and reading that sequence back failed too. Every other error
 * from {@link publishEntry} means no entry of this writer exists in the log.
 */
export class PublishOutcomeUnknown extends Error {
  constructor(readonly seq: number, cause: unknown) {
    super(`could not tell whether manifest entry ${seq} was written`, { cause });
    this.name = "PublishOutcomeUnknown";
  }
}

/**
 * THE publish loop, shared by commits, branch operations, recovery and the lease fence:
 *
 * 1. read the head;
 * 2. own entry first: if an entry carrying our writer token exists after `afterSeq`
 *    (recovery published it for us, or a lost response hid our own success), that is
 *    the outcome: return it, before any rebase rule can call it a conflict;
 * 3. let the caller build the entry on that head (rebase / precondition checks);
 * 4. create it at head+1; on 412 re-read that sequence (ours → done, else loop); on a
 *    storage error, read it back: ours → done, someone else's → loop, absent → the
 *    write did not land (the error stands), unreadable → {@link PublishOutcomeUnknown}.
 *
 * The own-entry scan reads only sequences the head check has not already cached, so on
 * the normal path (head = the base) it costs no request. With `optimistic`, step 1 of
 * the first attempt uses the last known head without a request (see {@link PublishPlan}).
 */
export async function publishEntry(graph: Graph, plan: PublishPlan): Promise<ManifestEntry> {
  let scannedTo = plan.afterSeq;
  for (let attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++) {
    if (attempt === 1 && plan.beforeRetry) await plan.beforeRetry();
    const head = attempt === 0 && plan.optimistic && graph.log.lastKnown ? graph.log.lastKnown : await graph.log.head();
    if (!head) throw new StoreError("ERR_GRAPH_NOT_FOUND", `graph '${graph.loc.graphId}' has no commits`, { graph: graph.loc.graphId });
    scannedTo ??= head.seq;
    for (let seq = head.seq; seq > scannedTo; seq--) {
      const e = await graph.log.read(seq);
      if (e.writer === plan.writer || (plan.idempotencyKey !== undefined && e.idempotencyKey === plan.idempotencyKey)) return e;
    }
    scannedTo = Math.max(scannedTo, head.seq);
    graph.assertLeaseFor(head);
    const entry = await plan.build(head);
    if (entry.seq !== head.seq + 1 || entry.writer !== plan.writer) throw new Error("publish: entry must be head+1 and carry the plan's writer token");
    try {
      await graph.log.append(entry);
      return entry;
    } catch (e) {
      const contended = isStorageError(e, "ERR_PRECONDITION_FAILED");
      let taken: ManifestEntry | undefined;
      try {
        taken = await graph.log.tryRead(entry.seq);
      } catch (readErr) {
        if (contended) throw readErr; // nothing of ours landed: the 412 says the slot was taken
        throw new PublishOutcomeUnknown(entry.seq, e);
      }
      if (taken?.writer === plan.writer) return taken;
      if (!contended && !taken) throw e; // our write did not land and the slot is free: a plain failure
      scannedTo = Math.max(scannedTo, entry.seq);
    }
  }
  throw new ManifestConflict("__manifest", null, null, `gave up after ${MAX_PUBLISH_ATTEMPTS} attempts to publish on a busy graph; retry`);
}

/** The entry carrying `writer` after `afterSeq`, if any (a failure path: reads what the cache lacks). */
export async function findOwnEntry(graph: Graph, writer: string, afterSeq: number | undefined): Promise<ManifestEntry | undefined> {
  const head = await graph.log.head();
  if (!head) return undefined;
  for (let seq = head.seq; seq > (afterSeq ?? head.seq - 1); seq--) {
    const e = await graph.log.read(seq);
    if (e.writer === writer) return e;
  }
  return undefined;
}
