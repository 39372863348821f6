import type { ObjectStore } from "./contract.ts";
import { InvalidStoreUrl } from "./errors.ts";
import { FsStore } from "./fs.ts";
import { GcsStore } from "./gcs.ts";
import { MemoryStore } from "./memory.ts";
import { MinioStore } from "./minio.ts";
import { DEFAULT_RETRY_POLICY, RetryingStore, type RetryPolicy } from "./retry.ts";
import { S3Store } from "./s3.ts";
import { parseStoreUrl, type StoreUrl } from "./store-url.ts";

export { parseStoreUrl, redact, type StoreUrl } from "./store-url.ts";

export interface OpenStoreOptions {
  /** Retry policy for the network drivers; `false` disables the retry layer. */
  retry?: RetryPolicy | false;
  /** Inserted between the raw driver and the retry layer (counting, faulty). */
  wrap?: (raw: ObjectStore) => ObjectStore;
  /** Static S3/MinIO credentials (tests, operators with static keys); default: env / chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  requestTimeoutMs?: number;
  /**
   * S3 settings from the environment (`AWS_ENDPOINT_URL_S3`, `AWS_REGION`,
   * `AWS_S3_FORCE_PATH_STYLE`), read by the server's config loader; used where the URL
   * does not say. The URL's own parameters win.
   */
  s3Defaults?: { endpoint?: string | undefined; region?: string | undefined; forcePathStyle?: boolean | undefined };
}

/**
 * Opens the store a URL names. Every store is wrapped in {@link RetryingStore}
 * (bounded, jittered, retryable errors only) unless `retry: false`.
 */
export function openStore(url: string, opts: OpenStoreOptions = {}): ObjectStore {
  const parsed = parseStoreUrl(url);
  const raw = openParsed(parsed, opts);
  const wrapped = opts.wrap ? opts.wrap(raw) : raw;
  return opts.retry === false ? wrapped : new RetryingStore(wrapped, opts.retry ?? DEFAULT_RETRY_POLICY);
}

function openParsed(p: StoreUrl, opts: OpenStoreOptions): ObjectStore {
  switch (p.scheme) {
    case "memory":
      return new MemoryStore(p.name);
    case "fs":
      return new FsStore(p.root);
    case "s3": {
      const d = opts.s3Defaults ?? {};
      return new S3Store({
        ...p, endpoint: p.endpoint ?? d.endpoint, region: p.region ?? d.region, forcePathStyle: p.forcePathStyle ?? d.forcePathStyle,
        credentials: opts.credentials, requestTimeoutMs: opts.requestTimeoutMs,
      });
    }
    case "minio": {
      const accessKey = opts.credentials?.accessKeyId ?? process.env.MINIO_ACCESS_KEY ?? process.env.AWS_ACCESS_KEY_ID;
      const secretKey = opts.credentials?.secretAccessKey ?? process.env.MINIO_SECRET_KEY ?? process.env.AWS_SECRET_ACCESS_KEY;
      if (!accessKey || !secretKey) {
        throw new InvalidStoreUrl("minio:// needs credentials: set MINIO_ACCESS_KEY and MINIO_SECRET_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
      }
      return new MinioStore({ ...p, accessKey, secretKey, requestTimeoutMs: opts.requestTimeoutMs });
    }
    case "gs":
      return new GcsStore({ bucket: p.bucket, prefix: p.prefix, apiEndpoint: p.apiEndpoint, projectId: p.projectId, requestTimeoutMs: opts.requestTimeoutMs });
  }
}

