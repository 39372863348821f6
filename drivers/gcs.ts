import { createHash } from "node:crypto";
import { PassThrough, pipeline, type Readable } from "node:stream";
import { IdempotencyStrategy, Storage, type Bucket, type File } from "@google-cloud/storage";
import { StoreBase } from "./base.ts";
import { isStreamBody } from "./body.ts";
import type {
  DeleteOptions, GetResult, LanceLocation, ListPage, ListPageOptions, ObjectInfo, PutBody, PutOptions, PutResult,
  StreamResult,
} from "./contract.ts";
import { MAX_PAGE, WRITER_TOKEN_META } from "./contract.ts";
import {
  AuthFailed, ConflictRetryable, NotFound, PreconditionFailed, StorageError, StorageFailure, Throttled, Timeout, Unavailable,
} from "./errors.ts";
import { joinKey, validateKey, validatePrefix } from "./keys.ts";


/** Options for {@link GcsStore}. */
export interface GcsStoreOptions {
  /** Bucket name (must exist on real GCS; the test double creates it on first use). */
  bucket: string;
  /** Key prefix inside the bucket ("" for the bucket root); every key is relative to it. */
  prefix: string;
  /**
   * JSON API endpoint, e.g. `http://127.0.0.1:4443` for the test double. When set, requests
   * are sent without credentials (the client's default for custom endpoints); when unset,
   * `https://storage.googleapis.com` with Application Default Credentials.
   */
  apiEndpoint?: string;
  projectId?: string;
  /** Per-request timeout; a request that does not finish in time fails `ERR_TIMEOUT`. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * A preconfigured client (tests, custom auth). The driver switches its automatic
   * retries off: retries belong to the retry wrapper, not the driver.
   */
  storage?: Storage;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const GUARD_GRACE_MS = 250;
type Interceptor = File["interceptors"][number];
const GENERATION = /^[1-9][0-9]*$/;

interface RawObject {
  name?: string;
  size?: string | number;
  generation?: string | number;
  updated?: string;
  md5Hash?: string;
  metadata?: Record<string, string | null | undefined> | null;
}

/**
 * Google Cloud Storage driver over `@google-cloud/storage` (JSON API).
 *
 * - Version token: the object's `generation` as a decimal string.
 * - `put(..., {ifNoneMatch: "*"})` sends `ifGenerationMatch=0`; `put(..., {ifMatch: v})`
 *   sends `ifGenerationMatch=v`; GCS checks both atomically when the upload finalises.
 * - `writerToken` is stored as custom metadata `og-writer` and returned by `head`/`get`.
 * - Buffers go up in one multipart request carrying `md5Hash`, so GCS itself rejects a
 *   corrupted body; streams go up as a streamed multipart request (no buffering).
 * - `get` is one request (`alt=media`, with `ifGenerationNotMatch` for conditional gets);
 *   `head` is one metadata GET; `listPage` is one LIST; `delete` is one DELETE.
 * - The client's automatic retries are off; every failure is mapped to a typed
 *   {@link StorageError} and retrying is left to the retry wrapper.
 */
export class GcsStore extends StoreBase {
  readonly kind = "gcs" as const;
  readonly description: string;
  readonly capabilities = { writerToken: true, conditionalDelete: true };
  readonly bucketName: string;
  readonly prefix: string;
  private readonly apiEndpoint: string | undefined;
  private readonly timeoutMs: number;
  private readonly storage: Storage;
  private readonly bucket: Bucket;
  /** `prefix` with exactly one trailing '/', or "" — what we strip from listed names. */
  private readonly namePrefix: string;

