// Lost responses and throttling on Lance's own writes (data files, transaction files,
// version manifests) during a commit, injected at a loopback FaultProxy in front of RGW
// (npm run test:faults): a client retrying with its idempotency key; checks as in
// test/store/faults-writes.test.ts. Found here: an outage past Lance's own retries was
// ERR_LANCE (500, not retryable); it is ERR_UNAVAILABLE now. A lost response on Lance's
// version manifest makes Lance see its own commit as a concurrent one: the attempt
// fails with a retryable conflict and the retry commits once.
import test from "ava";
import { FaultProxy, type ProxyFault } from "../support/fault-proxy.ts";
import { checkOutcomes, FaultyGraphSite, RetryingClient, seedGraph } from "../support/protocol-faults.ts";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";
import { newGraphId } from "../store/support.ts";

const LANCE_WRITES: [string, RegExp][] = [["data file", /\.lance\/data\//], ["transaction file", /\.lance\/_transactions\//], ["version manifest", /\.lance\/_versions\//]];
const FAULTS: [ProxyFault, number][] = [["lose-response", 1], ["throttle", 3], ["throttle", 30]];

rgwSuite(test, "faults on Lance's writes", (env) => {
  for (const [what, path] of LANCE_WRITES) {
    for (const [fault, times] of FAULTS) {
      test.serial(`rgw: ${fault}×${times} on Lance's ${what} PUT during a commit: acknowledged once, unknown resolved by key, nothing torn`, async (t) => {
        t.timeout(120_000);
        const proxy = await new FaultProxy(env.endpoint).start();
        t.teardown(() => proxy.stop());
        const prefix = freshPrefix("lancefaults").replace(/\/$/, "");
        const url = (endpoint: string) => `s3://${env.bucket}/${prefix}?endpoint=${endpoint}&region=${env.region}`;
        const site = new FaultyGraphSite(url(env.endpoint), newGraphId(), 2000, { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey }, url(proxy.endpoint));
        await seedGraph(site);
        const steps: string[] = [];
        const client = new RetryingClient(site, steps);
        await client.handle();
        const mark = proxy.mark();
        proxy.inject(fault, times, (m, p) => m === "PUT" && path.test(p));
        await client.run("k-c1", "commit", "r1");
        const hit = proxy.since(mark).filter((r) => r.cond?.includes("INJECTED")).length;
        proxy.clear();
        await client.run("k-c2", "commit", "r2");
        await client.close();
        t.true(hit > 0, "the fault was injected");
        const problems = await checkOutcomes(site, client.outcomes);
        t.log(steps.join("; "));
        t.deepEqual(problems, [], steps.join("\n"));
        // An outage under Lance is the store's (retryable 503), never a Lance failure (500).
        t.false(client.outcomes.some((o) => o.codes.includes("ERR_LANCE")), `codes: ${client.outcomes.map((o) => o.codes.join(",")).join(" | ")}`);
      });
    }
  }
});
