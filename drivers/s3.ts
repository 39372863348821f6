import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { StoreBase } from "./base.ts";
import { bodyToBuffer, isStreamBody, streamToBuffer } from "./body.ts";
import type {
  DeleteOptions, GetResult, LanceLocation, ListPage, ListPageOptions, ObjectInfo, PutBody, PutOptions, PutResult,
  StreamResult,
} from "./contract.ts";
import { MAX_PAGE, WRITER_TOKEN_META } from "./contract.ts";
import { PreconditionFailed, StorageError } from "./errors.ts";
import { mapS3Failure } from "./s3-errors.ts";
import { joinKey, validateKey, validatePrefix } from "./keys.ts";


export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/'; may be empty. */
  prefix: string;
  /** S3-compatible endpoint (RGW, MinIO, …); omit for AWS S3. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Path-style addressing; default true when `endpoint` is set. */
  forcePathStyle?: boolean | undefined;
  /** Static credentials; omit to use the standard AWS chain (env, profile, IRSA, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
  /** Deadline for one request, body included (default 30 s). */
  requestTimeoutMs?: number | undefined;
}

/**
 * AWS S3 and S3-compatible stores through @aws-sdk/client-s3.
 *
 * - Version token: the ETag without quotes (RGW rejects a quoted ETag in If-Match).
 * - The SDK's own retries are off (`maxAttempts: 1`); {@link RetryingStore} retries, so
 *   that a retry after a lost response is resolved by the writer token.
 * - If-Match on a missing key is 404 on AWS and 412 on RGW: both become
 *   ERR_PRECONDITION_FAILED.
 */
export class S3Store extends StoreBase {
  readonly kind: "s3" | "minio" = "s3";
  readonly description: string;
  /** Conditional DELETE is not atomic everywhere (RGW ignores If-Match on DELETE); see `delete`. */
  readonly capabilities = { writerToken: true, conditionalDelete: false };
  readonly client: S3Client;
  private readonly timeoutMs: number;

  constructor(readonly opts: S3StoreOptions) {
    super();
    const cfg: S3ClientConfig = {
      region: opts.region ?? process.env.AWS_REGION ?? "us-east-1",
      maxAttempts: 1,
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      requestHandler: { connectionTimeout: 5_000 },
      // Flexible checksums (aws-chunked trailers) are not understood by every
      // S3-compatible store (RGW answers 411 to streamed bodies): send them only when
      // an operation requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    if (opts.endpoint) cfg.endpoint = opts.endpoint;
    if (opts.credentials) cfg.credentials = opts.credentials;
    this.client = new S3Client(cfg);
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    const q = new URLSearchParams();
    if (opts.endpoint) q.set("endpoint", opts.endpoint);
    if (opts.region) q.set("region", opts.region);
    this.description = `s3://${opts.bucket}/${opts.prefix}${q.size ? `?${q}` : ""}`;
  }

  private k(key: string): string {
    return joinKey(this.opts.prefix, key);
  }

  /** Sends one command with a whole-request deadline and maps failures. */
  private async send<T>(op: string, key: string, fn: (signal: AbortSignal) => Promise<T>, conditionalWrite = false): Promise<T> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    try {
      return await fn(ac.signal);
    } catch (e) {
      throw mapS3Failure(s3FailureOf(e, ac.signal.aborted), { key, op, conditionalWrite, cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  get(key: string): Promise<GetResult>;
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  async get(key: string, opts?: { ifNoneMatch?: string }): Promise<GetResult | undefined> {
    validateKey(key, "get");
    return this.send("get", key, async (abortSignal) => {
      try {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key), IfNoneMatch: opts?.ifNoneMatch }),
          { abortSignal },
        );
        const body = await streamToBuffer(out.Body as Readable);
        return {
          key, body, size: body.length, version: unquote(out.ETag), lastModified: out.LastModified,
          writerToken: out.Metadata?.[WRITER_TOKEN_META],
        };
      } catch (e) {
        if (statusOf(e) === 304) return undefined;
        throw e;
      }
    });
  }

