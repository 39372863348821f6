import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the proxy answers an S3 or GCS client it is told to fail. */
export type ProxyFault =
  /** Forward the request, let the store apply it, then cut the connection before the client hears back. */
  | "lose-response"
  /** Answer 503 SlowDown (S3) / 429 rateLimitExceeded (GCS) without forwarding. */
  | "throttle"
  /** Answer 409 ConditionalRequestConflict (S3) without forwarding. */
  | "conflict409"
  /** Never answer (the client's deadline must fire). */
  | "stall";

/** One request that went through the proxy. */
export interface ProxyRecord {
  /**
   * GET, LIST (a GET with list parameters), GET304 (a conditional GET answered 304),
   * HEAD, PUT, COPY (a PUT with x-amz-copy-source), POST, DELETE.
   */
  kind: string;
  method: string;
  /** Request path and query, URL-decoded. */
  path: string;
  status: number | undefined;
  /** Response body bytes forwarded to the client. */
  bytes: number;
  /** Conditional headers sent (`If-None-Match:*`, `If-Match:<etag>`) and injected faults. */
  cond: string | undefined;
  /** The `Range` header of a ranged GET (`bytes=a-b`), when sent. */
  range?: string;
  /** Request body bytes the client declared (`Content-Length`), when sent. */
  sentBytes?: number;
  /** When the request arrived and when its response ended (performance.now() ms; end undefined while open). */
  start: number;
  end: number | undefined;
}

/** Options of a {@link FaultProxy}. */
export interface FaultProxyOptions {
  /**
   * Fixed latency added to every request before it is forwarded (ms), to model a
   * remote object store's round trip in front of a loopback one (17 ms ≈ R2 from a
   * nearby region). 0 = none.
   */
  delayMs?: number;
}

/**
 * Sequential round trips among `records`: grouped greedily by start time; a request
 * that starts after the first request of the current group has ended opens a new
 * group, so requests issued in parallel count once (the same rule as
 * `CountingStore.roundTrips`, applied at the wire).
 */
export function roundTripsOf(records: ProxyRecord[]): number {
  const sorted = [...records].sort((a, b) => a.start - b.start);
  let rounds = 0;
  let roundFirstEnd = -Infinity;
  for (const r of sorted) {
    const end = r.end ?? Infinity;
    if (r.start >= roundFirstEnd) {
      rounds++;
      roundFirstEnd = end;
    } else {
      roundFirstEnd = Math.min(roundFirstEnd, end);
    }
  }
  return rounds;
}

/** Which requests a fault applies to: an HTTP method, or any test on method and path. */
export type FaultMatch = string | ((method: string, path: string) => boolean);

interface Rule {
  fault: ProxyFault;
  match: FaultMatch | undefined;
  remaining: number;
}

/**
 * A loopback HTTP proxy in front of a real store (RGW, the GCS double) that counts
 * every request — ours and LanceDB's alike, telling LIST from GET — and injects
 * transport-level faults, so driver tests exercise the real SDK's handling of lost
 * responses, throttling, 409s and stalls, and benchmarks count requests at the wire.
 * The Host header is forwarded unchanged so S3 SigV4 signatures (computed for the
 * proxy's address) still verify upstream.
 */
export class FaultProxy {
  private server: Server | undefined;
  private rules: Rule[] = [];
  private holds: { match: FaultMatch; fn: () => Promise<void>; remaining: number }[] = [];
  private stalled: ServerResponse[] = [];
  /** Every request received, oldest first. */
  readonly log: ProxyRecord[] = [];
  endpoint = "";

  /** Added latency per request (ms); may be changed between measurements. */
  delayMs: number;

  constructor(readonly upstream: string, readonly protocol: "s3" | "gcs" = "s3", opts: FaultProxyOptions = {}) {
    this.delayMs = opts.delayMs ?? 0;
  }

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = createServer((req, res) => this.handle(req, res, up));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * Deterministic interleavings: when the store has answered the next `times` requests
   * matching `match`, run `fn` (another actor's steps) before the client hears back.
   */
  hold(match: FaultMatch, fn: () => Promise<void>, times = 1): void {
    this.holds.push({ match, fn, remaining: times });
  }

  /** The next `times` requests matching `match` (all, when omitted) suffer `fault`. */
  inject(fault: ProxyFault, times = 1, match?: FaultMatch): void {
    this.rules.push({ fault, match, remaining: times });
  }

  clear(): void {
    this.rules = [];
    for (const res of this.stalled) res.destroy();
    this.stalled = [];
  }

  /** Requests received by HTTP method. */
  get seen(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.log) out[r.method] = (out[r.method] ?? 0) + 1;
    return out;
  }

