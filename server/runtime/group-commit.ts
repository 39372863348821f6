import type { GraphEngine, LoadResult, MutationResult } from "../engine/engine.ts";
import { mutationFingerprint, recordedMutation, type BatchMutation } from "../engine/write/batch.ts";
import { validateIdempotencyKey } from "../store/commit.ts";
import { isStoreError } from "../store/errors.ts";
import { assertSameRequest, IdempotencyKeyReused } from "../store/fingerprint.ts";

/** Caps and window of a group commit pipeline (server config `group_commit`). */
export interface GroupCommitConfig {
  /** How long an idle pipeline waits after the first request for others to join (ms; 0 = none). */
  windowMs: number;
  /** At most this many requests per batch (one manifest entry). */
  maxRequests: number;
  /** At most about this many request bytes (query text + parameters) per batch. */
  maxBytes: number;
  /** A batch that meets another writer's commit is re-validated and retried this many times. */
  maxAttempts: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitConfig = { windowMs: 2, maxRequests: 64, maxBytes: 4 << 20, maxAttempts: 4 };

/** A mutation request as the server hands it to the pipeline (`GraphEngine.mutate`'s request). */
export type MutationRequest = BatchMutation & { branch?: string | undefined; expectCommit?: string | undefined };
/** A load request (`GraphEngine.load`'s request). */
export type LoadRequest = Parameters<GraphEngine["load"]>[0];

type Job =
  | { kind: "mutation"; item: BatchMutation; bytes: number; resolve: (r: MutationResult) => void; reject: (e: unknown) => void }
  | { kind: "solo"; run: () => Promise<unknown>; resolve: (r: never) => void; reject: (e: unknown) => void };

function isRebaseConflict(e: unknown): boolean {
  return isStoreError(e, "ERR_MANIFEST_CONFLICT") || isStoreError(e, "ERR_READ_SET_CONFLICT");
}

/**
 * Wraps each publish (a batch or a solo job): the server passes its per-graph write
 * queue, so batches and the writes that do not go through a pipeline (schema applies,
 * branch operations, merges) never race each other in one process.
 */
export type Serializer = <T>(fn: () => Promise<T>) => Promise<T>;

/** One pipeline: the requests of one branch of one open graph, published in order. */
class BranchPipeline {
  private readonly queue: Job[] = [];
  private draining: Promise<void> | undefined;
  /** Batches published and requests they carried (observability). */
  readonly stats = { batches: 0, requests: 0, retries: 0, largestBatch: 0 };

  constructor(private readonly engine: GraphEngine, readonly branch: string, private readonly config: GroupCommitConfig, private readonly serialize: Serializer) {}

  enqueue(job: Job): void {
    this.queue.push(job);
    if (this.draining) return; // the running drain takes it (see the end of `drain`)
    this.draining = this.drain();
  }

  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      await this.drainQueue();
    } finally {
      // A job may have been enqueued after the loop saw the queue empty but before this
      // runs (another microtask): it saw `draining` set and relied on us. Pick it up.
      this.draining = undefined;
      if (this.queue.length > 0) this.draining = this.drain();
    }
  }

  private async drainQueue(): Promise<void> {
    // Idle until now: give concurrent requests the window to join the first batch.
    // Afterwards the next batch forms while the previous one publishes.
    if (this.config.windowMs > 0 && this.queue.length < this.config.maxRequests) await new Promise((r) => setTimeout(r, this.config.windowMs));
    while (this.queue.length > 0) {
      const first = this.queue[0]!;
      if (first.kind === "solo") {
        this.queue.shift();
        try {
          first.resolve((await this.serialize(first.run)) as never);
        } catch (e) {
          first.reject(e);
        }
        continue;
      }
      const batch: Extract<Job, { kind: "mutation" }>[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && batch.length < this.config.maxRequests) {
        const next = this.queue[0]!;
        if (next.kind !== "mutation") break;
        if (batch.length > 0 && bytes + next.bytes > this.config.maxBytes) break;
        batch.push(next);
        bytes += next.bytes;
        this.queue.shift();
      }
      await this.publish(batch);
    }
  }

  private async publish(jobs: Extract<Job, { kind: "mutation" }>[]): Promise<void> {
    // Keys already published (by an earlier batch, or before this handle opened) return
    // their recorded result; no request once the handle's transaction index is warm.
    const batch: typeof jobs = [];
    for (const j of jobs) {
      const key = j.item.idempotencyKey;
      if (key === undefined) {
        batch.push(j);
        continue;
      }
      try {
        const entry = await this.engine.graph.transactions.byIdempotencyKey(key);
        if (!entry) batch.push(j);
        else {
          // The same request → its recorded result; another one → ERR_IDEMPOTENCY_KEY_REUSED.
          assertSameRequest(entry, key, { fingerprint: mutationFingerprint({ ...j.item, branch: this.branch }), kind: "commit", branch: this.branch });
          const prior = recordedMutation(entry, key);
          if (!prior) throw new IdempotencyKeyReused(key, entry.commitId, `a ${entry.kind} of '${entry.branch}' without a recorded mutation`);
          j.resolve(prior);
        }
      } catch (e) {
        j.reject(e);
      }
    }
    if (batch.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await this.serialize(() => this.engine.mutateBatch({ branch: this.branch, items: batch.map((j) => j.item) }));
        this.stats.batches++;
        this.stats.requests += batch.length;
        this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
        outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.result) : batch[i]!.reject(o.error)));
        return;
      } catch (e) {
        // Another writer (another process, or maintenance) moved what the batch read:
        // re-validate every request on the new head; clients never see that race.
        if (isRebaseConflict(e) && attempt < this.config.maxAttempts) {
          this.stats.retries++;
          continue;
        }
        for (const j of batch) j.reject(e);
        return;
      }
    }
  }
}

