import { Client } from "minio";
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { StoreBase } from "./base.ts";
import { bodyToBuffer, isStreamBody, streamToBuffer } from "./body.ts";
import type {
  DeleteOptions, GetResult, LanceLocation, ListPage, ListPageOptions, ObjectInfo, PutBody, PutOptions, PutResult,
  StreamResult,
} from "./contract.ts";
import { MAX_PAGE, WRITER_TOKEN_META } from "./contract.ts";
import { PreconditionFailed, StorageError, Timeout } from "./errors.ts";
import { joinKey, validateKey, validatePrefix } from "./keys.ts";
import { mapS3Failure } from "./s3-errors.ts";


export interface MinioStoreOptions {
  host: string;
  port: number;
  useSSL: boolean;
  bucket: string;
  prefix: string;
  accessKey: string;
  secretKey: string;
  region?: string | undefined;
  requestTimeoutMs?: number | undefined;
}

/**
 * MinIO (and any S3-compatible store) through the `minio` client, for installs that
 * standardise on it. Same semantics as the `s3` driver: unquoted ETag as version,
 * writer token in `x-amz-meta-og-writer`, no client-side retries (RetryingStore owns
 * them), If-Match on a missing key normalised to ERR_PRECONDITION_FAILED.
 */
export class MinioStore extends StoreBase {
  readonly kind = "minio" as const;
  readonly description: string;
  /** Conditional DELETE is not atomic everywhere (RGW ignores If-Match on DELETE); see `delete`. */
  readonly capabilities = { writerToken: true, conditionalDelete: false };
  readonly client: Client;
  private readonly timeoutMs: number;

  constructor(readonly opts: MinioStoreOptions) {
    super();
    this.client = new Client({
      endPoint: opts.host,
      port: opts.port,
      useSSL: opts.useSSL,
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      region: opts.region ?? "us-east-1",
      pathStyle: true,
      retryOptions: { disableRetry: true },
    });
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.description = `minio://${opts.host}:${opts.port}/${opts.bucket}/${opts.prefix}${opts.useSSL ? "" : "?useSSL=false"}`;
  }

  private k(key: string): string {
    return joinKey(this.opts.prefix, key);
  }

