// Shared helpers for the lance-facts experiments.
// Backends: "fs" (temp dir), "rgw" (Ceph RGW via RGW_* env, through a counting proxy).
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import * as arrow from "apache-arrow";

import { createRequire } from "node:module";
/**
 * @lancedb/lancedb is CJS and does `instanceof` checks against the CJS build of
 * apache-arrow; an ESM `import * as arrow from "apache-arrow"` yields different
 * classes (dual-package hazard). Use arrowCjs where lancedb checks instanceof
 * (e.g. addColumns(Field)).
 */
export const arrowCjs: typeof arrow = createRequire(import.meta.url)("apache-arrow");
export { lancedb, arrow };

export type Backend = "fs" | "rgw";
export type Kind = "GET" | "LIST" | "PUT" | "HEAD" | "DELETE" | "POST" | "COPY" | string;

export interface ReqRecord {
  kind: Kind;
  method: string;
  path: string;
  status?: number;
  bytes?: number; // response body bytes
  cond?: string; // conditional headers (if-none-match / if-match)
}

/**
 * Counting proxy (a copy of test/support/fault-proxy.ts's forwarding, extended):
 * separates LIST (GET with list-type=2 / prefix= / delimiter=) from GET and
 * PUT-with-x-amz-copy-source (COPY) from PUT; records conditional headers.
 * Host header is forwarded unchanged so SigV4 still verifies.
 */