  constructor(opts: GcsStoreOptions) {
    super();
    if (!opts.bucket) throw new StorageFailure("gcs driver: bucket is required", { op: "open" });
    validatePrefix(opts.prefix, "open");
    this.bucketName = opts.bucket;
    this.prefix = opts.prefix.replace(/\/$/, "");
    this.namePrefix = this.prefix === "" ? "" : `${this.prefix}/`;
    this.apiEndpoint = opts.apiEndpoint?.replace(/\/+$/, "");
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const noRetry = {
      autoRetry: false,
      maxRetries: 0,
      retryableErrorFn: () => false,
      idempotencyStrategy: IdempotencyStrategy.RetryNever,
    };
    this.storage = opts.storage ?? new Storage({
      timeout: this.timeoutMs,
      retryOptions: noRetry,
      ...(opts.projectId ? { projectId: opts.projectId } : {}),
      ...(this.apiEndpoint ? { apiEndpoint: this.apiEndpoint, useAuthWithCustomEndpoint: false } : {}),
    });
    // Also after construction: the Storage constructor turns `maxRetries: 0` into the default 3.
    Object.assign(this.storage.retryOptions, noRetry);
    this.bucket = this.storage.bucket(this.bucketName);
    this.description = `gs://${this.bucketName}${this.prefix ? `/${this.prefix}` : ""}${this.apiEndpoint ? ` (endpoint ${this.apiEndpoint})` : ""}`;
  }

  private name(key: string): string {
    return joinKey(this.prefix, key);
  }

  get(key: string): Promise<GetResult>;
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  async get(key: string, opts?: { ifNoneMatch?: string }): Promise<GetResult | undefined> {
    validateKey(key, "get");
    // A token that is not a generation can never equal the current one: plain GET.
    const notMatch = opts?.ifNoneMatch !== undefined && GENERATION.test(opts.ifNoneMatch) ? opts.ifNoneMatch : undefined;
    const deadline = Date.now() + this.timeoutMs;
    const opened = await this.openRead(key, "get", notMatch);
    if (!opened) return undefined;
    const chunks: Buffer[] = [];
    // The body must also arrive within the request timeout (the client only times the headers).
    const left = Math.max(deadline - Date.now(), 1);
    const timer = setTimeout(() => opened.body.destroy(new Timeout(`gcs get ${key}: body not received within ${this.timeoutMs} ms`, { key, op: "get" })), left);
    try {
      for await (const chunk of opened.body) chunks.push(chunk as Buffer);
    } catch (e) {
      throw mapError(e, "get", key);
    } finally {
      clearTimeout(timer);
    }
    return { ...opened.info, body: Buffer.concat(chunks) };
  }

  /** Streams the object; the timeout covers the wait for the response headers. */
  override async getStream(key: string): Promise<StreamResult> {
    validateKey(key, "get");
    const opened = await this.openRead(key, "get", undefined);
    if (!opened) throw new StorageFailure(`gcs get ${key}: unexpected 304`, { key, op: "get" });
    const out = new PassThrough();
    // pipeline: an early close by the consumer also ends the download (and frees the socket).
    pipeline(opened.body, out, (e) => {
      if (e && !out.destroyed) out.destroy(mapError(e, "get", key));
    });
    return { info: opened.info, body: out };
  }

