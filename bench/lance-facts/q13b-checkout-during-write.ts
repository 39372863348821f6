// Q13b: does a checkout through a table handle wait for a write running on that handle?
//   node --import=tsx bench/lance-facts/q13b-checkout-during-write.ts   (needs RGW)
import { FaultProxy } from "../../test/support/fault-proxy.ts";
import { lancedb } from "./lib.ts";

const { RGW_ENDPOINT, RGW_ACCESS_KEY_ID, RGW_SECRET_ACCESS_KEY, RGW_BUCKET, RGW_REGION } = process.env;
const proxy = await new FaultProxy(RGW_ENDPOINT!, "s3", { delayMs: 100 }).start();
const db = await lancedb.connect(`s3://${RGW_BUCKET}/lance-facts/q13b-${Date.now()}`, {
  storageOptions: { endpoint: proxy.endpoint, region: RGW_REGION ?? "us-east-1", access_key_id: RGW_ACCESS_KEY_ID!, secret_access_key: RGW_SECRET_ACCESS_KEY!, allow_http: "true", aws_virtual_hosted_style_request: "false" },
});
const t = await db.createTable("t", [{ id: "a", n: 1 }]);
await t.add([{ id: "b", n: 2 }]);
const v = await t.version();
const t0 = performance.now();
const write = t.add([{ id: "c", n: 3 }]).then(() => performance.now() - t0);
await new Promise((r) => setTimeout(r, 20));
const c0 = performance.now();
const h = await (await t.branches()).checkout("main", v);
const checkoutMs = performance.now() - c0;
const rows = await h.countRows();
console.log(`write took ${(await write).toFixed(0)} ms; checkout of v${v} started 20 ms into it took ${checkoutMs.toFixed(0)} ms (rows ${rows}); handle now at v${await t.version()}, checkout at v${await h.version()}`);
await proxy.stop();
