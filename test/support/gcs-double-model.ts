import { createHash } from "node:crypto";

/**
 * The storage model behind the GCS JSON API double (see `gcs-double.ts`): buckets,
 * objects with generations, preconditions, listing, and the wire formats (object
 * resources, error bodies, multipart bodies). Everything here is synchronous, so a
 * precondition check and the write it guards are atomic.
 */

export interface StoredObject {
  name: string;
  data: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  metadata: Record<string, string> | undefined;
  md5: string;
  crc32c: string;
  created: Date;
  updated: Date;
}

/** An error answered with the GCS JSON error body (`304` is answered without a body). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }

  body(): unknown {
    return { error: { code: this.status, message: this.message, errors: [{ message: this.message, domain: "global", reason: this.reason }] } };
  }
}

const PRECONDITION_MESSAGE = "At least one of the pre-conditions you specified did not hold.";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C (Castagnoli) as GCS reports it: base64 of the big-endian 32-bit value. */
export function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

export const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function num(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v)) throw new HttpError(400, "invalid", `Invalid value for ${k}: ${v}`);
  return Number(v);
}

/** Rejects malformed precondition parameters (400) before any work. */
export function checkPreconditionSyntax(q: URLSearchParams): void {
  for (const k of ["ifGenerationMatch", "ifGenerationNotMatch", "ifMetagenerationMatch", "ifMetagenerationNotMatch"]) num(q, k);
}

export class GcsModel {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private lastGeneration = 0;

  constructor(private readonly endpoint: () => string) {}

  clear(): void {
    this.buckets.clear();
  }

  has(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** The bucket's objects; buckets are created on first use. */
  bucket(name: string): Map<string, StoredObject> {
    let b = this.buckets.get(name);
    if (!b) this.buckets.set(name, (b = new Map()));
    return b;
  }

  deleteBucket(name: string): void {
    if (this.buckets.get(name)?.size) throw new HttpError(409, "conflict", "The bucket you tried to delete is not empty.");
    this.buckets.delete(name);
  }

  /** Unique and strictly increasing across the double, microseconds-since-epoch-like (as GCS). */
  private nextGeneration(): number {
    return (this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000));
  }

  resource(bucket: string, o: StoredObject): Record<string, unknown> {
    const enc = encodeURIComponent(o.name);
    return {
      kind: "storage#object",
      id: `${bucket}/${o.name}/${o.generation}`,
      selfLink: `${this.endpoint()}/storage/v1/b/${bucket}/o/${enc}`,
      mediaLink: `${this.endpoint()}/download/storage/v1/b/${bucket}/o/${enc}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket,
      generation: String(o.generation),
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: "STANDARD",
      size: String(o.data.length),
      md5Hash: o.md5,
      crc32c: o.crc32c,
      etag: etag(o),
      timeCreated: o.created.toISOString(),
      updated: o.updated.toISOString(),
      timeStorageClassUpdated: o.created.toISOString(),
      ...(o.metadata ? { metadata: o.metadata } : {}),
    };
  }

  /** Read preconditions: 404 first, then 412 for `*Match`, 304 for `*NotMatch`. */
  read(bucket: string, name: string, q: URLSearchParams): StoredObject {
    const o = this.bucket(bucket).get(name);
    if (!o) throw new HttpError(404, "notFound", `No such object: ${bucket}/${name}`);
    const gm = num(q, "ifGenerationMatch"), mm = num(q, "ifMetagenerationMatch");
    if ((gm !== undefined && gm !== o.generation) || (mm !== undefined && mm !== o.metageneration)) {
      throw new HttpError(412, "conditionNotMet", PRECONDITION_MESSAGE);
    }
    const gn = num(q, "ifGenerationNotMatch"), mn = num(q, "ifMetagenerationNotMatch");
    if ((gn !== undefined && gn === o.generation) || (mn !== undefined && mn === o.metageneration)) {
      throw new HttpError(304, "notModified", "Not Modified");
    }
    return o;
  }

  /**
   * Write preconditions against the live object (or its absence), 412 on any failure:
   * `ifGenerationMatch=0` holds only when there is no live object, `ifGenerationNotMatch=0`
   * only when there is one.
   */
  private checkWrite(q: URLSearchParams, o: StoredObject | undefined): void {
    const gen = o?.generation ?? 0;
    const gm = num(q, "ifGenerationMatch"), gn = num(q, "ifGenerationNotMatch");
    const mm = num(q, "ifMetagenerationMatch"), mn = num(q, "ifMetagenerationNotMatch");
    const ok = (gm === undefined || gm === gen)
      && (gn === undefined || (gn === 0 ? o !== undefined : gn !== gen))
      && (mm === undefined || (o !== undefined && mm === o.metageneration))
      && (mn === undefined || o === undefined || mn !== o.metageneration);
    if (!ok) throw new HttpError(412, "conditionNotMet", PRECONDITION_MESSAGE);
  }

  /** Stores a new generation after verifying client hashes and preconditions. */
  insert(bucket: string, name: string, data: Buffer, meta: Record<string, unknown>, contentType: string, q: URLSearchParams): StoredObject {
    if (!name) throw new HttpError(400, "required", "Required");
    const md5 = createHash("md5").update(data).digest("base64");
    const crc32c = crc32cBase64(data);
    if (typeof meta.md5Hash === "string" && meta.md5Hash !== md5) {
      throw new HttpError(400, "invalid", `Provided MD5 hash "${meta.md5Hash}" doesn't match calculated MD5 hash "${md5}".`);
    }
    if (typeof meta.crc32c === "string" && meta.crc32c !== crc32c) {
      throw new HttpError(400, "invalid", `Provided CRC32C "${meta.crc32c}" doesn't match calculated CRC32C "${crc32c}".`);
    }
    const objects = this.bucket(bucket);
    this.checkWrite(q, objects.get(name));
    const now = new Date();
    const stored: StoredObject = {
      name, data, generation: this.nextGeneration(), metageneration: 1,
      contentType: typeof meta.contentType === "string" ? meta.contentType : contentType || "application/octet-stream",
      metadata: meta.metadata && typeof meta.metadata === "object" ? stringMap(meta.metadata as Record<string, unknown>) : undefined,
      md5, crc32c, created: now, updated: now,
    };
    objects.set(name, stored);
    return stored;
  }