  /**
   * One `alt=media` GET. Resolves with the object's info (from the `x-goog-*` response
   * headers) and its body stream once headers arrive, or `undefined` on 304.
   */
  private openRead(key: string, op: string, ifGenerationNotMatch: string | undefined): Promise<{ info: ObjectInfo; body: Readable } | undefined> {
    const file = this.bucket.file(this.name(key));
    // An interceptor on this File only (a fresh one per call):
    // - createReadStream has no precondition options, so `ifGenerationNotMatch` goes in here;
    // - `forever: false` keeps the download off teeny-request's shared keep-alive agent:
    //   on any stream error (early close, timeout, checksum mismatch) createReadStream calls
    //   `agent.destroy()` on the request's agent, which would kill every other in-flight
    //   request in the process. Off that agent `request.agent` is unset and nothing is
    //   destroyed; Node's global agent still keeps connections alive.
    const request = (reqOpts: { qs?: object; forever?: boolean }) => {
      reqOpts.forever = false;
      if (ifGenerationNotMatch !== undefined) reqOpts.qs = { ...reqOpts.qs, ifGenerationNotMatch };
      return reqOpts;
    };
    file.interceptors.push({ request: request as unknown as Interceptor["request"] });
    return new Promise((resolve, reject) => {
      let settled = false;
      const stream = file.createReadStream({ validation: "crc32c" });
      const timer = setTimeout(() => {
        settle(() => reject(new Timeout(`gcs ${op} ${key}: no response within ${this.timeoutMs} ms`, { key, op })));
        stream.destroy();
      }, this.timeoutMs);
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      stream.once("response", (res: { statusCode?: number; headers?: Record<string, string | undefined> }) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return; // the stream errors with the API error next
        try {
          const info = infoFromHeaders(key, res.headers ?? {});
          settle(() => resolve({ info, body: stream }));
        } catch (e) {
          settle(() => reject(e));
          stream.destroy();
        }
      });
      stream.once("error", (e) => {
        settle(() => {
          if (statusOf(e) === 304) resolve(undefined);
          else reject(mapError(e, op, key));
        });
      });
      stream.read(0); // createReadStream sends its request on the first read
    });
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key, "head");
    const file = this.bucket.file(this.name(key));
    const [meta] = await this.guard(file.getMetadata(), "head", key);
    return this.info(key, meta as RawObject, true);
  }

  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const max = Math.max(1, Math.min(opts.maxKeys ?? MAX_PAGE, MAX_PAGE));
    const query: Record<string, unknown> = {
      autoPaginate: false,
      maxResults: max,
      fields: "items(name,size,generation,updated),nextPageToken",
    };
    const fullPrefix = this.namePrefix + prefix;
    if (fullPrefix !== "") query.prefix = fullPrefix;
    // startOffset is inclusive: an object named exactly `startAfter` is dropped below.
    const startOffset = opts.startAfter ? this.name(opts.startAfter) : undefined;
    if (startOffset !== undefined) query.startOffset = startOffset;
    if (opts.cursor !== undefined) query.pageToken = opts.cursor;
    const [, , apiResponse] = await this.guard(this.bucket.getFiles(query), "list", prefix);
    const resp = (apiResponse ?? {}) as { items?: RawObject[]; nextPageToken?: string };
    const items: ObjectInfo[] = [];
    for (const raw of resp.items ?? []) {
      if (typeof raw.name !== "string" || raw.name === startOffset || !raw.name.startsWith(this.namePrefix)) continue;
      items.push(this.info(raw.name.slice(this.namePrefix.length), raw, false));
    }
    return { items, cursor: resp.nextPageToken || undefined };
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key, "put");
    const preconditionOpts: { ifGenerationMatch?: string | number } = {};
    if (opts.ifNoneMatch === "*" && opts.ifMatch !== undefined) {
      throw new PreconditionFailed(`${JSON.stringify(key)}: create-only and compare-and-swap cannot both hold`, { key, op: "put" });
    }
    if (opts.ifNoneMatch === "*") preconditionOpts.ifGenerationMatch = 0;
    if (opts.ifMatch !== undefined) {
      // Not a generation (e.g. "0", which GCS would read as "must not exist"): it cannot match.
      if (!GENERATION.test(opts.ifMatch)) {
        throw new PreconditionFailed(`${JSON.stringify(key)} is not at version ${opts.ifMatch}`, { key, op: "put" });
      }
      preconditionOpts.ifGenerationMatch = opts.ifMatch;
    }
    const metadata: Record<string, unknown> = {};
    if (opts.contentType) metadata.contentType = opts.contentType;
    if (opts.writerToken !== undefined) metadata.metadata = { [WRITER_TOKEN_META]: opts.writerToken };
    const file = this.bucket.file(this.name(key));
    const common = {
      resumable: false,
      // The client's own check deletes the object (unconditionally) on a mismatch; we let
      // GCS verify `md5Hash` for buffers and compare the digest ourselves for streams.
      validation: false as const,
      preconditionOpts,
    };

    if (!isStreamBody(body)) {
      const buf = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      metadata.md5Hash = createHash("md5").update(buf).digest("base64");
      await this.guard(file.save(buf, { ...common, metadata }), "put", key);
      return { version: generationOf(file.metadata as RawObject, key, "put") };
    }

    const md5 = createHash("md5");
    const tap = new PassThrough();
    tap.on("data", (chunk: Buffer) => md5.update(chunk));
    body.on("error", (e) => tap.destroy(e));
    body.pipe(tap);
    await this.guard(file.save(tap, { ...common, metadata }), "put", key);
    const stored = file.metadata as RawObject;
    const version = generationOf(stored, key, "put");
    const digest = md5.digest("base64");
    if (stored.md5Hash !== undefined && stored.md5Hash !== digest) {
      // Remove exactly what we wrote (never a newer object), then report the failure.
      await file.delete({ ifGenerationMatch: version }).catch(() => undefined);
      throw new StorageFailure(`gcs put ${key}: stored MD5 ${stored.md5Hash} does not match the bytes sent (${digest})`, { key, op: "put" }, true);
    }
    return { version };
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<void> {
    validateKey(key, "delete");
    const conditional = opts.ifMatch !== undefined;
    if (conditional && !GENERATION.test(opts.ifMatch!)) {
      throw new PreconditionFailed(`${JSON.stringify(key)} is not at version ${opts.ifMatch}`, { key, op: "delete" });
    }
    const file = this.bucket.file(this.name(key));
    try {
      await this.guard(file.delete(conditional ? { ifGenerationMatch: opts.ifMatch! } : {}), "delete", key);
    } catch (e) {
      if (e instanceof NotFound) {
        if (!conditional) return; // deletes are idempotent
        throw new PreconditionFailed(`${JSON.stringify(key)} does not exist`, { key, op: "delete", status: 404, cause: e });
      }
      throw e;
    }
  }

  /**
   * `gs://<bucket>/<prefix>/<path>` for LanceDB (object_store's GCS backend). With a custom
   * endpoint the options point object_store at it (`google_base_url`), unsigned like our own
   * requests (`google_skip_signature`), and allow plain HTTP for an `http://` endpoint.
   * Without one, object_store finds credentials itself (ADC / `GOOGLE_*` environment).
   */
  lance(path = ""): LanceLocation {
    const rest = [this.prefix, path.replace(/^\/+|\/+$/g, "")].filter((s) => s !== "").join("/");
    const storageOptions: Record<string, string> = {};
    if (this.apiEndpoint) {
      storageOptions.google_base_url = this.apiEndpoint;
      storageOptions.google_skip_signature = "true";
      if (this.apiEndpoint.startsWith("http://")) storageOptions.allow_http = "true";
    }
    return { uri: `gs://${this.bucketName}${rest ? `/${rest}` : ""}`, storageOptions };
  }

  private info(key: string, raw: RawObject, withToken: boolean): ObjectInfo {
    const info: ObjectInfo = {
      key,
      size: Number(raw.size ?? 0),
      version: generationOf(raw, key, withToken ? "head" : "list"),
      lastModified: raw.updated ? new Date(raw.updated) : undefined,
    };
    if (withToken) info.writerToken = raw.metadata?.[WRITER_TOKEN_META] ?? undefined;
    return info;
  }

  /**
   * Maps the promise's failure to a typed error and bounds it by the request timeout. The
   * client's own timer (same value, set on the Storage we build) normally fires first and
   * also aborts the socket; this backstop covers a caller-supplied Storage without one.
   */
  private guard<T>(p: Promise<T>, op: string, key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Timeout(`gcs ${op} ${key}: no response within ${this.timeoutMs} ms`, { key, op })),
        this.timeoutMs + GUARD_GRACE_MS,
      );
      p.then(
        (v) => { clearTimeout(timer); resolve(v); },
        (e: unknown) => { clearTimeout(timer); reject(mapError(e, op, key)); },
      );
    });
  }
}