/**
 * Per-graph group commit: one pipeline per branch of an open graph in a writer
 * process. Concurrent mutations queue; while one batch publishes, the next forms; each
 * request is validated against the batch's running state (arrival order, as if
 * serial) and a request that fails validation fails alone with its own typed error;
 * the batch is published as ONE manifest entry (more when `maxRequests` / `maxBytes`
 * cut it). What a client can observe: its own result (affected counts of its request
 * alone) with the commit that contains it; two requests may share a commit id; order
 * within a commit is arrival order. Loads, mutations with an expected commit
 * (`Omnigraph-If-Graph-Commit`) and {@link exclusive} jobs run alone, in queue order.
 * Idempotency keys work per request: a key already published returns its recorded
 * result, a key in flight joins the same request. Other graphs have their own
 * instance and never wait on this one; other branches have their own pipeline.
 */
export class GroupCommit {
  readonly config: GroupCommitConfig;
  private readonly pipelines = new Map<string, BranchPipeline>();
  private readonly inflight = new Map<string, { fingerprint: string; result: Promise<MutationResult> }>();

  constructor(readonly engine: GraphEngine, config: Partial<GroupCommitConfig> = {}, private readonly serialize: Serializer = (fn) => fn()) {
    this.config = { ...DEFAULT_GROUP_COMMIT, ...config };
  }

  private pipeline(branch: string): BranchPipeline {
    let p = this.pipelines.get(branch);
    if (!p) {
      p = new BranchPipeline(this.engine, branch, this.config, this.serialize);
      this.pipelines.set(branch, p);
    }
    return p;
  }

  /** A mutation through the pipeline of its branch (default `main`). */
  mutate(req: MutationRequest): Promise<MutationResult> {
    const branch = req.branch ?? "main";
    if (req.expectCommit !== undefined) return this.solo(branch, () => this.engine.mutate(req));
    const key = req.idempotencyKey;
    if (key === undefined) return this.enqueue(branch, req);
    validateIdempotencyKey(key);
    const fingerprint = mutationFingerprint({ ...req, branch });
    const running = this.inflight.get(key);
    if (running) {
      // The same request joins the one in flight; another request with this key is refused.
      if (running.fingerprint !== fingerprint) return Promise.reject(new IdempotencyKeyReused(key, null, "another mutation, still in flight"));
      return running.result;
    }
    // Enqueued now, so arrival order holds; the pipeline looks the key up when the batch forms.
    const p = this.enqueue(branch, req).finally(() => this.inflight.delete(key));
    this.inflight.set(key, { fingerprint, result: p });
    return p;
  }

  /** A load, alone, in its branch's queue order. */
  load(req: LoadRequest): Promise<LoadResult> {
    return this.solo(req.branch ?? "main", () => this.engine.load(req));
  }

  /** Runs `fn` between batches of `branch`, with no write of this pipeline in flight (maintenance, schema applies). */
  exclusive<T>(branch: string, fn: () => Promise<T>): Promise<T> {
    return this.solo(branch, fn);
  }

  /** Batches and requests per branch so far. */
  stats(): Record<string, BranchPipeline["stats"]> {
    return Object.fromEntries([...this.pipelines].map(([b, p]) => [b, { ...p.stats }]));
  }

  /** Resolves once every queued request has been answered. */
  async drain(): Promise<void> {
    await Promise.all([...this.pipelines.values()].map((p) => p.idle()));
  }

  private enqueue(branch: string, req: MutationRequest): Promise<MutationResult> {
    const item: BatchMutation = { query: req.query, name: req.name, params: req.params, actor: req.actor, idempotencyKey: req.idempotencyKey };
    const bytes = req.query.length + (req.params === undefined ? 0 : JSON.stringify(req.params).length);
    return new Promise((resolve, reject) => this.pipeline(branch).enqueue({ kind: "mutation", item, bytes, resolve, reject }));
  }

  private solo<T>(branch: string, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.pipeline(branch).enqueue({ kind: "solo", run, resolve: resolve as (r: never) => void, reject }));
  }
}

/** The pipeline settings of the server config's `group_commit` section. */
export function groupCommitConfigFrom(c: { window_ms: number; max_requests: number; max_bytes: number }): Partial<GroupCommitConfig> {
  return { windowMs: c.window_ms, maxRequests: c.max_requests, maxBytes: c.max_bytes };
}