  /** objects.patch: merges `contentType`/`metadata` (null removes), bumps metageneration. */
  patch(bucket: string, name: string, meta: Record<string, unknown>, q: URLSearchParams): StoredObject {
    const o = this.bucket(bucket).get(name);
    if (!o) throw new HttpError(404, "notFound", `No such object: ${bucket}/${name}`);
    this.checkWrite(q, o);
    if (typeof meta.contentType === "string") o.contentType = meta.contentType;
    if (meta.metadata === null) o.metadata = undefined;
    else if (meta.metadata && typeof meta.metadata === "object") {
      const merged = { ...(o.metadata ?? {}) };
      for (const [k, v] of Object.entries(meta.metadata as Record<string, unknown>)) {
        if (v === null) delete merged[k];
        else merged[k] = String(v);
      }
      o.metadata = merged;
    }
    o.metageneration++;
    o.updated = new Date();
    return o;
  }

  /** objects.delete: 404 when there is no live object, 412 on a failed precondition. */
  delete(bucket: string, name: string, q: URLSearchParams): void {
    const objects = this.bucket(bucket);
    const o = objects.get(name);
    if (!o) throw new HttpError(404, "notFound", `No such object: ${bucket}/${name}`);
    this.checkWrite(q, o);
    objects.delete(name);
  }

  /**
   * objects.list: `prefix`, `delimiter` (→ `prefixes`), `startOffset` (inclusive),
   * `endOffset` (exclusive), `maxResults` (1..1000, counting items and prefixes) and an
   * opaque `pageToken`, in UTF-8 byte order. `items` is omitted when empty, as GCS does.
   */
  list(bucket: string, q: URLSearchParams): Record<string, unknown> {
    const prefix = q.get("prefix") ?? "";
    const delimiter = q.get("delimiter") ?? "";
    const start = q.get("startOffset"), end = q.get("endOffset");
    if (q.get("matchGlob")) throw new HttpError(400, "invalid", "matchGlob is not supported by this double");
    const max = Math.min(Math.max(num(q, "maxResults") ?? 1000, 1), 1000);
    let after: string | undefined;
    const token = q.get("pageToken");
    if (token) {
      try {
        after = String(JSON.parse(Buffer.from(token, "base64url").toString("utf8")).a);
      } catch {
        throw new HttpError(400, "invalid", "Invalid pageToken");
      }
    }
    const objects = this.bucket(bucket);
    const names = [...objects.keys()].filter((n) => n.startsWith(prefix)
      && (start === null || byUtf8(n, start) >= 0) && (end === null || byUtf8(n, end) < 0)
      && (after === undefined || byUtf8(n, after) > 0)).sort(byUtf8);
    const items: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let last: string | undefined;
    let i = 0;
    for (; i < names.length && items.length + prefixes.length < max; i++) {
      const n = names[i]!;
      const cut = delimiter ? n.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const p = n.slice(0, cut + delimiter.length);
        prefixes.push(p);
        while (i + 1 < names.length && names[i + 1]!.startsWith(p)) i++;
        last = names[i];
      } else {
        items.push(this.resource(bucket, objects.get(n)!));
        last = n;
      }
    }
    const out: Record<string, unknown> = { kind: "storage#objects" };
    if (items.length) out.items = items;
    if (prefixes.length) out.prefixes = prefixes;
    if (i < names.length && last !== undefined) out.nextPageToken = Buffer.from(JSON.stringify({ a: last })).toString("base64url");
    return out;
  }
}

export function etag(o: StoredObject): string {
  return Buffer.from(`${o.generation}/${o.metageneration}`).toString("base64");
}

function stringMap(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(body.toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* fall through */ }
  throw new HttpError(400, "parseError", "Parse Error");
}

export interface BodyPart {
  contentType: string;
  body: Buffer;
}

/** Parses a two-part multipart/related body (RFC 2387): JSON metadata, then the media. */
export function parseMultipart(contentType: string, body: Buffer): [BodyPart, BodyPart] {
  const bm = contentType.match(/boundary=(?:"([^"]+)"|([^;]+))/i);
  if (!/^multipart\/related/i.test(contentType) || !bm) throw new HttpError(400, "invalid", "Expected multipart/related with a boundary");
  const delim = Buffer.from(`--${bm[1] ?? bm[2]!.trim()}`);
  const crlfDelim = Buffer.concat([Buffer.from("\r\n"), delim]);
  const parts: BodyPart[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(crlfDelim, start);
    if (next < 0) throw new HttpError(400, "invalid", "Unterminated multipart body");
    const part = body.subarray(start, next);
    const sep = part.indexOf("\r\n\r\n");
    const head = sep < 0 ? "" : part.subarray(0, sep).toString("latin1");
    const ct = head.match(/^content-type:\s*(.+)$/im)?.[1]?.trim() ?? "application/octet-stream";
    parts.push({ contentType: ct, body: sep < 0 ? part : part.subarray(sep + 4) });
    pos = next + 2;
  }
  if (parts.length !== 2) throw new HttpError(400, "invalid", `Expected 2 multipart parts, got ${parts.length}`);
  return [parts[0]!, parts[1]!];
}
