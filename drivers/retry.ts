import { randomBytes } from "node:crypto";
import { bodyToBuffer, isStreamBody } from "./body.ts";
import type { DeleteOptions, ObjectStore, PutBody, PutOptions, PutResult } from "./contract.ts";
import { StorageError, isStorageError } from "./errors.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "./wrapper.ts";

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: number;
  /** Backoff cap grows as base·2^attempt up to `maxDelayMs`; the sleep is uniform in [0, cap] (full jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called before each retry sleep (metrics, logs). */
  onRetry?: (e: StorageError, op: StoreOp, key: string, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 2_000 };

/** Errors after which we cannot know whether the request took effect at the store. */
const OUTCOME_UNKNOWN = new Set(["ERR_TIMEOUT", "ERR_UNAVAILABLE"]);

/** A fresh random writer token: 128 bits, URL-safe. */
export function newWriterToken(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Bounded retries with full-jitter backoff, for retryable errors only, and the
 * lost-response rule for conditional writes:
 *
 * A conditional put whose response was lost (timeout, reset) may have succeeded; its
 * retry then fails `ERR_PRECONDITION_FAILED` against our own write. After such an
 * ambiguous attempt, a precondition failure is resolved by re-reading the object: it
 * is our success if the stored writer token is ours (drivers that keep one), or — for
 * stores without metadata (fs, where responses cannot be lost) — if the stored bytes
 * equal ours. Callers that need this to be exact embed a unique token in the body.
 *
 * Network drivers disable their SDK's own retries so that this is the only retry
 * loop, and so that every retry passes through the rule above.
 */
export class RetryingStore extends DelegatingStore {
  constructor(inner: ObjectStore, readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {
    super(inner);
  }

  protected override async around<T>(op: StoreOp, key: string, run: () => Promise<T>, _ctx?: RequestContext): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (e) {
        await this.backoffOrThrow(e, op, key, attempt);
      }
    }
  }

  private async backoffOrThrow(e: unknown, op: StoreOp, key: string, attempt: number): Promise<void> {
    if (!isStorageError(e) || !e.retryable || attempt >= this.policy.maxAttempts) throw e;
    const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    const delay = Math.random() * cap;
    this.policy.onRetry?.(e, op, key, attempt, delay);
    await new Promise((r) => setTimeout(r, delay));
  }

  override async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    // A consumed stream cannot be sent twice: stream puts get one attempt.
    if (isStreamBody(body)) return this.inner.put(key, body, opts);
    const buf = await bodyToBuffer(body);
    const conditional = opts.ifNoneMatch !== undefined || opts.ifMatch !== undefined;
    const attemptOpts: PutOptions = conditional ? { ...opts, writerToken: opts.writerToken ?? newWriterToken() } : opts;
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inner.put(key, buf, attemptOpts);
      } catch (e) {
        if (conditional && ambiguous && isStorageError(e, "ERR_PRECONDITION_FAILED")) {
          const ours = await this.resolveAmbiguousPut(key, buf, attemptOpts.writerToken!);
          if (ours) return ours;
          throw e;
        }
        if (isStorageError(e) && OUTCOME_UNKNOWN.has(e.code)) ambiguous = true;
        await this.backoffOrThrow(e, "put", key, attempt);
      }
    }
  }

  /** After a lost response: did our write land? Returns its version if so. */
  private async resolveAmbiguousPut(key: string, buf: Buffer, token: string): Promise<PutResult | undefined> {
    if (this.inner.capabilities.writerToken) {
      const info = await this.around("head", key, () => this.inner.head(key)).catch(() => undefined);
      return info?.writerToken === token ? { version: info.version } : undefined;
    }
    const current = await this.around("get", key, () => this.inner.get(key)).catch(() => undefined);
    return current && current.body.equals(buf) ? { version: current.version } : undefined;
  }

  override async delete(key: string, opts: DeleteOptions = {}): Promise<void> {
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inner.delete(key, opts);
      } catch (e) {
        // A conditional delete whose response was lost and whose retry finds the key
        // gone has done its job (the key is absent, which is what the caller asked for).
        if (opts.ifMatch !== undefined && ambiguous && isStorageError(e, "ERR_PRECONDITION_FAILED")) {
          const gone = await this.inner.head(key).then(() => false, (h) => isStorageError(h, "ERR_NOT_FOUND"));
          if (gone) return;
          throw e;
        }
        if (isStorageError(e) && OUTCOME_UNKNOWN.has(e.code)) ambiguous = true;
        await this.backoffOrThrow(e, "delete", key, attempt);
      }
    }
  }
}
