import { Readable } from "node:stream";
import type {
  DeleteOptions, DriverKind, GetResult, LanceLocation, ListOptions, ListPage, ListPageOptions,
  ObjectInfo, ObjectStore, PutBody, PutOptions, PutResult, StoreCapabilities, StreamResult,
} from "./contract.ts";
import { MAX_PAGE } from "./contract.ts";

/**
 * Shared behaviour for drivers and wrappers: `list` is built on `listPage`, so a
 * driver implements one LIST request and a wrapper (counting, faulty) sees every page.
 */
export abstract class StoreBase implements ObjectStore {
  abstract readonly kind: DriverKind;
  abstract readonly description: string;
  abstract readonly capabilities: StoreCapabilities;

  abstract get(key: string): Promise<GetResult>;
  abstract get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  abstract head(key: string): Promise<ObjectInfo>;
  abstract listPage(prefix: string, opts?: ListPageOptions): Promise<ListPage>;
  abstract put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult>;
  abstract delete(key: string, opts?: DeleteOptions): Promise<void>;
  abstract lance(path?: string): LanceLocation;

  /** Default: a buffered get wrapped in a stream. Network drivers override with a real stream. */
  async getStream(key: string): Promise<StreamResult> {
    const { body, ...info } = await this.get(key);
    return { info, body: Readable.from([body]) };
  }

  async *list(prefix: string, opts: ListOptions = {}): AsyncIterable<ObjectInfo> {
    let remaining = opts.limit ?? Number.POSITIVE_INFINITY;
    let cursor: string | undefined;
    let first = true;
    while (remaining > 0 && (first || cursor !== undefined)) {
      const pageOpts: ListPageOptions = { maxKeys: Math.min(MAX_PAGE, remaining) };
      if (cursor !== undefined) pageOpts.cursor = cursor;
      else if (opts.startAfter !== undefined) pageOpts.startAfter = opts.startAfter;
      const page = await this.listPage(prefix, pageOpts);
      first = false;
      for (const item of page.items) {
        if (remaining <= 0) return;
        remaining--;
        yield item;
      }
      cursor = page.cursor;
    }
  }

  async close(): Promise<void> {}
}

/** Collects `store.list(prefix)` into an array. */
export async function listAll(store: ObjectStore, prefix: string, opts?: ListOptions): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const item of store.list(prefix, opts)) out.push(item);
  return out;
}
