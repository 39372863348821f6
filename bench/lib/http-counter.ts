import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One HTTP request that went through the proxy. */
export interface HttpRecord {
  /** GET, LIST (a GET with list parameters), HEAD, PUT, POST, DELETE, GET304 (a conditional GET answered 304). */
  kind: string;
  method: string;
  path: string;
  status: number | undefined;
}

/**
 * A loopback proxy in front of RGW that counts every HTTP request by kind — ours and
 * Lance's alike (point both the S3 driver and Lance's storage options at `endpoint`).
 * Like test/support/fault-proxy.ts it forwards the Host header unchanged, so SigV4
 * signatures still verify; unlike it, it tells LIST from GET. Bench-only; no faults.
 */
export class CountingProxy {
  private server: Server | undefined;
  readonly log: HttpRecord[] = [];
  endpoint = "";

  constructor(readonly upstream: string) {}

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = createServer((req, res) => this.handle(req, res, up));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }

  mark(): number {
    return this.log.length;
  }

  /** Counts by kind since `mark` (plus `total`). */
  countsSince(mark = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.log.slice(mark)) out[r.kind] = (out[r.kind] ?? 0) + 1;
    return out;
  }

  private handle(req: IncomingMessage, res: ServerResponse, up: URL): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    let kind = method;
    if (method === "GET" && /[?&](list-type=2|prefix=|delimiter=)/.test(url)) kind = "LIST";
    const rec: HttpRecord = { kind, method, path: url, status: undefined };
    this.log.push(rec);
    const upstreamReq = httpRequest({ host: up.hostname, port: up.port, method, path: url, headers: req.headers }, (upRes) => {
      rec.status = upRes.statusCode;
      if (upRes.statusCode === 304 && kind === "GET") rec.kind = "GET304";
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    upstreamReq.on("error", () => res.socket?.destroy());
    req.pipe(upstreamReq);
  }
}
