import { listAll } from "../../drivers/base.ts";
import { isStorageError } from "../../drivers/errors.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import { StoreError } from "./errors.ts";
import { Lease, type LeaseOptions } from "./lease.ts";
import type { GraphLocation } from "./layout.ts";
import { newCommitId } from "./manifest/commit-id.ts";
import { BranchIndexCodec } from "./manifest/branch-index.ts";
import type { ManifestEntry } from "./manifest/entry.ts";

/** The actor of repair entries. */
export const REPAIR_ACTOR = "omnigraph:repair";

/** One problem the log inspection found, and what `--confirm` does about it. */
export type RepairFinding =
  | { kind: "corrupt_tail"; seq: number; key: string; reason: string; action: "quarantine" | "restore_from_hint" }
  | { kind: "corrupt_inner"; seq: number; key: string; reason: string; action: "none"; why: string }
  | { kind: "hole"; seq: number; key: string; action: "fill" | "none"; why?: string }
  | { kind: "hint_missing" | "hint_corrupt" | "hint_behind"; key: string; action: "rewrite" };

export interface RepairReport {
  graph: string;
  /** The head after the repair (or, in a dry run, the head the repair would leave). */
  head: number | null;
  findings: RepairFinding[];
  applied: boolean;
}

/**
 * Inspects a graph's log object by object (a LIST of `__manifest/log/`: repair is an
 * operator's cold path) and, with `confirm`, fixes what can be fixed without losing
 * an acknowledged commit, under the writer lease:
 *
 * - a corrupt or truncated entry with nothing after it → moved to
 *   `__manifest/quarantine/` (its bytes kept) and deleted from the log: it cannot be
 *   an acknowledged commit that anything builds on, and nothing readable is lost;
 * - a corrupt entry with valid entries after it → reported only (later entries build
 *   on it; an operator decides);
 * - a hole (n missing, a later entry present) → filled with a no-op `repair` entry
 *   copying entry n-1's branch index, when no later entry references n (otherwise
 *   reported only: a branch's state lived there);
 * - a missing, corrupt or stale hint → rewritten from the head.
 */
export async function repairGraph(loc: GraphLocation, opts: { confirm: boolean; lease?: LeaseOptions }): Promise<RepairReport> {
  const lease = opts.confirm ? await Lease.acquire(loc, "writer", opts.lease) : undefined;
  try {
    return await inspectAndRepair(loc, opts.confirm);
  } finally {
    await lease?.release();
  }
}

