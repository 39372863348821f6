import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidStoreUrl } from "./errors.ts";

/**
 * Storage URL parsing, without importing any driver (so a process can load only the
 * driver it uses; see `openStoreLazily` in open.ts).
 */

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

/** The URL without anything secret-looking, for error messages and logs. */
export function redact(url: string): string {
  return typeof url === "string" ? url.replace(/\/\/[^/@]*@/, "//***@") : String(url);
}
