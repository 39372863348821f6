import test, { type ExecutionContext } from "ava";
import * as lancedb from "@lancedb/lancedb";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type OpenStoreOptions } from "../../drivers/open.ts";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";

/** Creates, appends to and reads a Lance table where the store's `lance()` says. */
async function lanceRoundTrip(t: ExecutionContext, url: string, opts: OpenStoreOptions = {}): Promise<void> {
  const store = openStore(url, opts);
  try {
    const loc = store.lance("graphs/g1/data");
    const db = await lancedb.connect(loc.uri, { storageOptions: loc.storageOptions });
    const table = await db.createTable("people", [{ id: "a", age: 30 }, { id: "b", age: 25 }]);
    const v1 = await table.version();
    const added = await table.add([{ id: "c", age: 41 }]);
    t.is(added.version, v1 + 1);
    const reopened = await (await lancedb.connect(loc.uri, { storageOptions: loc.storageOptions })).openTable("people");
    const rows = (await reopened.query().where("age > 26").toArray()).map((r) => String(r.id)).sort();
    t.deepEqual(rows, ["a", "c"]);
    t.is(await reopened.countRows(), 3);
    // The dataset sits under the store's prefix, visible through the driver itself.
    let objects = 0;
    for await (const o of store.list("graphs/g1/data/people.lance/")) if (o.key.includes("_versions/")) objects++;
    t.true(objects >= 2, `expected Lance version files under the store prefix, saw ${objects}`);
  } finally {
    await store.close();
  }
}

test("LanceDB creates, appends to and reads a table on fs through the store URL", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "og-lance-"));
  try {
    await lanceRoundTrip(t, `fs://${dir}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

rgwSuite(test, "LanceDB on RGW", (env) => {
  test("LanceDB creates, appends to and reads a table on RGW through the store URL", async (t) => {
    const prefix = freshPrefix("lance").replace(/\/$/, "");
    await lanceRoundTrip(t, `s3://${env.bucket}/${prefix}?endpoint=${env.endpoint}&region=${env.region}`, {
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    });
  });
});
