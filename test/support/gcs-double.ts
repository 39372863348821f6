import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkPreconditionSyntax, etag, GcsModel, HttpError, parseJson, parseMultipart, type StoredObject } from "./gcs-double-model.ts";

export { crc32cBase64 } from "./gcs-double-model.ts";

/**
 * An in-process HTTP double of the Google Cloud Storage JSON API v1, written from
 * Google's documentation, for testing the `gcs` driver without GCS. Objects live in
 * memory with real generation semantics:
 *
 * - every write gets a fresh, strictly increasing `generation` (decimal string in JSON);
 *   `metageneration` starts at 1 and grows with metadata PATCHes;
 * - `ifGenerationMatch` (0 = "no live object"), `ifGenerationNotMatch`,
 *   `ifMetagenerationMatch`, `ifMetagenerationNotMatch` on reads, uploads, patches and
 *   deletes; 412 `conditionNotMet` on a failed write/delete precondition, 304 on a failed
 *   `*NotMatch` read precondition; upload preconditions are checked when the upload is
 *   finalised, in the same synchronous step that stores the object (atomic);
 * - uploads: `uploadType=media`, `multipart` (multipart/related) and `resumable`
 *   (initiate → `Location` session URI → PUT, in one request or in Content-Range chunks,
 *   `308` + `Range` while incomplete); a client-supplied `md5Hash`/`crc32c` is verified;
 * - list with `prefix`, `delimiter`, `startOffset`, `endOffset`, `maxResults` (≤ 1000),
 *   `pageToken`, ordered by UTF-8 bytes;
 * - media downloads (`alt=media` and `/download/storage/v1/...`) with the headers GCS
 *   sends: `x-goog-generation`, `x-goog-metageneration`, `x-goog-hash` (crc32c + md5),
 *   `x-goog-stored-content-length/encoding`, `x-goog-meta-*`, `Last-Modified`;
 * - buckets are created on first use (`POST /storage/v1/b`, `GET`/`DELETE .../b/{b}` work too);
 * - errors in the JSON API shape `{error: {code, message, errors: [{reason, message}]}}`.
 *
 * Not implemented: ACLs and auth (every request is accepted), object versioning
 * (`versions`, `generation=`), `fields` projection (full resources are returned), Range
 * downloads, gzip transcoding, compose/copy/rewrite, `matchGlob`, batch, the XML API
 * (so LanceDB's object_store cannot run against it).
 */
export interface GcsDouble {
  /** `http://127.0.0.1:PORT`; pass as `apiEndpoint` to `@google-cloud/storage`. */
  endpoint: string;
  close(): Promise<void>;
  /**
   * HTTP requests received (counted when their body has arrived) since start or the last
   * `reset()`, faulted ones included. An upload the client abandons mid-body is not counted.
   */
  readonly requestCount: number;
  /** Every request received (method + path and query), oldest first. */
  readonly requests: ReadonlyArray<{ method: string; url: string }>;
  /** Drops all buckets, objects, upload sessions, pending faults and the request log. */
  reset(): void;
  /** Queues a fault for the next matching request(s). */
  injectFault(fault: GcsFault): void;
}

/** A fault the double applies to the next `times` (default 1) matching requests. */
export interface GcsFault {
  /** Which requests the fault applies to; default every request. */
  match?: (method: string, url: string) => boolean;
  /** Answer with this status and a JSON error body (e.g. 429, 503, 401, 403) without acting. */
  status?: number;
  reason?: string;
  /** Wait this long before doing anything (to provoke client timeouts). */
  delayMs?: number;
  /** `"before"`: destroy the socket without acting; `"after"`: act, then destroy the socket (a lost response). */
  drop?: "before" | "after";
  times?: number;
}

interface Session {
  bucket: string;
  name: string;
  meta: Record<string, unknown>;
  contentType: string;
  query: URLSearchParams;
  chunks: Buffer[];
  received: number;
  done?: { status: number; body: unknown } | undefined;
}

const REASONS: Record<number, string> = {
  401: "required", 403: "forbidden", 404: "notFound", 408: "requestTimeout", 412: "conditionNotMet",
  429: "rateLimitExceeded", 500: "backendError", 503: "backendError",
};

