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

interface Rule {
  fault: ProxyFault;
  method: string | undefined;
  remaining: number;
}

/**
 * A loopback HTTP proxy in front of a real store (RGW, the GCS double) that injects
 * transport-level faults, so driver tests exercise the real SDK's handling of lost
 * responses, throttling, 409s and stalls. The Host header is forwarded unchanged so
 * S3 SigV4 signatures (computed for the proxy's address) still verify upstream.
 */
export class FaultProxy {
  private server: Server | undefined;
  private rules: Rule[] = [];
  private stalled: ServerResponse[] = [];
  /** Requests received, by method. */
  readonly seen: Record<string, number> = {};
  endpoint = "";

  constructor(readonly upstream: string, readonly protocol: "s3" | "gcs") {}

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = createServer((req, res) => this.handle(req, res, up));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next `times` requests (of `method`, if given) suffer `fault`. */
  inject(fault: ProxyFault, times = 1, method?: string): void {
    this.rules.push({ fault, method, remaining: times });
  }

  clear(): void {
    this.rules = [];
    for (const res of this.stalled) res.destroy();
    this.stalled = [];
  }

  get total(): number {
    return Object.values(this.seen).reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    this.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }

  private take(method: string): ProxyFault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.method === undefined || r.method === method));
    if (!rule) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  private handle(req: IncomingMessage, res: ServerResponse, up: URL): void {
    const method = req.method ?? "GET";
    this.seen[method] = (this.seen[method] ?? 0) + 1;
    const fault = this.take(method);
    if (fault === "stall") {
      req.resume();
      this.stalled.push(res);
      return;
    }
    if (fault === "throttle" || fault === "conflict409") {
      req.resume();
      req.on("end", () => this.cannedError(res, fault));
      return;
    }
    const upstreamReq = httpRequest(
      { host: up.hostname, port: up.port, method, path: req.url, headers: req.headers },
      (upRes) => {
        if (fault === "lose-response") {
          // The store has processed the request; drop its answer on the floor.
          upRes.resume();
          upRes.on("end", () => res.socket?.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstreamReq.on("error", () => res.socket?.destroy());
    req.pipe(upstreamReq);
  }

  private cannedError(res: ServerResponse, fault: "throttle" | "conflict409"): void {
    if (this.protocol === "s3") {
      const [status, code, msg] = fault === "throttle"
        ? [503, "SlowDown", "Please reduce your request rate."]
        : [409, "ConditionalRequestConflict", "A conflicting conditional operation is currently in progress against this resource."];
      res.writeHead(status, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${msg}</Message></Error>`);
    } else {
      const [status, reason] = fault === "throttle" ? [429, "rateLimitExceeded"] : [409, "conflict"];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: status, message: reason, errors: [{ reason, message: reason }] } }));
    }
  }
}