async function inspectAndRepair(loc: GraphLocation, confirm: boolean): Promise<RepairReport> {
  // Entries above the inline threshold refer to a branch index base: the codec reads
  // those, and writes what repair writes in the same form as its neighbours.
  const codec = new BranchIndexCodec(loc);
  const objects = await listAll(loc.store, loc.logPrefix);
  const seqs = objects.map((o) => Number(o.key.slice(loc.logPrefix.length).replace(/\.json$/, ""))).filter((n) => Number.isSafeInteger(n) && n > 0).sort((a, b) => a - b);
  const entries = new Map<number, ManifestEntry>();
  const broken = new Map<number, string>();
  for (const seq of seqs) {
    const key = loc.logKey(seq);
    try {
      const got = await loc.store.get(key);
      const e = await codec.decode(got.body, key);
      if (e.seq !== seq) throw new StoreError("ERR_MANIFEST_CORRUPT", `claims sequence ${e.seq}`, { key });
      entries.set(seq, e);
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) continue;
      if (e instanceof StoreError && e.code === "ERR_MANIFEST_CORRUPT") broken.set(seq, e.message);
      else throw e;
    }
  }
  const findings: RepairFinding[] = [];
  const last = seqs.length ? seqs[seqs.length - 1]! : 0;
  const references = (n: number): boolean => [...entries.values()].some((e) => e.seq > n && (e.parents.includes(n) || Object.values(e.branches).some((r) => r.seq === n)));
  const fills: number[] = [];
  const quarantines: number[] = [];
  // The hint is written from the writer's memory after the entry: a valid copy of a
  // truncated tail entry there is that (acknowledged) commit, restored rather than dropped.
  const hintCopy = await loc.store.get(loc.hintKey).then((g) => codec.decode(g.body, loc.hintKey), () => undefined);
  const restores: ManifestEntry[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const key = loc.logKey(seq);
    if (broken.has(seq)) {
      const laterValid = [...entries.keys()].some((s) => s > seq);
      if (!laterValid && ![...broken.keys()].some((s) => s > seq)) {
        const fromHint = hintCopy?.seq === seq ? hintCopy : undefined;
        findings.push({ kind: "corrupt_tail", seq, key, reason: broken.get(seq)!, action: fromHint ? "restore_from_hint" : "quarantine" });
        quarantines.push(seq);
        if (fromHint) restores.push(fromHint);
      } else {
        findings.push({ kind: "corrupt_inner", seq, key, reason: broken.get(seq)!, action: "none", why: "valid entries follow it and build on it; restore the object from a backup or contact support" });
      }
      continue;
    }
    if (!entries.has(seq)) {
      if (seq > 1 && entries.has(seq - 1) && !references(seq)) {
        findings.push({ kind: "hole", seq, key, action: "fill" });
        fills.push(seq);
      } else {
        findings.push({ kind: "hole", seq, key, action: "none", why: "a later entry references it (a branch state or a parent lived there)" });
      }
    }
  }
  const blocking = findings.some((f) => f.action === "none");
  const headAfter = blocking ? null : Math.max(0, ...[...entries.keys()], ...fills, ...restores.map((e) => e.seq));
  const hintFinding = await inspectHint(loc, codec, headAfter);
  if (hintFinding) findings.push(hintFinding);
  if (!confirm || blocking) return { graph: loc.graphId, head: headAfter, findings, applied: false };

  for (const seq of quarantines) {
    const key = loc.logKey(seq);
    const got = await loc.store.get(key);
    await loc.store.put(loc.key(`__manifest/quarantine/${String(seq).padStart(20, "0")}-${Date.now()}.json`), got.body);
    await loc.store.delete(key);
  }
  for (const e of restores) {
    await loc.store.put(loc.logKey(e.seq), await codec.encode(e), { ifNoneMatch: "*", contentType: "application/json" });
    entries.set(e.seq, e);
  }
  for (const seq of fills) {
    const prev = entries.get(seq - 1)!;
    const fill: ManifestEntry = {
      format: 1, seq, commitId: newCommitId(seq), kind: "repair", branch: prev.branch, parents: [], parentCommits: [], actor: REPAIR_ACTOR,
      timeUs: Date.now() * 1000, writer: newWriterToken(), state: null, branches: prev.branches, epoch: prev.epoch ?? 0,
      note: { repair: { filledHole: seq } },
    };
    await loc.store.put(loc.logKey(seq), await codec.encode(fill), { ifNoneMatch: "*", contentType: "application/json" });
    entries.set(seq, fill);
  }
  if (hintFinding && headAfter) {
    const head = entries.get(headAfter)!;
    await loc.store.put(loc.hintKey, await codec.encode(head), { contentType: "application/json" });
  }
  return { graph: loc.graphId, head: headAfter, findings, applied: true };
}

async function inspectHint(loc: GraphLocation, codec: BranchIndexCodec, head: number | null): Promise<RepairFinding | undefined> {
  if (!head) return undefined;
  try {
    const got = await loc.store.get(loc.hintKey);
    const e = await codec.decode(got.body, loc.hintKey);
    return e.seq < head ? { kind: "hint_behind", key: loc.hintKey, action: "rewrite" } : e.seq > head ? { kind: "hint_corrupt", key: loc.hintKey, action: "rewrite" } : undefined;
  } catch (e) {
    if (isStorageError(e, "ERR_NOT_FOUND")) return { kind: "hint_missing", key: loc.hintKey, action: "rewrite" };
    if (e instanceof StoreError && e.code === "ERR_MANIFEST_CORRUPT") return { kind: "hint_corrupt", key: loc.hintKey, action: "rewrite" };
    throw e;
  }
}
