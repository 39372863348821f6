// Bug 3 (issue 7) in `npm test`, deterministic and a few seconds long: a data commit by
// another writer lands inside a maintenance job — between compaction's ReserveFragments
// and Rewrite commits, or between an index build's index files and its commit — and
// Lance rebases the job's commit over it, so the job's result holds a foreign update.
// The content digest must make the job abort and publish nothing. The interleaving
// point is a request of Lance's own, held at a loopback proxy in front of RGW while the
// other writer commits straight to RGW. Compaction needs one full fragment (Lance's
// default target, 1 Mi rows: never rewritten, so the update there rebases cleanly); a
// one-Int32-column table keeps that cheap. (test/faults/maintenance-interleave.test.ts
// is the wide-row version.)
import test from "ava";
import * as lancedb from "@lancedb/lancedb";
import { openStore } from "../../drivers/open.ts";
import { arrow } from "../../server/store/arrow.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { buildIndex, compactTable } from "../../server/store/maintenance.ts";
import { tableNameOf, type TableOp } from "../../server/store/tables.ts";
import { codeOf } from "../support/codes.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";
import { newGraphId } from "./support.ts";

/** Lance's default target fragment size: a fragment this big is never rewritten by compaction. */
const FULL_FRAGMENT = 1024 * 1024;
const SCHEMA = new arrow.Schema([new arrow.Field("n", new arrow.Int32(), true)]);
const ints = (ns: Int32Array) => new arrow.Table({ n: arrow.makeVector(ns) });

rgwSuite(test, "bug 3: maintenance beside an interleaved update", (env) => {
  for (const op of ["compact", "create_index"] as const) {
    test(`rgw: bug 3 — ${op === "compact" ? "a compaction" : "an index build"} rebased over another writer's update (row count unchanged) publishes nothing of it`, async (t) => {
      t.timeout(60_000);
      const proxy = await new FaultProxy(env.endpoint).start();
      t.teardown(() => proxy.stop());
      const prefix = freshPrefix("bug3q").replace(/\/$/, "");
      const credentials = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
      const graphId = newGraphId();
      const locVia = (endpoint: string) => new GraphLocation(openStore(`s3://${env.bucket}/${prefix}?endpoint=${endpoint}&region=${env.region}`, { credentials }), `graphs/${graphId}`, graphId, undefined);
      const g = await Graph.open(locVia(proxy.endpoint), { mode: "read-write", create: true });
      t.teardown(() => g.close());
      // Compaction: one full fragment (rows 0..), then small fragments it merges. Index
      // build: small fragments only (the build covers them all and rebases over the update).
      const big = op === "compact" ? FULL_FRAGMENT : 1000;
      const create: TableOp[] = [{ kind: "create", schema: SCHEMA }, { kind: "add", data: ints(Int32Array.from({ length: big }, (_, i) => i)) }];
      await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": create } });
      for (let i = 0; i < 3; i++) {
        await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [{ kind: "add", data: ints(Int32Array.of(-10 - i)) }] } });
      }
      const committed = (await g.snapshot()).tableState("node:T")!;
      // Writer Y, as another process: its own connection straight to RGW.
      const direct = locVia(env.endpoint).lance();
      const y = await (await lancedb.connect(direct.uri, { storageOptions: direct.storageOptions })).openTable(tableNameOf(committed.path));
      let interleaved = false;
      // Compaction: right after its ReserveFragments commit. Index build: right after it
      // wrote its index files, before its one commit.
      const at = op === "compact" ? "_versions/" : "_indices/";
      proxy.hold((m, p) => m === "PUT" && p.includes(`${tableNameOf(committed.path)}.lance/${at}`), async () => {
        await y.update({ where: "n = 5", valuesSql: { n: "-5" } }); // same row count
        interleaved = true;
      });
      const outcome = await codeOf(op === "compact" ? compactTable(g, "main", "node:T") : buildIndex(g, "main", "node:T", "n", "btree"));
      t.true(interleaved, "the other writer's update landed inside the maintenance job");
      t.is(outcome, "ERR_MANIFEST_CONFLICT", "the job aborts: its result holds a commit that is not its own");
      const reader = await Graph.open(locVia(env.endpoint), { mode: "read-only" });
      const snap = await reader.snapshot();
      t.is(snap.tableState("node:T")!.version, committed.version, "nothing was published for T");
      const rows = async (s: typeof snap, where: string) => (await (await s.table("node:T")).query().where(where).toArray()).map((r) => r.n as number);
      t.deepEqual(await rows(snap, "n = 5 OR n = -5"), [5], "the foreign update is not visible");
      // The next run (no interleaving) succeeds, on the committed version.
      const again = op === "compact" ? await compactTable(g, "main", "node:T") : await buildIndex(g, "main", "node:T", "n", "btree");
      t.true(again.committed);
      t.deepEqual(await rows(await reader.snapshot(), "n = 5 OR n = -5"), [5], "the retried job restored the committed version first");
      await reader.close();
    });
  }
});
