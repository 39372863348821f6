import { randomBytes } from "node:crypto";
import { newWriterToken } from "../../drivers/retry.ts";
import { ulid } from "ulid";
import { validateIdempotencyKey } from "./commit.ts";
import { CommitOutcomeUnknown, StoreError } from "./errors.ts";
import { failpoint } from "./failpoints.ts";
import type { Graph } from "./graph.ts";
import { newCommitId } from "./manifest/commit-id.ts";
import type { BranchRecord, ManifestEntry } from "./manifest/entry.ts";
import { publishEntry, PublishOutcomeUnknown } from "./publish.ts";
import { assertSameRequest, requestFingerprint } from "./fingerprint.ts";

/** Branch names: path-like segments of [A-Za-z0-9._-], at most 128 characters. */
const BRANCH_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export interface BranchInfo {
  name: string;
  head: string;
  seq: number;
  from: { branch: string; seq: number } | null;
}

export interface CommitInfo {
  commitId: string;
  seq: number;
  branch: string;
  kind: ManifestEntry["kind"];
  actor: string | null;
  timeUs: number;
  parentCommitId: string | null;
  mergedParentCommitId: string | null;
}

export function commitInfo(e: ManifestEntry): CommitInfo {
  return {
    commitId: e.commitId, seq: e.seq, branch: e.branch, kind: e.kind, actor: e.actor, timeUs: e.timeUs,
    parentCommitId: e.parentCommits[0] ?? null, mergedParentCommitId: e.parentCommits[1] ?? null,
  };
}

export function validateBranchName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || name.length > 128 || !BRANCH_NAME.test(name) || name.split("/").some((s) => s === "." || s === "..")) {
    throw new StoreError("ERR_BRANCH_INVALID", `invalid branch name ${JSON.stringify(name)}: use 1–128 characters of letters, digits, '.', '_', '-', with '/' between segments`, { branch: name });
  }
}

/** Short id naming a branch incarnation (and its Lance branches). */
function newBranchId(): string {
  return randomBytes(5).toString("hex");
}

/** Options every branch write takes. */
export interface BranchWriteOptions {
  actor: string | null;
  /** A repeated request with the same key returns the original entry (see `CommitRequest.idempotencyKey`). */
  idempotencyKey?: string | undefined;
}

/**
 * Publishes a branch change through the one publish loop (own entry first, then
 * `build`), recording the transaction id and idempotency key; a lost outcome is
 * `ERR_COMMIT_OUTCOME_UNKNOWN`, and a repeated key returns the original entry.
 */
async function publishBranchEntry(graph: Graph, opts: BranchWriteOptions, kind: "branch_create" | "branch_delete", name: string, request: Record<string, unknown>, build: (head: ManifestEntry, writer: string) => Promise<ManifestEntry>): Promise<ManifestEntry> {
  // What the request asks, for a reused key: the operation, the branch and its source.
  const fingerprint = requestFingerprint(kind, { branch: name, ...request });
  const same = { fingerprint, kind, branch: name };
  const run = async (): Promise<ManifestEntry> => {
    const writer = newWriterToken();
    const txId = ulid();
    const key = opts.idempotencyKey;
    try {
      const entry = await publishEntry(graph, {
        writer, idempotencyKey: key,
        build: async (head) => ({ ...(await build(head, writer)), epoch: graph.epoch, txId, ...(key !== undefined ? { idempotencyKey: key, fingerprint } : {}) }),
      });
      // Another request with the same key published first: the same request, or refused.
      if (entry.writer !== writer && key !== undefined) assertSameRequest(entry, key, same);
      return entry;
    } catch (e) {
      if (e instanceof PublishOutcomeUnknown) {
        graph.rememberUnknownOutcome(key ?? null, txId);
        throw new CommitOutcomeUnknown(txId, key ?? null, e.cause);
      }
      throw e;
    }
  };
  if (opts.idempotencyKey === undefined) return run();
  validateIdempotencyKey(opts.idempotencyKey);
  return graph.onceForKey(opts.idempotencyKey, async () => {
    const done = await graph.transactions.byIdempotencyKey(opts.idempotencyKey!);
    if (done) {
      assertSameRequest(done, opts.idempotencyKey!, same);
      return done;
    }
    return run();
  });
}

/**
 * Creates a branch from another branch's head or from a commit: one manifest entry that
 * points at the source's table versions. Costs the same whatever the table count; no
 * table is touched until the branch's first write to it (lazy fork).
 */