function generationOf(raw: RawObject, key: string, op: string): string {
  const g = raw.generation;
  if (g === undefined || g === null || !GENERATION.test(String(g))) {
    throw new StorageFailure(`gcs ${op} ${key}: response has no object generation`, { key, op });
  }
  return String(g);
}

function infoFromHeaders(key: string, h: Record<string, string | undefined>): ObjectInfo {
  const generation = h["x-goog-generation"];
  if (!generation || !GENERATION.test(generation)) {
    throw new StorageFailure(`gcs get ${key}: response has no x-goog-generation header`, { key, op: "get" });
  }
  const size = h["x-goog-stored-content-length"] ?? h["content-length"];
  const lm = h["last-modified"];
  const token = h[`x-goog-meta-${WRITER_TOKEN_META}`];
  return {
    key,
    size: size === undefined ? 0 : Number(size),
    version: generation,
    lastModified: lm ? new Date(lm) : undefined,
    writerToken: token,
  };
}

function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "number") return code;
  if (typeof code === "string" && /^\d{3}$/.test(code)) return Number(code);
  return undefined;
}

const NETWORK_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH",
  "ENETUNREACH", "ENETDOWN", "EHOSTDOWN", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET",
]);

/**
 * Maps an `@google-cloud/storage` failure to a typed storage error. API errors carry the
 * HTTP status in `code`; transport errors (node-fetch `FetchError`, gaxios) carry an errno
 * string in `code` and, for timeouts, `type: "request-timeout" | "body-timeout"`.
 */
