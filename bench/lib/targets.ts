// Where benchmark graphs live: a local temp directory (fs) and the running Ceph RGW
// (s3 driver). Every graph gets a fresh prefix; `cleanup()` removes what a run wrote.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import * as lancedb from "@lancedb/lancedb";
import type { ObjectStore } from "../../drivers/contract.ts";
import { CountingStore } from "../../drivers/counting.ts";
import { openStore } from "../../drivers/open.ts";
import { S3Store } from "../../drivers/s3.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { rgwEnv, type RgwEnv } from "../../test/support/rgw.ts";
import { FaultProxy } from "../../test/support/fault-proxy.ts";

export type TargetName = "fs" | "rgw";

export interface OpenedLocation {
  loc: GraphLocation;
  /** Our requests (beneath the retry layer). Lance's requests are not in here. */
  counter: CountingStore;
}

export interface Target {
  name: TargetName;
  /** What a child process needs to open the same target (no secrets: RGW keys come from the env). */
  spec: TargetSpec;
  /** Root store URL (fs:///dir or s3://bucket/prefix?endpoint=…). */
  url: string;
  /**
   * The graph at `graphPrefix` (relative to the target root). With `proxy`, every HTTP
   * request — ours and Lance's — goes through it (RGW only).
   */
  open(graphPrefix: string, opts?: { proxy?: FaultProxy }): OpenedLocation;
  /** A Lance connection at `path` (relative to the target root), optionally via `proxy`. */
  lance(path: string, opts?: { proxy?: FaultProxy }): Promise<lancedb.Connection>;
  /** A counting proxy in front of this target (RGW only; undefined for fs). */
  proxy(): Promise<FaultProxy | undefined>;
  /** Removes everything this target wrote. */
  cleanup(): Promise<void>;
}

export interface TargetSpec {
  name: TargetName;
  /** fs: the directory; rgw: the key prefix inside the bucket. */
  root: string;
}

export function targetFromSpec(spec: TargetSpec): Target {
  if (spec.name === "fs") return fsTarget(spec.root);
  const t = rgwTarget(rgwEnv(), spec.root);
  if (!t) throw new Error("RGW_* variables are not set in this process");
  return t;
}

export function newId(label: string): string {
  return `${label}-${randomBytes(4).toString("hex")}`;
}

export function fsTarget(existing?: string): Target {
  const dir = existing ?? mkdtempSync(join(tmpdir(), "og-bench-"));
  const url = `fs://${dir}`;
  return {
    name: "fs",
    spec: { name: "fs", root: dir },
    url,
    open(graphPrefix) {
      let counter: CountingStore | undefined;
      const store = openStore(url, { wrap: (s: ObjectStore) => (counter = new CountingStore(s)) });
      const id = graphPrefix.split("/").pop()!;
      return { loc: new GraphLocation(store, graphPrefix, id, undefined), counter: counter! };
    },
    lance: (path) => lancedb.connect(join(dir, ...path.split("/"))),
    proxy: async () => undefined,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function rgwTarget(env: RgwEnv | undefined = rgwEnv(), existing?: string): Target | undefined {
  if (!env) return undefined;
  const root = existing ?? `bench/run-${Date.now()}-${randomBytes(3).toString("hex")}`;
  const credentials = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
  const urlFor = (endpoint: string) => `s3://${env.bucket}/${root}?endpoint=${endpoint}&region=${env.region}`;
  const proxies: FaultProxy[] = [];
  const t: Target = {
    name: "rgw",
    spec: { name: "rgw", root },
    url: urlFor(env.endpoint),
    open(graphPrefix, opts = {}) {
      let counter: CountingStore | undefined;
      const store = openStore(urlFor(opts.proxy?.endpoint ?? env.endpoint), { credentials, wrap: (s: ObjectStore) => (counter = new CountingStore(s)) });
      const id = graphPrefix.split("/").pop()!;
      return { loc: new GraphLocation(store, graphPrefix, id, undefined), counter: counter! };
    },
    lance(path, opts = {}) {
      const store = openStore(urlFor(opts.proxy?.endpoint ?? env.endpoint), { credentials });
      const { uri, storageOptions } = store.lance(path);
      return lancedb.connect(uri, { storageOptions });
    },
    async proxy() {
      const p = await new FaultProxy(env.endpoint).start();
      proxies.push(p);
      return p;
    },
    async cleanup() {
      for (const p of proxies) await p.stop();
      const store = openStore(urlFor(env.endpoint), { credentials });
      let keys: string[] = [];
      for await (const o of store.list("")) keys.push(o.key);
      // Bulk delete (1000 keys per request) where the server takes it; per key otherwise.
      const s3 = new S3Store({ bucket: env.bucket, prefix: root, endpoint: env.endpoint, region: env.region, credentials });
      const left: string[] = [];
      for (let j = 0; j < keys.length; j += 1000) {
        const chunk = keys.slice(j, j + 1000);
        try {
          const out = await s3.client.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Objects: chunk.map((k) => ({ Key: `${root}/${k}` })), Quiet: true } }));
          for (const e of out.Errors ?? []) if (e.Key) left.push(e.Key.slice(root.length + 1));
        } catch {
          left.push(...chunk);
        }
      }
      await s3.close();
      keys = left;
      let i = 0;
      const worker = async () => {
        while (i < keys.length) {
          const k = keys[i++]!;
          await store.delete(k).catch(() => {});
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      await store.close();
    },
  };
  return t;
}
