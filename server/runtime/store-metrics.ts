import type { ObjectStore } from "../../drivers/contract.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "../../drivers/wrapper.ts";

/**
 * Counts every request the server's own code makes to the store, by kind (`get`,
 * `put:create`, `put:cas`, …), into a callback — without keeping records, unlike the
 * test-oriented `CountingStore`, so it is safe in a long-running process.
 */
export class MeteredStore extends DelegatingStore {
  constructor(inner: ObjectStore, private readonly onRequest: (kind: string) => void) {
    super(inner);
  }

  protected override around<T>(op: StoreOp, _key: string, run: () => Promise<T>, ctx?: RequestContext): Promise<T> {
    let kind: string = op;
    if (op === "put" && ctx?.put?.ifNoneMatch === "*") kind = "put:create";
    else if (op === "put" && ctx?.put?.ifMatch !== undefined) kind = "put:cas";
    else if (op === "delete" && ctx?.del?.ifMatch !== undefined) kind = "delete:cas";
    this.onRequest(kind);
    return run();
  }
}
