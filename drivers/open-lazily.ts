import type { ObjectStore } from "./contract.ts";
import { InvalidStoreUrl } from "./errors.ts";
import { DEFAULT_RETRY_POLICY, RetryingStore } from "./retry.ts";
import { parseStoreUrl } from "./store-url.ts";
import type { OpenStoreOptions } from "./open.ts";

/**
 * {@link openStore} that imports only the driver the URL names (the S3, GCS and MinIO
 * SDKs take seconds to load on a busy host; a server on fs:// should not pay for them).
 */
export async function openStoreLazily(url: string, opts: OpenStoreOptions = {}): Promise<ObjectStore> {
  const p = parseStoreUrl(url);
  let raw: ObjectStore;
  switch (p.scheme) {
    case "memory":
      raw = new (await import("./memory.ts")).MemoryStore(p.name);
      break;
    case "fs":
      raw = new (await import("./fs.ts")).FsStore(p.root);
      break;
    case "s3": {
      const d = opts.s3Defaults ?? {};
      raw = new (await import("./s3.ts")).S3Store({
        ...p, endpoint: p.endpoint ?? d.endpoint, region: p.region ?? d.region, forcePathStyle: p.forcePathStyle ?? d.forcePathStyle,
        credentials: opts.credentials, requestTimeoutMs: opts.requestTimeoutMs,
      });
      break;
    }
    case "minio": {
      // The same credential rule as openStore; the full check lives there.
      const { openStore } = await import("./open.ts");
      return openStore(url, opts);
    }
    case "gs":
      raw = new (await import("./gcs.ts")).GcsStore({ bucket: p.bucket, prefix: p.prefix, apiEndpoint: p.apiEndpoint, projectId: p.projectId, requestTimeoutMs: opts.requestTimeoutMs });
      break;
    default:
      throw new InvalidStoreUrl(`unknown store URL scheme in ${url}`);
  }
  const wrapped = opts.wrap ? opts.wrap(raw) : raw;
  return opts.retry === false ? wrapped : new RetryingStore(wrapped, opts.retry ?? DEFAULT_RETRY_POLICY);
}