  override async getStream(key: string): Promise<StreamResult> {
    validateKey(key, "get");
    // The deadline covers the response headers; the body streams at the caller's pace.
    const out = await this.send("get", key, (abortSignal) =>
      this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key) }), { abortSignal }));
    return {
      info: { key, size: out.ContentLength ?? 0, version: unquote(out.ETag), lastModified: out.LastModified, writerToken: out.Metadata?.[WRITER_TOKEN_META] },
      body: out.Body as Readable,
    };
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key, "head");
    return this.send("head", key, async (abortSignal) => {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key) }), { abortSignal });
      return { key, size: out.ContentLength ?? 0, version: unquote(out.ETag), lastModified: out.LastModified, writerToken: out.Metadata?.[WRITER_TOKEN_META] };
    });
  }

  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const full = this.k(prefix);
    const strip = this.opts.prefix === "" ? 0 : this.opts.prefix.length + 1;
    return this.send("list", prefix, async (abortSignal) => {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.opts.bucket,
          Prefix: prefix === "" && this.opts.prefix !== "" ? `${this.opts.prefix}/` : full,
          MaxKeys: Math.min(opts.maxKeys ?? MAX_PAGE, MAX_PAGE),
          ContinuationToken: opts.cursor,
          StartAfter: opts.cursor === undefined && opts.startAfter !== undefined ? this.k(opts.startAfter) : undefined,
        }),
        { abortSignal },
      );
      const items: ObjectInfo[] = (out.Contents ?? []).map((o) => ({
        key: (o.Key ?? "").slice(strip), size: o.Size ?? 0, version: unquote(o.ETag), lastModified: o.LastModified,
      }));
      return { items, cursor: out.IsTruncated ? out.NextContinuationToken : undefined };
    });
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key, "put");
    // S3 needs a length up front; buffer streams of unknown length.
    const payload = isStreamBody(body) && opts.contentLength !== undefined ? body : await bodyToBuffer(body);
    const conditionalWrite = opts.ifMatch !== undefined;
    return this.send("put", key, async (abortSignal) => {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: this.k(key),
          Body: payload,
          ContentLength: Buffer.isBuffer(payload) ? payload.length : opts.contentLength,
          ContentType: opts.contentType,
          IfNoneMatch: opts.ifNoneMatch,
          IfMatch: opts.ifMatch,
          Metadata: opts.writerToken ? { [WRITER_TOKEN_META]: opts.writerToken } : undefined,
        }),
        { abortSignal },
      );
      return { version: unquote(out.ETag) };
    }, conditionalWrite);
  }

  /**
   * A conditional delete sends If-Match (atomic on AWS S3, which honours it) and checks
   * the version with a HEAD first, because Ceph RGW ignores If-Match on DELETE; on RGW
   * it is therefore check-then-delete, not atomic. The graph store never relies on
   * conditional deletes.
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
    await this.send("delete", key, (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key), IfMatch: opts.ifMatch }), { abortSignal }),
    opts.ifMatch !== undefined);
  }

  lance(path = ""): LanceLocation {
    const storageOptions: Record<string, string> = { region: this.opts.region ?? process.env.AWS_REGION ?? "us-east-1" };
    if (this.opts.endpoint) {
      storageOptions.endpoint = this.opts.endpoint;
      if (this.opts.endpoint.startsWith("http://")) storageOptions.allowHttp = "true";
    }
    if (this.opts.forcePathStyle ?? this.opts.endpoint !== undefined) storageOptions.virtualHostedStyleRequest = "false";
    if (this.opts.credentials) {
      storageOptions.awsAccessKeyId = this.opts.credentials.accessKeyId;
      storageOptions.awsSecretAccessKey = this.opts.credentials.secretAccessKey;
      if (this.opts.credentials.sessionToken) storageOptions.awsSessionToken = this.opts.credentials.sessionToken;
    }
    const where = [this.opts.prefix, path].filter((s) => s !== "").join("/");
    return { uri: `s3://${this.opts.bucket}${where ? `/${where}` : ""}`, storageOptions };
  }

  override async close(): Promise<void> {
    this.client.destroy();
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^W\//, "").replace(/^"|"$/g, "");
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function s3FailureOf(e: unknown, aborted: boolean) {
  const err = e as { name?: string; Code?: string; code?: string; message?: string };
  return {
    code: aborted ? "AbortError" : (err?.Code ?? err?.name),
    status: statusOf(e),
    errno: typeof err?.code === "string" ? err.code : undefined,
    message: err?.message ?? String(e),
  };
}
