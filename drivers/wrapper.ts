import { StoreBase } from "./base.ts";
import type {
  DeleteOptions, DriverKind, GetResult, LanceLocation, ListPage, ListPageOptions, ObjectInfo, ObjectStore, PutBody,
  PutOptions, PutResult, StoreCapabilities, StreamResult,
} from "./contract.ts";

/** The operations a wrapper can intercept; `list` is always built from `listPage`. */
export type StoreOp = "get" | "head" | "list" | "put" | "delete";

/**
 * A store that forwards every request to `inner`. Wrappers (retrying, counting,
 * faulty) extend it and override `around`, which sees each request exactly once.
 */
export class DelegatingStore extends StoreBase {
  readonly kind: DriverKind;
  readonly description: string;
  readonly capabilities: StoreCapabilities;

  constructor(readonly inner: ObjectStore) {
    super();
    this.kind = inner.kind;
    this.description = inner.description;
    this.capabilities = inner.capabilities;
  }

  /** Runs one request; override to observe or alter it. */
  protected around<T>(_op: StoreOp, _key: string, run: () => Promise<T>, _ctx?: RequestContext): Promise<T> {
    return run();
  }

  get(key: string): Promise<GetResult>;
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  get(key: string, opts?: { ifNoneMatch: string }): Promise<GetResult | undefined> {
    return this.around("get", key, () => (opts ? this.inner.get(key, opts) : this.inner.get(key)));
  }

  override getStream(key: string): Promise<StreamResult> {
    return this.around("get", key, () => this.inner.getStream(key));
  }

  head(key: string): Promise<ObjectInfo> {
    return this.around("head", key, () => this.inner.head(key));
  }

  listPage(prefix: string, opts?: ListPageOptions): Promise<ListPage> {
    return this.around("list", prefix, () => this.inner.listPage(prefix, opts));
  }

  put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult> {
    return this.around("put", key, () => this.inner.put(key, body, opts), { body, put: opts });
  }

  delete(key: string, opts?: DeleteOptions): Promise<void> {
    return this.around("delete", key, () => this.inner.delete(key, opts), { del: opts });
  }

  lance(path?: string): LanceLocation {
    return this.inner.lance(path);
  }

  override close(): Promise<void> {
    return this.inner.close();
  }
}

/** What a wrapper may need to know about a write. */
export interface RequestContext {
  body?: PutBody;
  put?: PutOptions | undefined;
  del?: DeleteOptions | undefined;
}