export function mapError(e: unknown, op: string, key?: string): StorageError {
  if (e instanceof StorageError) return e;
  const err = (e ?? {}) as { code?: unknown; type?: unknown; name?: unknown; message?: unknown };
  const status = statusOf(e);
  const errno = typeof err.code === "string" && status === undefined ? err.code : undefined;
  const message = typeof err.message === "string" ? err.message : String(e);
  const details = { key, op, status: status ?? errno, cause: e };
  const what = `gcs ${op}${key === undefined ? "" : ` ${key}`}`;
  if (err.type === "request-timeout" || err.type === "body-timeout" || errno === "ETIMEDOUT" || errno === "ESOCKETTIMEDOUT"
    || err.name === "AbortError" || status === 408) {
    return new Timeout(`${what}: timed out (${message})`, details);
  }
  if (status !== undefined) {
    if (status === 412) return new PreconditionFailed(`${what}: precondition failed`, details);
    if (status === 404) return new NotFound(`${what}: not found`, details);
    if (status === 429) return new Throttled(`${what}: throttled (429)`, details);
    // GCS answers 409 when a concurrent operation on the object got in the way
    // ("... was edited during the operation. Please try again."); the retry re-checks
    // the preconditions, so retrying is safe.
    if (status === 409) return new ConflictRetryable(`${what}: conflict (409) ${message}`, details);
    if (status === 401 || status === 403) return new AuthFailed(`${what}: ${status} ${message}`, details);
    if (status >= 500) return new Unavailable(`${what}: ${status} ${message}`, details);
    return new StorageFailure(`${what}: ${status} ${message}`, details);
  }
  if ((errno !== undefined && NETWORK_CODES.has(errno)) || /socket hang up|ECONNRESET|ECONNREFUSED|premature close/i.test(message)) {
    return new Unavailable(`${what}: ${message}`, details);
  }
  if (errno === "CONTENT_DOWNLOAD_MISMATCH") {
    return new StorageFailure(`${what}: downloaded bytes do not match the stored checksum`, details, true);
  }
  if (/Could not load the default credentials|invalid_grant|unauthorized_client/i.test(message)) {
    return new AuthFailed(`${what}: ${message}`, details);
  }
  return new StorageFailure(`${what}: ${message}`, details);
}
