import { isStoreError } from "./errors.ts";

/** Tasks queued at most; past this a commit waits for the chain before it is acknowledged. */
export const AFTER_COMMIT_MAX_PENDING = 64;

/** What {@link AfterCommitChain.status} reports. */
export interface AfterCommitStatus {
  /** Tasks queued or running. */
  pending: number;
  /** Tasks that ran to completion. */
  completed: number;
  /** Tasks that failed (logged; never surfaced to the client whose commit queued them). */
  failures: number;
  /** The error code (or name) of the last failure. */
  lastFailure: string | undefined;
}

/**
 * The work a commit leaves for after its acknowledgement — the head hint's
 * compare-and-swap and the recovery sidecar's delete. Neither is needed for
 * durability or for the next commit's correctness (the hint is never authority; a
 * sidecar whose entry is published is recognised by every sweep), so they leave the
 * critical path (docs/design/write-path.md).
 *
 * One chain per graph handle: tasks run one at a time in queue order (hint advances
 * never race each other), a failure is logged through the handle's warn function and
 * counted, never thrown to anyone, and the chain is bounded: past
 * {@link AFTER_COMMIT_MAX_PENDING} queued tasks `enqueue` waits, so a store that is
 * slower than the commit rate applies back-pressure instead of growing memory.
 * `drain()` (awaited by `Graph.close`) waits for everything queued so far.
 */
export class AfterCommitChain {
  private tail: Promise<void> = Promise.resolve();
  private pendingCount = 0;
  private completed = 0;
  private failures = 0;
  private lastFailure: string | undefined;

  constructor(private readonly warn: (msg: string, err?: unknown) => void) {}

  /** Queues `fn`; resolves once it is queued (immediately unless the chain is full). */
  async enqueue(what: string, fn: () => Promise<void>): Promise<void> {
    while (this.pendingCount >= AFTER_COMMIT_MAX_PENDING) await this.tail;
    this.pendingCount++;
    // A macrotask first: the caller hears its acknowledgement before any of this is sent.
    this.tail = this.tail.then(() => new Promise<void>((r) => setImmediate(r))).then(async () => {
      try {
        await fn();
        this.completed++;
      } catch (e) {
        this.failures++;
        this.lastFailure = isStoreError(e) ? e.code : ((e as { code?: string })?.code ?? (e as Error)?.name ?? "Error");
        this.warn(`after-commit task failed: ${what} (recovery and the next head check do not depend on it)`, e);
      } finally {
        this.pendingCount--;
      }
    });
  }

  /** Waits for every task queued before the call. Never throws. */
  async drain(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }

  status(): AfterCommitStatus {
    return { pending: this.pendingCount, completed: this.completed, failures: this.failures, lastFailure: this.lastFailure };
  }
}