export async function createBranch(graph: Graph, name: string, opts: BranchWriteOptions & { from?: string; fromCommit?: string }): Promise<ManifestEntry> {
  graph.assertWritable();
  validateBranchName(name);
  if (name === "main") throw new StoreError("ERR_BRANCH_INVALID", "'main' always exists and cannot be created", { branch: name });
  const entry = await publishBranchEntry(graph, opts, "branch_create", name, { from: opts.fromCommit === undefined ? (opts.from ?? "main") : null, fromCommit: opts.fromCommit ?? null }, async (head, writer) => {
    if (head.branches[name]) throw new StoreError("ERR_BRANCH_EXISTS", `branch '${name}' already exists`, { branch: name });
    for (const other of Object.keys(head.branches)) {
      if (other.startsWith(`${name}/`) || name.startsWith(`${other}/`)) {
        throw new StoreError("ERR_BRANCH_EXISTS", `branch '${name}' and existing branch '${other}' would be path prefixes of each other`, { branch: name, conflicting: other });
      }
    }
    let source: ManifestEntry;
    let sourceBranch: string;
    let parentSeq: number;
    let parentCommit: string;
    if (opts.fromCommit !== undefined) {
      source = await graph.readCommit(opts.fromCommit);
      if (!source.state) throw new StoreError("ERR_COMMIT_NOT_FOUND", `commit ${opts.fromCommit} holds no branch state to fork`, { commit: opts.fromCommit });
      sourceBranch = source.branch;
      parentSeq = source.seq;
      parentCommit = source.commitId;
    } else {
      const from = opts.from ?? "main";
      const view = await graph.log.branch(head, from);
      if (!view) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${from}' not found`, { branch: from });
      source = view.entry;
      sourceBranch = from;
      parentSeq = view.record.seq;
      parentCommit = view.record.head;
    }
    failpoint("branch_create.before_publish");
    const seq = head.seq + 1;
    const commitId = newCommitId(seq);
    const record: BranchRecord = { id: newBranchId(), seq, head: commitId, from: { branch: sourceBranch, seq: parentSeq } };
    return {
      format: 1, seq, commitId, kind: "branch_create", branch: name, parents: [parentSeq], parentCommits: [parentCommit],
      actor: opts.actor, timeUs: Date.now() * 1000, writer, state: source.state,
      branches: { ...head.branches, [name]: record },
    };
  });
  failpoint("branch_create.after_publish");
  // After the answer, like a commit's hint (the head rule never needs it).
  await graph.afterCommit.enqueue(`hint ${entry.seq} (branch create)`, () => graph.log.advanceHint(entry));
  return entry;
}

/**
 * Live branches that still depend on `name`: branches forked from it (descendants).
 * Sharing Lance data is not a dependency: a branch that adopted or inherited tables
 * written by `name` keeps reading them, because storage cleanup is driven by what live
 * branch states reference, not by who wrote it.
 */
export async function dependentsOf(head: ManifestEntry, name: string): Promise<string[]> {
  return Object.entries(head.branches)
    .filter(([other, r]) => other !== name && r.from?.branch === name)
    .map(([other]) => other)
    .sort();
}

/**
 * Deletes a branch: one manifest entry without it. Refuses `main` and branches others
 * depend on. Its Lance branches and datasets are reclaimed later by maintenance.
 */
export async function deleteBranch(graph: Graph, name: string, opts: BranchWriteOptions): Promise<ManifestEntry> {
  graph.assertWritable();
  if (name === "main") throw new StoreError("ERR_BRANCH_INVALID", "'main' cannot be deleted", { branch: name });
  const entry = await publishBranchEntry(graph, opts, "branch_delete", name, {}, async (head, writer) => {
    const rec = head.branches[name];
    if (!rec) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${name}' not found`, { branch: name });
    const dependents = await dependentsOf(head, name);
    if (dependents.length > 0) {
      throw new StoreError("ERR_BRANCH_HAS_DEPENDENTS", `branch '${name}' cannot be deleted: ${dependents.join(", ")} still depend on it`, { branch: name, dependents });
    }
    failpoint("branch_delete.before_publish");
    const seq = head.seq + 1;
    const branches = { ...head.branches };
    delete branches[name];
    return {
      format: 1, seq, commitId: newCommitId(seq), kind: "branch_delete", branch: name, parents: [rec.seq], parentCommits: [rec.head],
      actor: opts.actor, timeUs: Date.now() * 1000, writer, state: null, branches,
    };
  });
  failpoint("branch_delete.after_publish");
  // After the answer, like a commit's hint (the head rule never needs it).
  await graph.afterCommit.enqueue(`hint ${entry.seq} (branch delete)`, () => graph.log.advanceHint(entry));
  return entry;
}

export async function listBranches(graph: Graph): Promise<BranchInfo[]> {
  const head = await graph.log.head();
  if (!head) return [];
  return Object.entries(head.branches)
    .map(([name, r]) => ({ name, head: r.head, seq: r.seq, from: r.from }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A branch's history, newest first by manifest sequence: every commit reachable from
 * its head through parent links, including the commits it inherited from the branch it
 * was forked from and the source side of merges. Entries are immutable and cached.
 */
export async function history(graph: Graph, branch: string, opts: { limit?: number } = {}): Promise<CommitInfo[]> {
  const head = await graph.log.head();
  const rec = head?.branches[branch];
  if (!rec) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${branch}' not found`, { branch });
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const frontier = [rec.seq];
  const seen = new Set(frontier);
  const out: CommitInfo[] = [];
  while (frontier.length > 0 && out.length < limit) {
    frontier.sort((a, b) => a - b);
    const seq = frontier.pop()!;
    const e = await graph.log.read(seq);
    out.push(commitInfo(e));
    for (const p of e.parents) {
      if (!seen.has(p)) {
        seen.add(p);
        frontier.push(p);
      }
    }
  }
  return out;
}

/**
 * The merge base of two commits: their common ancestor with the highest sequence
 * (entries are totally ordered by sequence, so this is the latest shared commit).
 */
export async function mergeBase(graph: Graph, a: number, b: number): Promise<number | undefined> {
  const ancestors = async (start: number): Promise<Set<number>> => {
    const seen = new Set<number>([start]);
    const stack = [start];
    while (stack.length) {
      const e = await graph.log.read(stack.pop()!);
      for (const p of e.parents) if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
    return seen;
  };
  const [sa, sb] = await Promise.all([ancestors(a), ancestors(b)]);
  let best: number | undefined;
  for (const s of sa) if (sb.has(s) && (best === undefined || s > best)) best = s;
  return best;
}
