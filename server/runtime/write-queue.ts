/**
 * One write at a time per graph: concurrent requests to one graph run in arrival order,
 * so they never conflict with each other (only with other processes). A small module
 * on purpose — the group-commit pipeline (issue 12) replaces it behind `run`.
 */
export interface WriteQueue {
  /** Runs `fn` after every write queued before it has settled. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Writes queued or running. */
  readonly depth: number;
}

export class SerialWriteQueue implements WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get depth(): number {
    return this.pending;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.tail.then(fn, fn);
    // The chain must not reject, or every later write would see the failure.
    this.tail = next.then(() => undefined, () => undefined).finally(() => this.pending--);
    return next;
  }
}