/** Starts the double on 127.0.0.1 (an ephemeral port unless `opts.port`). */
export async function startGcsDouble(opts: { port?: number } = {}): Promise<GcsDouble> {
  let endpoint = "";
  const model = new GcsModel(() => endpoint);
  const sessions = new Map<string, Session>();
  let faults: Array<GcsFault & { left: number }> = [];
  let log: Array<{ method: string; url: string }> = [];

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  const sendError = (res: ServerResponse, e: HttpError): void => {
    if (e.status === 304) {
      res.writeHead(304);
      res.end();
    } else sendJson(res, e.status, e.body());
  };
  const sendEmpty = (res: ServerResponse, status: number, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "content-length": "0", ...headers });
    res.end();
  };
  const bucketResource = (name: string) => ({ kind: "storage#bucket", id: name, name, location: "US", storageClass: "STANDARD" });

  const sendMedia = (res: ServerResponse, o: StoredObject, head: boolean): void => {
    const headers: Record<string, string> = {
      "content-type": o.contentType,
      "content-length": String(o.data.length),
      "x-goog-generation": String(o.generation),
      "x-goog-metageneration": String(o.metageneration),
      "x-goog-hash": `crc32c=${o.crc32c},md5=${o.md5}`,
      "x-goog-stored-content-encoding": "identity",
      "x-goog-stored-content-length": String(o.data.length),
      "x-goog-storage-class": "STANDARD",
      etag: etag(o),
      "last-modified": o.updated.toUTCString(),
      "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
    };
    for (const [k, v] of Object.entries(o.metadata ?? {})) {
      headers[`x-goog-meta-${k.toLowerCase()}`] = /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
    }
    res.writeHead(200, headers);
    res.end(head ? undefined : o.data);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = new URL(req.url ?? "/", "http://double");
    const q = url.searchParams;
    const method = req.method ?? "GET";
    const path = url.pathname;
    let m: RegExpMatchArray | null;

    if (path === "/storage/v1/b" && method === "POST") {
      const name = parseJson(body).name;
      if (typeof name !== "string" || !name) throw new HttpError(400, "required", "Required");
      if (model.has(name)) throw new HttpError(409, "conflict", "Your previous request to create the named bucket succeeded and you already own it.");
      model.bucket(name);
      return sendJson(res, 200, bucketResource(name));
    }
    if ((m = path.match(/^\/storage\/v1\/b\/([^/]+)$/))) {
      const name = decodeURIComponent(m[1]!);
      if (method === "GET") {
        model.bucket(name);
        return sendJson(res, 200, bucketResource(name));
      }
      if (method === "DELETE") {
        model.deleteBucket(name);
        return sendEmpty(res, 204);
      }
    }

    if ((m = path.match(/^\/storage\/v1\/b\/([^/]+)\/o\/?$/)) && method === "GET") {
      return sendJson(res, 200, model.list(decodeURIComponent(m[1]!), q));
    }

    // One object. Its name is everything after /o/, %-decoded once ('/' may arrive as %2F or raw).
    if ((m = path.match(/^\/(storage|download\/storage)\/v1\/b\/([^/]+)\/o\/(.+)$/))) {
      const b = decodeURIComponent(m[2]!);
      const name = decodeURIComponent(m[3]!);
      if (method === "GET" || method === "HEAD") {
        const o = model.read(b, name, q);
        if (m[1] !== "storage" || q.get("alt") === "media") return sendMedia(res, o, method === "HEAD");
        return sendJson(res, 200, model.resource(b, o));
      }
      if (m[1] === "storage" && method === "DELETE") {
        model.delete(b, name, q);
        return sendEmpty(res, 204);
      }
      if (m[1] === "storage" && (method === "PATCH" || method === "PUT")) {
        return sendJson(res, 200, model.resource(b, model.patch(b, name, parseJson(body), q)));
      }
      throw new HttpError(405, "methodNotAllowed", `Method not allowed: ${method}`);
    }

    if ((m = path.match(/^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/))) {
      const b = decodeURIComponent(m[1]!);
      const uploadType = q.get("uploadType");
      const ctype = req.headers["content-type"] ?? "";
      if (method === "POST" && uploadType === "media") {
        return sendJson(res, 200, model.resource(b, model.insert(b, q.get("name") ?? "", body, {}, ctype, q)));
      }
      if (method === "POST" && uploadType === "multipart") {
        const [metaPart, mediaPart] = parseMultipart(ctype, body);
        const meta = parseJson(metaPart.body);
        const name = q.get("name") ?? (typeof meta.name === "string" ? meta.name : "");
        return sendJson(res, 200, model.resource(b, model.insert(b, name, mediaPart.body, meta, mediaPart.contentType, q)));
      }
      if (method === "POST" && uploadType === "resumable" && !q.get("upload_id")) {
        const meta = parseJson(body);
        const name = q.get("name") ?? (typeof meta.name === "string" ? meta.name : "");
        if (!name) throw new HttpError(400, "required", "Required");
        checkPreconditionSyntax(q);
        const id = randomUUID();
        const xct = req.headers["x-upload-content-type"];
        sessions.set(id, { bucket: b, name, meta, contentType: typeof xct === "string" ? xct : "", query: q, chunks: [], received: 0 });
        const loc = new URL(`${endpoint}/upload/storage/v1/b/${encodeURIComponent(b)}/o`);
        loc.searchParams.set("uploadType", "resumable");
        loc.searchParams.set("name", name);
        loc.searchParams.set("upload_id", id);
        return sendEmpty(res, 200, { location: loc.toString() });
      }
      const id = q.get("upload_id");
      if ((method === "PUT" || method === "POST") && id) return resumablePut(req, res, id, body);
      throw new HttpError(400, "invalid", `Unsupported upload: ${method} uploadType=${uploadType}`);
    }

    throw new HttpError(404, "notFound", `Not Found: ${method} ${path}`);
  };

  /**
   * One PUT to a resumable session (Content-Range `bytes <range>/<total>`): range `a-b` with
   * total `*` is a chunk (308 follows); total N finishes once N bytes are in; range `a-*`
   * with total `*` (the client's single streaming request) finishes at the end of this
   * body; range `*` finishes with what is there (total N) or asks for the status (total
   * `*`). Without Content-Range the body is the whole object.
   */
  const resumablePut = (req: IncomingMessage, res: ServerResponse, id: string, body: Buffer): void => {
    const s = sessions.get(id);
    if (!s) throw new HttpError(404, "notFound", "No such upload session");
    if (s.done) return sendJson(res, s.done.status, s.done.body);
    const incomplete = (): void => sendEmpty(res, 308, s.received > 0 ? { range: `bytes=0-${s.received - 1}` } : {});
    const range = req.headers["content-range"];
    if (typeof range === "string") {
      const r = range.trim().match(/^bytes (\*|(\d+)-(\d+|\*))\/(\*|\d+)$/);
      if (!r) throw new HttpError(400, "invalid", `Bad Content-Range: ${range}`);
      const total = r[4] === "*" ? undefined : Number(r[4]);
      if (r[1] === "*") {
        if (total === undefined || total !== s.received) return incomplete();
      } else {
        const start = Number(r[2]);
        if (start > s.received) throw new HttpError(400, "invalid", `Content-Range starts at ${start}, have ${s.received}`);
        const chunk = body.subarray(s.received - start);
        s.chunks.push(chunk);
        s.received += chunk.length;
        if (r[3] !== "*" && total === undefined) return incomplete();
        if (total !== undefined && s.received < total) return incomplete();
      }
    } else {
      s.chunks = [body];
      s.received = body.length;
    }
    try {
      s.done = { status: 200, body: model.resource(s.bucket, model.insert(s.bucket, s.name, Buffer.concat(s.chunks), s.meta, s.contentType, s.query)) };
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      s.done = { status: e.status, body: e.body() };
    }
    sendJson(res, s.done.status, s.done.body);
  };

  const respond = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const method = req.method ?? "GET", url = req.url ?? "/";
    log.push({ method, url });
    const fault = faults.find((f) => !f.match || f.match(method, url));
    if (fault && --fault.left <= 0) faults = faults.filter((f) => f !== fault);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (res.destroyed || req.socket.destroyed) return;
    if (fault?.drop === "before") return void req.socket.destroy();
    if (fault?.status) {
      return sendError(res, new HttpError(fault.status, fault.reason ?? REASONS[fault.status] ?? "backendError", `Injected ${fault.status}`));
    }
    if (fault?.drop === "after") {
      const sink = { writeHead: () => sink, end: () => sink } as unknown as ServerResponse;
      try { handle(req, sink, body); } catch { /* the client never sees the outcome */ }
      return void req.socket.destroy();
    }
    try {
      handle(req, res, body);
    } catch (e) {
      sendError(res, e instanceof HttpError ? e : new HttpError(500, "backendError", e instanceof Error ? e.message : String(e)));
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void respond(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    get requestCount() { return log.length; },
    get requests() { return log; },
    reset() {
      model.clear();
      sessions.clear();
      faults = [];
      log = [];
    },
    injectFault(fault: GcsFault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
