import type { ObjectStore } from "../../drivers/contract.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "../../drivers/wrapper.ts";

/** When a hook runs relative to the request it matches. */
export interface StoreHook {
  ops: StoreOp[];
  key: RegExp;
  /** Only conditional puts of this kind ("cas" = If-Match, "create" = If-None-Match). */
  put?: "cas" | "create";
  /** Runs after the matching request succeeded (before its caller sees the result). */
  after?: () => Promise<void>;
  /** Runs before the matching request reaches the store. */
  before?: () => Promise<void>;
  /** Fire at most this many times (default 1). */
  times?: number;
}

/**
 * A real store with deterministic interleavings: a hook runs another actor's steps at an
 * exact point of the protocol (e.g. right after a writer's sidecar reached `written`).
 * Nothing is faked: the request itself still runs against the inner store.
 */
export class HookedStore extends DelegatingStore {
  private readonly hooks: { hook: StoreHook; fired: number }[] = [];

  constructor(inner: ObjectStore) {
    super(inner);
  }

  on(hook: StoreHook): void {
    this.hooks.push({ hook, fired: 0 });
  }

  protected override async around<T>(op: StoreOp, key: string, run: () => Promise<T>, ctx?: RequestContext): Promise<T> {
    const h = this.hooks.find(({ hook, fired }) => fired < (hook.times ?? 1) && hook.ops.includes(op) && hook.key.test(key)
      && (hook.put === undefined || (hook.put === "cas" ? ctx?.put?.ifMatch !== undefined : ctx?.put?.ifNoneMatch !== undefined)));
    if (h) h.fired++;
    if (h?.hook.before) await h.hook.before();
    const out = await run();
    if (h?.hook.after) await h.hook.after();
    return out;
  }
}
