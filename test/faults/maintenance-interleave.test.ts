// Bug 3 (issue 7), deterministic: a data commit lands between compaction's two Lance
// commits (ReserveFragments, then Rewrite). Lance rebases the rewrite over it, so the
// compacted version contains the foreign update; maintenance must not publish it.
// RGW only: the interleaving point is a request of Lance's own, held at a loopback
// proxy in front of RGW while the other writer commits straight to RGW.
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
import { newGraphId } from "../store/support.ts";

/** Lance's default target fragment size: a fragment this big is never rewritten by compaction. */
const FULL_FRAGMENT = 1024 * 1024;
const SCHEMA = new arrow.Schema([new arrow.Field("id", new arrow.Utf8(), true), new arrow.Field("n", new arrow.Int32(), true)]);

function table(ids: string[], ns: Int32Array): import("apache-arrow").Table {
  return new arrow.Table({ id: arrow.vectorFromArray(ids, new arrow.Utf8()), n: arrow.makeVector(ns) });
}

rgwSuite(test, "maintenance beside an interleaved data commit", (env) => {
  for (const op of ["compact", "create_index"] as const) {
    test(`rgw: bug 3 — ${op === "compact" ? "a compaction" : "an index build"} whose Lance commits were rebased over another writer's update publishes nothing of it`, async (t) => {
      const proxy = await new FaultProxy(env.endpoint).start();
      t.teardown(() => proxy.stop());
      const prefix = freshPrefix("bug3").replace(/\/$/, "");
      const credentials = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
      const graphId = newGraphId();
      const locVia = (endpoint: string) => new GraphLocation(openStore(`s3://${env.bucket}/${prefix}?endpoint=${endpoint}&region=${env.region}`, { credentials }), `graphs/${graphId}`, graphId, undefined);
      const g = await Graph.open(locVia(proxy.endpoint), { mode: "read-write", create: true });
      // One full fragment (never rewritten), then small fragments compaction merges.
      const t0 = performance.now();
      const ids = Array.from({ length: FULL_FRAGMENT }, (_, i) => `b${i}`);
      const create: TableOp[] = [{ kind: "create", schema: SCHEMA }, { kind: "add", data: table(ids, Int32Array.from(ids, (_, i) => i)) }];
      await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": create } });
      for (let i = 0; i < 3; i++) {
        await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [{ kind: "add", data: table([`r${i}`], Int32Array.of(i)) }] } });
      }
      const committed = (await g.snapshot()).tableState("node:T")!;
      t.log(`setup ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // Writer Y, in "another process": its own connection straight to RGW.
      const direct = locVia(env.endpoint).lance();
      const y = await (await lancedb.connect(direct.uri, { storageOptions: direct.storageOptions })).openTable(tableNameOf(committed.path));
      let interleaved = false;
      // Compaction: right after its ReserveFragments commit. Index build: right after it
      // wrote its index files, before its one commit.
      const at = op === "compact" ? "_versions/" : "_indices/";
      const started = performance.now();
      proxy.hold((m, p) => m === "PUT" && p.includes(`${tableNameOf(committed.path)}.lance/${at}`), async () => {
        await y.update({ where: "id = 'b5'", valuesSql: { n: "-1" } });
        interleaved = true;
      });
      const outcome = await codeOf(op === "compact" ? compactTable(g, "main", "node:T") : buildIndex(g, "main", "node:T", "n", "btree"));
      t.log(`job ${((performance.now() - started) / 1000).toFixed(1)} s`);
      t.true(interleaved, "the other writer's update landed inside the maintenance job");
      t.is(outcome, "ERR_MANIFEST_CONFLICT", "the job aborts: its result holds a commit that is not its own");
      const reader = await Graph.open(locVia(env.endpoint), { mode: "read-only" });
      const snap = await reader.snapshot();
      t.is(snap.tableState("node:T")!.version, committed.version, "nothing was published for T");
      const b5 = await (await snap.table("node:T")).query().where("id = 'b5'").toArray();
      t.deepEqual(b5.map((r) => r.n), [5], "the foreign update is not visible");
      // The graph stays writable: the next maintenance run (no interleaving) succeeds.
      const again = op === "compact" ? await compactTable(g, "main", "node:T") : await buildIndex(g, "main", "node:T", "n", "btree");
      t.true(again.committed);
      const after = await (await (await reader.snapshot()).table("node:T")).query().where("id = 'b5'").toArray();
      t.deepEqual(after.map((r) => r.n), [5], "the retried job restored the committed version first");
      g.close();
      reader.close();
    });
  }
});