  get total(): number {
    return this.log.length;
  }

  /** A position in the log, for `since` / `countsSince`. */
  mark(): number {
    return this.log.length;
  }

  since(mark: number): ProxyRecord[] {
    return this.log.slice(mark);
  }

  /** Sequential round trips since `mark` (see {@link roundTripsOf}). */
  roundTripsSince(mark = 0): number {
    return roundTripsOf(this.log.slice(mark));
  }

  /** Requests by kind since `mark`. */
  countsSince(mark = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.log.slice(mark)) out[r.kind] = (out[r.kind] ?? 0) + 1;
    return out;
  }

  async stop(): Promise<void> {
    this.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }

  private take(method: string, path: string): ProxyFault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.match === undefined || (typeof r.match === "string" ? r.match === method : r.match(method, path))));
    if (!rule) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  private handle(req: IncomingMessage, res: ServerResponse, up: URL): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    let kind = method;
    if (method === "GET" && /[?&](list-type=2|prefix=|delimiter=)/.test(url)) kind = "LIST";
    if (method === "PUT" && req.headers["x-amz-copy-source"]) kind = "COPY";
    const cond = [
      req.headers["if-none-match"] ? `If-None-Match:${req.headers["if-none-match"]}` : "",
      req.headers["if-match"] ? `If-Match:${req.headers["if-match"]}` : "",
    ].filter(Boolean);
    let path = url;
    try {
      path = decodeURIComponent(url);
    } catch {
      // keep the raw path
    }
    const rec: ProxyRecord = { kind, method, path, status: undefined, bytes: 0, cond: undefined, start: performance.now(), end: undefined };
    if (typeof req.headers.range === "string") rec.range = req.headers.range;
    if (req.headers["content-length"] !== undefined) rec.sentBytes = Number(req.headers["content-length"]);
    res.on("close", () => (rec.end ??= performance.now()));
    this.log.push(rec);
    const fault = this.take(method, path);
    if (fault) cond.push(`INJECTED-${fault}`);
    rec.cond = cond.length ? cond.join(",") : undefined;
    if (fault === "stall") {
      req.resume();
      this.stalled.push(res);
      return;
    }
    if (fault === "throttle" || fault === "conflict409") {
      req.resume();
      req.on("end", () => this.cannedError(res, fault, rec));
      return;
    }
    if (this.delayMs > 0) {
      // Hold the request (its body buffers in the socket) for the modelled latency.
      req.pause();
      setTimeout(() => this.forward(req, res, up, url, method, kind, rec, fault), this.delayMs);
      return;
    }
    this.forward(req, res, up, url, method, kind, rec, fault);
  }

  private forward(req: IncomingMessage, res: ServerResponse, up: URL, url: string, method: string, kind: string, rec: ProxyRecord, fault: ProxyFault | undefined): void {
    const upstreamReq = httpRequest(
      { host: up.hostname, port: up.port, method, path: url, headers: req.headers },
      (upRes) => {
        rec.status = upRes.statusCode;
        if (upRes.statusCode === 304 && kind === "GET") rec.kind = "GET304";
        if (fault === "lose-response") {
          // The store has processed the request; drop its answer on the floor.
          upRes.resume();
          upRes.on("end", () => res.socket?.destroy());
          return;
        }
        upRes.on("data", (c: Buffer) => (rec.bytes += c.length));
        const hold = this.holds.find((h) => h.remaining > 0 && (typeof h.match === "string" ? h.match === method : h.match(method, rec.path)));
        if (hold) hold.remaining--;
        upRes.pause();
        void (hold ? hold.fn() : Promise.resolve()).finally(() => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
      },
    );
    upstreamReq.on("error", () => res.socket?.destroy());
    req.pipe(upstreamReq);
  }

  private cannedError(res: ServerResponse, fault: "throttle" | "conflict409", rec: ProxyRecord): void {
    if (this.protocol === "s3") {
      const [status, code, msg] = fault === "throttle"
        ? [503, "SlowDown", "Please reduce your request rate."]
        : [409, "ConditionalRequestConflict", "A conflicting conditional operation is currently in progress against this resource."];
      rec.status = status;
      res.writeHead(status, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${msg}</Message></Error>`);
    } else {
      const [status, reason] = fault === "throttle" ? [429, "rateLimitExceeded"] : [409, "conflict"];
      rec.status = status;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: status, message: reason, errors: [{ reason, message: reason }] } }));
    }
  }
}