export class CountingProxy {
  private server: Server | undefined;
  readonly log: ReqRecord[] = [];
  endpoint = "";
  /** Fault hooks (used by q11): for matching requests, "lose" forwards then cuts the connection; "503" answers SlowDown. */
  faults: { match: (method: string, path: string) => boolean; fault: "lose" | "503"; remaining: number }[] = [];
  constructor(readonly upstream: string) {}

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = createServer((req, res) => this.handle(req, res, up));
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
  since(mark: number): ReqRecord[] {
    return this.log.slice(mark);
  }
  private handle(req: IncomingMessage, res: ServerResponse, up: URL): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    let kind: Kind = method;
    if (method === "GET" && /[?&](list-type=2|prefix=|delimiter=)/.test(url)) kind = "LIST";
    if (method === "PUT" && req.headers["x-amz-copy-source"]) kind = "COPY";
    const cond = [
      req.headers["if-none-match"] ? `If-None-Match:${req.headers["if-none-match"]}` : "",
      req.headers["if-match"] ? `If-Match:${req.headers["if-match"]}` : "",
    ].filter(Boolean).join(",") || undefined;
    const rec: ReqRecord = { kind, method, path: decodeURIComponent(url), cond };
    this.log.push(rec);
    const rule = this.faults.find((f) => f.remaining > 0 && f.match(method, rec.path));
    if (rule) rule.remaining--;
    if (rule?.fault === "503") {
      rec.status = 503;
      (rec as ReqRecord & { fault?: string }).cond = (rec.cond ? rec.cond + "," : "") + "INJECTED-503";
      req.resume();
      req.on("end", () => {
        res.writeHead(503, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`);
      });
      return;
    }
    const upstreamReq = httpRequest(
      { host: up.hostname, port: up.port, method, path: url, headers: req.headers },
      (upRes) => {
        rec.status = upRes.statusCode;
        if (rule?.fault === "lose") {
          rec.cond = (rec.cond ? rec.cond + "," : "") + "INJECTED-LOST-RESPONSE";
          upRes.resume();
          upRes.on("end", () => res.socket?.destroy());
          return;
        }
        rec.bytes = 0;
        upRes.on("data", (c: Buffer) => (rec.bytes! += c.length));
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstreamReq.on("error", () => res.socket?.destroy());
    req.pipe(upstreamReq);
  }
}

export function summarize(recs: ReqRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of recs) out[r.kind] = (out[r.kind] ?? 0) + 1;
  out.total = recs.length;
  return out;
}
export function fmtCounts(recs: ReqRecord[]): string {
  const s = summarize(recs);
  const order = ["GET", "LIST", "HEAD", "PUT", "COPY", "DELETE", "POST"];
  const parts = order.filter((k) => s[k]).map((k) => `${k}=${s[k]}`);
  for (const k of Object.keys(s)) if (!order.includes(k) && k !== "total") parts.push(`${k}=${s[k]}`);
  return `${parts.join(" ") || "(none)"} total=${s.total}`;
}
/** Short path listing, relative to bucket/prefix. */
export function fmtPaths(recs: ReqRecord[], strip = "", max = 14): string {
  const shown = recs.length > max ? recs.slice(0, max - 2).concat(recs.slice(-2)) : recs;
  const lines = shown
    .map((r) => {
      let p = r.path;
      if (strip) p = p.split(strip).join("…").split(strip.replace(/^\/[^/]+\//, "")).join("…");
      return `    ${r.kind.padEnd(6)} ${String(r.status ?? "").padEnd(3)} ${p}${r.cond ? "  [" + r.cond + "]" : ""}`;
    });
  if (recs.length > max) lines.splice(max - 2, 0, `    … ${recs.length - max} more …`);
  return lines.join("\n");
}

export interface Ctx {
  backend: Backend;
  uri: string;
  storageOptions?: Record<string, string>;
  proxy?: CountingProxy;
  connect(opts?: Partial<lancedb.ConnectionOptions>): Promise<lancedb.Connection>;
  cleanup(): Promise<void>;
  /** string to strip from logged paths */
  strip: string;
}

let seq = 0;
export async function makeCtx(backend: Backend, name: string): Promise<Ctx> {
  if (backend === "fs") {
    const dir = mkdtempSync(join(tmpdir(), `lance-facts-${name}-`));
    return {
      backend, uri: dir, strip: "",
      connect: (opts) => lancedb.connect(dir, opts ?? {}),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const { RGW_ENDPOINT, RGW_ACCESS_KEY_ID, RGW_SECRET_ACCESS_KEY, RGW_BUCKET, RGW_REGION } = process.env;
  if (!RGW_ENDPOINT || !RGW_ACCESS_KEY_ID || !RGW_SECRET_ACCESS_KEY || !RGW_BUCKET) {
    throw new Error("RGW_* env missing: eval \"$(bash test/support/rgw.sh start)\" first");
  }
  const proxy = await new CountingProxy(RGW_ENDPOINT).start();
  const prefix = `lance-facts/${name}-${process.pid}-${Date.now()}-${seq++}`;
  const uri = `s3://${RGW_BUCKET}/${prefix}`;
  const storageOptions = {
    endpoint: proxy.endpoint,
    allowHttp: "true",
    awsAccessKeyId: RGW_ACCESS_KEY_ID,
    awsSecretAccessKey: RGW_SECRET_ACCESS_KEY,
    region: RGW_REGION ?? "us-east-1",
    virtualHostedStyleRequest: "false",
  };
  return {
    backend, uri, storageOptions, proxy, strip: `/${RGW_BUCKET}/${prefix}`,
    connect: (opts) => lancedb.connect(uri, { ...(opts ?? {}), storageOptions }),
    cleanup: async () => proxy.stop(),
  };
}

export function backendsFromArgv(): Backend[] {
  const a = process.argv[2];
  if (a === "fs" || a === "rgw") return [a];
  return process.env.RGW_ENDPOINT ? ["fs", "rgw"] : ["fs"];
}

export function errInfo(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error thrown: ${String(e)}`;
  const anyE = e as Error & { code?: unknown };
  const msg = e.message
    .replace(/\s+/g, " ")
    .replace(/,? \/usr\/local\/cargo\S*/g, "")
    .replace(/ Caused by:.*$/, "")
    .slice(0, 400);
  return `${e.constructor.name}(name=${e.name}${anyE.code !== undefined ? `, code=${String(anyE.code)}` : ""}): ${msg}`;
}

export async function tryOp<T>(label: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    const r = await f();
    console.log(`  ${label} -> OK ${fmt(r)}`);
    return r;
  } catch (e) {
    console.log(`  ${label} -> ERROR ${errInfo(e)}`);
    return undefined;
  }
}

export function fmt(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
}

export const simpleSchema = new arrow.Schema([
  new arrow.Field("id", new arrow.Utf8(), false),
  new arrow.Field("x", new arrow.Int64(), true),
]);

/** rows {id, x} for simpleSchema */
export function rows(from: number, n: number, tag = "r"): { id: string; x: number }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${tag}${from + i}`, x: from + i }));
}

export async function ids(t: lancedb.Table, where?: string): Promise<string[]> {
  const q = t.query().select(["id"]);
  if (where) q.where(where);
  const r = await q.toArray();
  return r.map((o: { id: string }) => o.id).sort();
}

export function header(s: string): void {
  console.log(`\n=== ${s} ===`);
}
