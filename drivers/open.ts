import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ObjectStore } from "./contract.ts";
import { InvalidStoreUrl } from "./errors.ts";
import { FsStore } from "./fs.ts";
import { GcsStore } from "./gcs.ts";
import { MemoryStore } from "./memory.ts";
import { MinioStore } from "./minio.ts";
import { DEFAULT_RETRY_POLICY, RetryingStore, type RetryPolicy } from "./retry.ts";
import { S3Store } from "./s3.ts";

/** A parsed storage URL: which driver, and its settings (never secrets). */
export type StoreUrl =
  | { scheme: "memory"; name: string }
  | { scheme: "fs"; root: string }
  | { scheme: "s3"; bucket: string; prefix: string; endpoint?: string | undefined; region?: string | undefined; forcePathStyle?: boolean | undefined }
  | { scheme: "minio"; host: string; port: number; useSSL: boolean; bucket: string; prefix: string; region?: string | undefined }
  | { scheme: "gs"; bucket: string; prefix: string; apiEndpoint?: string | undefined; projectId?: string | undefined };

const ALLOWED_PARAMS: Record<string, string[]> = {
  memory: [],
  fs: [],
  s3: ["endpoint", "region", "pathStyle"],
  minio: ["useSSL", "region"],
  gs: ["apiEndpoint", "projectId"],
};

const EXAMPLES =
  "memory://name, fs:///abs/path (or a plain path), s3://bucket/prefix?endpoint=…&region=…, " +
  "minio://host:port/bucket/prefix?useSSL=false, gs://bucket/prefix";

/**
 * Parses a storage URL. Throws `ERR_INVALID_STORE_URL` saying what to fix for an
 * unknown scheme, a malformed URL, unknown parameters, or credentials in the URL.
 *
 * @example parseStoreUrl("s3://graphs/prod?region=eu-west-1")
 */
export function parseStoreUrl(url: string): StoreUrl {
  const bad = (why: string): never => {
    throw new InvalidStoreUrl(`invalid store URL ${JSON.stringify(redact(url))}: ${why}. Examples: ${EXAMPLES}`);
  };
  if (typeof url !== "string" || url.trim() === "") bad("it is empty");
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  // A plain path is the embedded default: a directory on this host.
  if (!schemeMatch) {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url) && !/^[a-zA-Z]:[\\/]/.test(url)) bad("it has a scheme but no '//'");
    return { scheme: "fs", root: resolve(url) };
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad("it is not a well-formed URL");
  }
  if (u.username || u.password) bad("credentials must not be written in the URL (they would end up in logs); use the environment or the credential chain");
  const allowed = ALLOWED_PARAMS[scheme === "file" ? "fs" : scheme];
  if (!allowed) return bad(`unknown scheme '${scheme}'`);
  for (const name of u.searchParams.keys()) {
    if (!allowed.includes(name)) bad(`unknown parameter '${name}' for ${scheme}:// (allowed: ${allowed.join(", ") || "none"})`);
  }
  const pathPrefix = (p: string) => decodeURIComponent(p).replace(/^\/+|\/+$/g, "");

  switch (scheme) {
    case "memory": {
      const name = u.host + u.pathname.replace(/\/+$/, "");
      if (!name) bad("memory:// needs a name, e.g. memory://tests");
      return { scheme: "memory", name };
    }
    case "fs":
    case "file": {
      if (u.host) bad(`fs:// takes an absolute path: write fs:///${u.host}${u.pathname} (three slashes)`);
      const root = fileURLToPath(`file://${u.pathname}`);
      if (!isAbsolute(root) || root === "/") bad("fs:// needs an absolute directory other than '/'");
      return { scheme: "fs", root };
    }
    case "s3": {
      if (!u.hostname) bad("s3:// needs a bucket: s3://bucket/prefix");
      const endpoint = u.searchParams.get("endpoint") ?? undefined;
      if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) bad("endpoint must look like http(s)://host:port");
      const ps = u.searchParams.get("pathStyle");
      if (ps !== null && ps !== "true" && ps !== "false") bad("pathStyle must be true or false");
      return {
        scheme: "s3", bucket: u.hostname, prefix: pathPrefix(u.pathname), endpoint: endpoint?.replace(/\/$/, ""),
        region: u.searchParams.get("region") ?? undefined, forcePathStyle: ps === null ? undefined : ps === "true",
      };
    }
    case "minio": {
      if (!u.hostname) bad("minio:// needs host:port, e.g. minio://minio.local:9000/bucket/prefix");
      const [bucket, ...rest] = pathPrefix(u.pathname).split("/");
      if (!bucket) bad("minio:// needs a bucket after the host: minio://host:port/bucket/prefix");
      const ssl = u.searchParams.get("useSSL");
      if (ssl !== null && ssl !== "true" && ssl !== "false") bad("useSSL must be true or false");
      const useSSL = ssl === null ? true : ssl === "true";
      return {
        scheme: "minio", host: u.hostname, port: u.port ? Number(u.port) : useSSL ? 443 : 80, useSSL,
        bucket: bucket!, prefix: rest.join("/"), region: u.searchParams.get("region") ?? undefined,
      };
    }
    case "gs": {
      if (!u.hostname) bad("gs:// needs a bucket: gs://bucket/prefix");
      return {
        scheme: "gs", bucket: u.hostname, prefix: pathPrefix(u.pathname),
        apiEndpoint: u.searchParams.get("apiEndpoint") ?? undefined, projectId: u.searchParams.get("projectId") ?? undefined,
      };
    }
  }
  return bad(`unknown scheme '${scheme}'`);
}

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

/** The URL without anything secret-looking, for error messages and logs. */
export function redact(url: string): string {
  return typeof url === "string" ? url.replace(/\/\/[^/@]*@/, "//***@") : String(url);
}
