import type { Readable } from "node:stream";

/**
 * The object-storage driver contract. A driver is the only code that talks to a
 * storage SDK; everything above it (the graph store, the server) sees this API.
 *
 * Semantics every implementation keeps (the conformance suite in
 * `test/drivers/conformance.ts` checks each one):
 * - `put(k, b, {ifNoneMatch: "*"})` creates `k` only if it does not exist; racing
 *   creates of one key have exactly one winner, the rest fail `ERR_PRECONDITION_FAILED`.
 * - `put(k, b, {ifMatch: v})` replaces `k` only if its current version is `v`;
 *   a stale `v` or a missing `k` fails `ERR_PRECONDITION_FAILED`.
 * - `get`/`head` of a missing key fail `ERR_NOT_FOUND`; an unconditional `delete` of a
 *   missing key succeeds (deletes are idempotent).
 * - `listPage` is exactly one LIST request; `list` hides pagination.
 * - version tokens are opaque strings; compare them only for equality.
 */
export type DriverKind = "memory" | "fs" | "s3" | "minio" | "gcs";

export interface ObjectInfo {
  key: string;
  size: number;
  /** Opaque version token: S3/MinIO ETag (unquoted), GCS generation, fs inode+mtime+size. */
  version: string;
  lastModified: Date | undefined;
  /** The writer token stored with the object, where the driver keeps one (not in LIST results). */
  writerToken?: string | undefined;
}

export interface GetResult extends ObjectInfo {
  body: Buffer;
}

export interface StreamResult {
  info: ObjectInfo;
  body: Readable;
}

export type PutBody = Uint8Array | string | Readable;

export interface PutOptions {
  /** `"*"`: create-only. */
  ifNoneMatch?: "*";
  /** Compare-and-swap on this version token. */
  ifMatch?: string;
  /**
   * A unique token stored with the object (as user metadata). After an ambiguous
   * failure (lost response) a retry that hits a precondition failure re-reads the
   * object and reports success if the stored token is ours.
   */
  writerToken?: string;
  contentType?: string;
  /** Byte length of a stream body, when known (saves buffering for S3). */
  contentLength?: number;
}

export interface PutResult {
  version: string;
}

export interface DeleteOptions {
  /** Delete only if the current version is this token. */
  ifMatch?: string;
}

export interface ListOptions {
  /** Return keys strictly after this key (lexicographic by UTF-8 bytes). */
  startAfter?: string;
  /** Stop after this many keys in total. */
  limit?: number;
}

export interface ListPageOptions {
  startAfter?: string;
  /** Continuation token from the previous page. */
  cursor?: string;
  /** Page size (the driver may return fewer); at most 1000. */
  maxKeys?: number;
}

export interface ListPage {
  items: ObjectInfo[];
  /** Present when more keys follow. */
  cursor?: string | undefined;
}

/** Where LanceDB should open datasets so they live beside our own objects. */
export interface LanceLocation {
  uri: string;
  storageOptions: Record<string, string>;
}

export interface StoreCapabilities {
  /** The driver stores `writerToken` and returns it from `head`/`get`. */
  writerToken: boolean;
  /** Conditional delete (`ifMatch`) is atomic at the store. */
  conditionalDelete: boolean;
}

export interface ObjectStore {
  readonly kind: DriverKind;
  /** The store's URL with any secret removed; safe to log. */
  readonly description: string;
  readonly capabilities: StoreCapabilities;

  get(key: string): Promise<GetResult>;
  /** Conditional GET: `undefined` when the object's version still equals `ifNoneMatch`. */
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  getStream(key: string): Promise<StreamResult>;
  head(key: string): Promise<ObjectInfo>;
  /** One LIST request. */
  listPage(prefix: string, opts?: ListPageOptions): Promise<ListPage>;
  /** Every key under `prefix` in lexicographic order; pagination is hidden. */
  list(prefix: string, opts?: ListOptions): AsyncIterable<ObjectInfo>;
  put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult>;
  delete(key: string, opts?: DeleteOptions): Promise<void>;
  /** LanceDB location for `path` (relative to the store's prefix). */
  lance(path?: string): LanceLocation;
  close(): Promise<void>;
}

/** User-metadata name under which drivers store the writer token (`x-amz-meta-og-writer`, GCS `metadata.og-writer`). */
export const WRITER_TOKEN_META = "og-writer";

/** The largest page any driver asks for; S3 caps LIST at 1000 keys. */
export const MAX_PAGE = 1000;