  /**
   * Runs one client call with a deadline. The minio client takes no abort signal, so a
   * late request is abandoned, not cancelled: its outcome is unknown, which is exactly
   * what ERR_TIMEOUT tells the retry layer.
   */
  private async call<T>(op: string, key: string, fn: () => Promise<T>, conditionalWrite = false): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`${op} ${JSON.stringify(key)} timed out after ${this.timeoutMs} ms`, { key, op })), this.timeoutMs);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (e) {
      if (e instanceof Timeout || e instanceof StorageError) throw e;
      const err = e as { code?: string; message?: string; statusCode?: number };
      const isErrno = typeof err.code === "string" && /^E[A-Z]+$/.test(err.code);
      // For statuses it deems retryable (500, 503, …) the minio client drops the response
      // and reports only "Retryable HTTP status: N" in the message: recover N from it.
      const retryStatus = /Retryable HTTP status: (\d{3})/.exec(err.message ?? "")?.[1];
      throw mapS3Failure(
        {
          code: isErrno ? undefined : err.code,
          status: err.statusCode ?? (retryStatus ? Number(retryStatus) : undefined),
          errno: isErrno ? err.code : undefined,
          message: err.message ?? String(e),
        },
        { key, op, conditionalWrite, cause: e },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  get(key: string): Promise<GetResult>;
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  async get(key: string, opts?: { ifNoneMatch?: string }): Promise<GetResult | undefined> {
    validateKey(key, "get");
    return this.call("get", key, async () => {
      const headers: Record<string, string> = {};
      if (opts?.ifNoneMatch !== undefined) headers["If-None-Match"] = opts.ifNoneMatch;
      const res = await this.client.makeRequestAsync(
        { method: "GET", bucketName: this.opts.bucket, objectName: this.k(key), headers },
        "",
        [200, 304],
      );
      if (res.statusCode === 304) {
        res.resume();
        return undefined;
      }
      const body = await streamToBuffer(res);
      return { ...infoFromHeaders(key, res), size: body.length, body };
    });
  }

  override async getStream(key: string): Promise<StreamResult> {
    validateKey(key, "get");
    const res = await this.call("get", key, () =>
      this.client.makeRequestAsync({ method: "GET", bucketName: this.opts.bucket, objectName: this.k(key) }, "", [200]));
    return { info: infoFromHeaders(key, res), body: res as Readable };
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key, "head");
    return this.call("head", key, async () => {
      const st = await this.client.statObject(this.opts.bucket, this.k(key));
      return {
        key, size: st.size, version: unquote(st.etag), lastModified: st.lastModified,
        writerToken: (st.metaData as Record<string, string>)[WRITER_TOKEN_META],
      };
    });
  }

  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const full = prefix === "" && this.opts.prefix !== "" ? `${this.opts.prefix}/` : this.k(prefix);
    const strip = this.opts.prefix === "" ? 0 : this.opts.prefix.length + 1;
    return this.call("list", prefix, async () => {
      const startAfter = opts.cursor === undefined && opts.startAfter !== undefined ? this.k(opts.startAfter) : "";
      const res = await this.client.listObjectsV2Query(
        this.opts.bucket, full, opts.cursor ?? "", "", Math.min(opts.maxKeys ?? MAX_PAGE, MAX_PAGE), startAfter,
      );
      const items: ObjectInfo[] = res.objects
        .filter((o): o is typeof o & { name: string } => typeof (o as { name?: unknown }).name === "string")
        .map((o) => ({ key: o.name.slice(strip), size: o.size ?? 0, version: unquote(o.etag), lastModified: o.lastModified }));
      return { items, cursor: res.isTruncated ? res.nextContinuationToken : undefined };
    });
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key, "put");
    const meta: Record<string, string> = {};
    if (opts.ifNoneMatch) meta["If-None-Match"] = opts.ifNoneMatch;
    if (opts.ifMatch !== undefined) meta["If-Match"] = opts.ifMatch;
    if (opts.contentType) meta["Content-Type"] = opts.contentType;
    if (opts.writerToken) meta[WRITER_TOKEN_META] = opts.writerToken;
    const payload = isStreamBody(body) && opts.contentLength !== undefined ? body : await bodyToBuffer(body);
    const size = Buffer.isBuffer(payload) ? payload.length : opts.contentLength;
    return this.call("put", key, async () => {
      const out = await this.client.putObject(this.opts.bucket, this.k(key), payload, size, meta);
      return { version: unquote(out.etag) };
    }, opts.ifMatch !== undefined);
  }

  /**
   * A conditional delete sends If-Match (atomic where the store honours it: AWS S3,
   * MinIO) and checks the version with a HEAD first, because Ceph RGW ignores If-Match
   * on DELETE; on RGW it is therefore check-then-delete, not atomic. The graph store
   * never relies on conditional deletes.
   */
  async delete(key: string, opts: DeleteOptions = {}): Promise<void> {
    validateKey(key, "delete");
    if (opts.ifMatch !== undefined) {
      const current = await this.head(key).catch((e) => {
        if (e instanceof StorageError && e.code === "ERR_NOT_FOUND") return undefined;
        throw e;
      });
      if (!current || current.version !== opts.ifMatch) {
        throw new PreconditionFailed(`${JSON.stringify(key)} is not at version ${opts.ifMatch}`, { key, op: "delete" });
      }
    }
    await this.call("delete", key, async () => {
      const headers: Record<string, string> = {};
      if (opts.ifMatch !== undefined) headers["If-Match"] = opts.ifMatch;
      const res = await this.client.makeRequestAsync(
        { method: "DELETE", bucketName: this.opts.bucket, objectName: this.k(key), headers }, "", [200, 204],
      );
      res.resume();
    }, opts.ifMatch !== undefined);
  }

  lance(path = ""): LanceLocation {
    const scheme = this.opts.useSSL ? "https" : "http";
    const storageOptions: Record<string, string> = {
      endpoint: `${scheme}://${this.opts.host}:${this.opts.port}`,
      region: this.opts.region ?? "us-east-1",
      awsAccessKeyId: this.opts.accessKey,
      awsSecretAccessKey: this.opts.secretKey,
      virtualHostedStyleRequest: "false",
    };
    if (!this.opts.useSSL) storageOptions.allowHttp = "true";
    const where = [this.opts.prefix, path].filter((s) => s !== "").join("/");
    return { uri: `s3://${this.opts.bucket}${where ? `/${where}` : ""}`, storageOptions };
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^W\//, "").replace(/^"|"$/g, "");
}

function infoFromHeaders(key: string, res: IncomingMessage): ObjectInfo {
  const h = res.headers;
  const lm = h["last-modified"];
  return {
    key,
    size: Number(h["content-length"] ?? 0),
    version: unquote(typeof h.etag === "string" ? h.etag : undefined),
    lastModified: lm ? new Date(lm) : undefined,
    writerToken: typeof h[`x-amz-meta-${WRITER_TOKEN_META}`] === "string" ? (h[`x-amz-meta-${WRITER_TOKEN_META}`] as string) : undefined,
  };
}
