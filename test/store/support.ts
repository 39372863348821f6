import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "../../drivers/contract.ts";
import { CountingStore } from "../../drivers/counting.ts";
import { FaultyStore } from "../../drivers/faulty.ts";
import { MemoryStore } from "../../drivers/memory.ts";
import { openStore } from "../../drivers/open.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import type { Snapshot } from "../../server/store/snapshot.ts";
import type { TableOp } from "../../server/store/tables.ts";
import { HookedStore } from "../support/hooked-store.ts";
import { rgwEnv, rgwRequired, freshPrefix } from "../support/rgw.ts";

/** A place to put graphs: memory, fs, and RGW when it runs (required under CI). */
export interface StoreTarget {
  name: "memory" | "fs" | "rgw";
  /** A fresh graph location; `wrap` can insert a counting store beneath the retry layer. */
  location(graphId?: string, wrap?: (s: ObjectStore) => ObjectStore): GraphLocation;
  /** URL + env so a child process opens the same store (fs and rgw only). */
  child?: { url: string; env: NodeJS.ProcessEnv };
}

export function storeTargets(): StoreTarget[] {
  const targets: StoreTarget[] = [];
  const memName = `store-${randomBytes(4).toString("hex")}`;
  targets.push({
    name: "memory",
    location: (graphId = newGraphId(), wrap) => {
      const raw = new MemoryStore(memName);
      return new GraphLocation(wrap ? wrap(raw) : raw, `graphs/${graphId}`, graphId, undefined);
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "og-store-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  targets.push({
    name: "fs",
    location: (graphId = newGraphId(), wrap) => new GraphLocation(openStore(`fs://${dir}`, wrap ? { wrap } : {}), `graphs/${graphId}`, graphId, undefined),
    child: { url: `fs://${dir}`, env: {} },
  });
  const env = rgwEnv();
  if (env) {
    const prefix = freshPrefix("store").replace(/\/$/, "");
    const url = `s3://${env.bucket}/${prefix}?endpoint=${env.endpoint}&region=${env.region}`;
    const credentials = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
    targets.push({
      name: "rgw",
      location: (graphId = newGraphId(), wrap) => new GraphLocation(openStore(url, { credentials, ...(wrap ? { wrap } : {}) }), `graphs/${graphId}`, graphId, undefined),
      child: { url, env: { AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey } },
    });
  } else if (rgwRequired) {
    throw new Error("RGW is required under CI=true: the store suites run on memory, fs and RGW");
  }
  return targets;
}

export function newGraphId(): string {
  return `g-${randomBytes(5).toString("hex")}`;
}

import { add, create } from "./rows.ts";
export { ROW_SCHEMA, add, create, rows } from "./rows.ts";

/** Sorted ids of a table at a snapshot (empty when the table is absent). */
export async function idsAt(snap: Snapshot, key: string): Promise<string[]> {
  if (!snap.tableState(key)) return [];
  const t = await snap.table(key);
  return (await t.query().select(["id"]).toArray()).map((r) => String(r.id)).sort();
}

/** The whole logical state of a branch: table → sorted ids. */
export async function contentOf(snap: Snapshot): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const k of snap.tableKeys()) out[k] = await idsAt(snap, k);
  return out;
}

/** Commits with retry on conflicts, as an application would. Returns the commit id. */
export async function commitWithRetry(g: Graph, branch: string, build: (s: Snapshot) => Record<string, TableOp[]>, reads?: string[]): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = await g.snapshot({ branch });
    try {
      const r = await g.commit({ branch, kind: "commit", actor: "test", base, writes: build(base), reads });
      return r.entry!.commitId;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== "ERR_MANIFEST_CONFLICT" && code !== "ERR_READ_SET_CONFLICT") throw e;
    }
  }
  throw new Error("too many conflicts");
}

export function counting(loc: (wrap: (s: ObjectStore) => ObjectStore) => GraphLocation): { loc: GraphLocation; counter: CountingStore } {
  let counter: CountingStore | undefined;
  const l = loc((s) => (counter = new CountingStore(s)));
  return { loc: l, counter: counter! };
}

/**
 * A graph whose store can be steered: a {@link FaultyStore} (no rules yet) over a
 * {@link HookedStore} over the target's store, beneath the retry layer. `main` owns
 * `node:T` = [a] and `node:U` = [u0]; `branches` are created from main; the
 * after-commit work is drained.
 */
export async function steeredGraph(target: StoreTarget, branches: string[] = []): Promise<{ g: Graph; graphId: string; hooked: HookedStore; faulty: FaultyStore }> {
  const graphId = newGraphId();
  let hooked: HookedStore | undefined;
  let faulty: FaultyStore | undefined;
  const loc = target.location(graphId, (s: ObjectStore) => (faulty = new FaultyStore((hooked = new HookedStore(s)), [])));
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])], "node:U": [create, add(["u0", 0])] } });
  for (const b of branches) await g.createBranch(b, { from: "main", actor: "t" });
  await g.drain();
  return { g, graphId, hooked: hooked!, faulty: faulty! };
}
