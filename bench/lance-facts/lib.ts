// Shared helpers for the lance-facts experiments.
// Backends: "fs" (temp dir), "rgw" (Ceph RGW via RGW_* env, through a counting proxy).
import { FaultProxy, type ProxyRecord } from "../../test/support/fault-proxy.ts";
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
/** The request log the shared proxy keeps (test/support/fault-proxy.ts). */
export type ReqRecord = ProxyRecord;


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
  proxy?: FaultProxy;
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
  const proxy = await new FaultProxy(RGW_ENDPOINT).start();
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
