import type { ExecutionContext, TestFn } from "ava";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { listAll } from "../../drivers/base.ts";
import { streamToBuffer } from "../../drivers/body.ts";
import type { ObjectStore } from "../../drivers/contract.ts";
import type { RetryPolicy } from "../../drivers/retry.ts";
import type { StoreOp } from "../../drivers/wrapper.ts";
import type { ProxyFault } from "../support/fault-proxy.ts";
import { codeOf } from "../support/codes.ts";

/** Injects transport faults into one opened store (a proxy for network drivers, FaultyStore otherwise). */
export interface FaultInjector {
  inject(fault: ProxyFault, times: number, op?: StoreOp): void;
  /** Requests that reached the fault point so far. */
  requests(): number;
}

export interface OpenedStore {
  store: ObjectStore;
  faults: FaultInjector;
  close(): Promise<void>;
}

export interface DriverHarness {
  name: string;
  /** False when faults cannot be injected (live cloud stores): the fault cases are not registered. */
  faultCases?: boolean;
  /** Opens the driver on a fresh, empty prefix, behind its own fault injector. */
  open(opts?: { retry?: RetryPolicy | false; requestTimeoutMs?: number }): Promise<OpenedStore>;
}

const FAST_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 40 };

async function inParallel<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
}

/**
 * The one conformance suite every driver passes. Each case opens its own store on a
 * fresh prefix, so cases run concurrently and leave nothing behind that matters.
 */
export function conformance(test: TestFn, h: DriverHarness): void {
  const t = (title: string, fn: (s: OpenedStore, a: ExecutionContext) => Promise<void>, opts?: Parameters<DriverHarness["open"]>[0]) =>
    test(`${h.name}: ${title}`, async (a) => {
      const opened = await h.open(opts);
      try {
        await fn(opened, a);
      } finally {
        await opened.close();
      }
    });

  t("put then get and head return the bytes and one version", async ({ store }, a) => {
    const { version } = await store.put("a/b.json", '{"x":1}');
    const got = await store.get("a/b.json");
    a.is(got.body.toString(), '{"x":1}');
    a.is(got.version, version);
    const head = await store.head("a/b.json");
    a.is(head.version, version);
    a.is(head.size, 7);
  });

  t("binary bodies round-trip byte for byte", async ({ store }, a) => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
    await store.put("bin", bytes);
    a.true((await store.get("bin")).body.equals(bytes), "binary body changed");
  });

  t("get and head of a missing key fail ERR_NOT_FOUND", async ({ store }, a) => {
    a.is(await codeOf(store.get("missing")), "ERR_NOT_FOUND");
    a.is(await codeOf(store.head("missing")), "ERR_NOT_FOUND");
    a.is(await codeOf(store.getStream("missing")), "ERR_NOT_FOUND");
  });

  t("create-only race: 16 concurrent creates of one key, exactly one wins", async ({ store }, a) => {
    const results = await inParallel(16, (i) => codeOf(store.put("race/create", `writer-${i}`, { ifNoneMatch: "*" })));
    a.is(results.filter((r) => r === "ok").length, 1);
    a.is(results.filter((r) => r === "ERR_PRECONDITION_FAILED").length, 15);
    const winner = results.indexOf("ok");
    a.is((await store.get("race/create")).body.toString(), `writer-${winner}`);
  });

  t("create-only on an existing key fails ERR_PRECONDITION_FAILED and leaves it unchanged", async ({ store }, a) => {
    await store.put("k", "first", { ifNoneMatch: "*" });
    a.is(await codeOf(store.put("k", "second", { ifNoneMatch: "*" })), "ERR_PRECONDITION_FAILED");
    a.is((await store.get("k")).body.toString(), "first");
  });

  t("CAS race: 16 concurrent updates from one version, exactly one wins", async ({ store }, a) => {
    const { version } = await store.put("race/cas", "v0", { ifNoneMatch: "*" });
    const results = await inParallel(16, (i) => codeOf(store.put("race/cas", `v1-${i}`, { ifMatch: version })));
    a.is(results.filter((r) => r === "ok").length, 1);
    a.is(results.filter((r) => r === "ERR_PRECONDITION_FAILED").length, 15);
    a.is((await store.get("race/cas")).body.toString(), `v1-${results.indexOf("ok")}`);
  });

  t("CAS with a stale version fails, with the current version succeeds", async ({ store }, a) => {
    const v1 = (await store.put("cas", "one", { ifNoneMatch: "*" })).version;
    const v2 = (await store.put("cas", "two", { ifMatch: v1 })).version;
    a.true(v1 !== v2, "a write must change the version");
    a.is(await codeOf(store.put("cas", "stale", { ifMatch: v1 })), "ERR_PRECONDITION_FAILED");
    await store.put("cas", "three", { ifMatch: v2 });
    a.is((await store.get("cas")).body.toString(), "three");
  });

  t("If-Match on a missing key fails ERR_PRECONDITION_FAILED (RGW 412 and AWS 404 normalised)", async ({ store }, a) => {
    const { version } = await store.put("tmp", "x");
    a.is(await codeOf(store.put("never-written", "x", { ifMatch: version })), "ERR_PRECONDITION_FAILED");
    a.is(await codeOf(store.head("never-written")), "ERR_NOT_FOUND");
  });

  t("conditional get returns nothing while the version is unchanged", async ({ store }, a) => {
    const { version } = await store.put("cond", "x");
    a.is(await store.get("cond", { ifNoneMatch: version }), undefined);
    await store.put("cond", "y");
    a.is((await store.get("cond", { ifNoneMatch: version }))?.body.toString(), "y");
  });

  t("list with a prefix over more than 1000 keys, in order, paginated", async ({ store }, a) => {
    const n = 1100;
    const keys = Array.from({ length: n }, (_, i) => `many/k${String(i).padStart(5, "0")}`);
    for (let i = 0; i < n; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, "x")));
    await store.put("manyother", "not under the prefix");
    const listed = (await listAll(store, "many/")).map((o) => o.key);
    a.is(listed.length, n);
    a.is(listed.join(","), keys.join(","));
    const first = await store.listPage("many/", { maxKeys: 1000 });
    a.is(first.items.length, 1000);
    a.true(first.cursor !== undefined, "a truncated page must carry a cursor");
    const second = await store.listPage("many/", { cursor: first.cursor!, maxKeys: 1000 });
    a.is(second.items.length, 100);
    a.is(second.cursor, undefined);
    const after = (await listAll(store, "many/", { startAfter: "many/k01095" })).map((o) => o.key);
    a.is(after.join(","), "many/k01096,many/k01097,many/k01098,many/k01099");
    a.is((await listAll(store, "many/", { limit: 3 })).length, 3);
  });

  t("delete removes, deleting a missing key succeeds, conditional delete checks the version", async ({ store }, a) => {
    const { version } = await store.put("d", "x");
    await store.put("d2", "y");
    await store.delete("d2");
    a.is(await codeOf(store.head("d2")), "ERR_NOT_FOUND");
    await store.delete("d2");
    a.is(await codeOf(store.delete("d", { ifMatch: "not-the-version" })), "ERR_PRECONDITION_FAILED");
    a.is((await store.get("d")).body.toString(), "x");
    await store.delete("d", { ifMatch: version });
    a.is(await codeOf(store.head("d")), "ERR_NOT_FOUND");
  });

  t("objects of 16 MiB and more round-trip, buffered and streamed", async ({ store }, a) => {
    const big = randomBytes(16 * 1024 * 1024 + 123);
    await store.put("big/one", big, { ifNoneMatch: "*" });
    a.true((await store.get("big/one")).body.equals(big), "16 MiB buffered get differs");
    const { info, body } = await store.getStream("big/one");
    a.is(info.size, big.length);
    a.true((await streamToBuffer(body)).equals(big), "16 MiB streamed get differs");
    await store.put("big/two", Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]), { contentLength: big.length });
    a.true((await store.get("big/two")).body.equals(big), "16 MiB stream put differs");
  });

  t("keys with spaces, unicode and '+' round-trip and list", async ({ store }, a) => {
    const keys = ["odd/a b c", "odd/ünïcødé/ключ", "odd/a+b=c", "odd/emoji 🚀.json", "odd/percent%20literal"];
    for (const k of keys) await store.put(k, k);
    for (const k of keys) a.is((await store.get(k)).body.toString(), k);
    const listed = (await listAll(store, "odd/")).map((o) => o.key).sort();
    a.is(listed.join("|"), [...keys].sort().join("|"));
  });

  t("invalid keys fail ERR_INVALID_KEY before any request", async ({ store }, a) => {
    for (const k of ["", "/abs", "a//b", "a/../b", "./a", "a/", "nul\u0000", "x".repeat(1025)]) {
      a.is(await codeOf(store.put(k, "x")), "ERR_INVALID_KEY");
    }
  });

  t("lance() names a location under the store's prefix", async ({ store }, a) => {
    const loc = store.lance("graphs/g1/nodes/Person.lance");
    a.true(loc.uri.endsWith("graphs/g1/nodes/Person.lance"), `unexpected lance uri ${loc.uri}`);
  });

  if (h.faultCases === false) return;

  t("a create whose response was lost is reported as our success, not a conflict", async ({ store, faults }, a) => {
    faults.inject("lose-response", 1, "put");
    const body = `mine-${randomBytes(8).toString("hex")}`;
    await store.put("lost/create", body, { ifNoneMatch: "*" });
    a.is((await store.get("lost/create")).body.toString(), body);
  }, { retry: FAST_RETRY });

  t("after a lost response, someone else's object is still a conflict", async ({ store, faults }, a) => {
    await store.put("lost/theirs", "theirs", { ifNoneMatch: "*" });
    faults.inject("lose-response", 1, "put");
    a.is(await codeOf(store.put("lost/theirs", "mine", { ifNoneMatch: "*" })), "ERR_PRECONDITION_FAILED");
    a.is((await store.get("lost/theirs")).body.toString(), "theirs");
  }, { retry: FAST_RETRY });

  t("a CAS whose response was lost is reported as our success", async ({ store, faults }, a) => {
    const { version } = await store.put("lost/cas", "v0");
    faults.inject("lose-response", 1, "put");
    const body = `v1-${randomBytes(8).toString("hex")}`;
    await store.put("lost/cas", body, { ifMatch: version });
    a.is((await store.get("lost/cas")).body.toString(), body);
  }, { retry: FAST_RETRY });

  t("409 ConditionalRequestConflict is retried", async ({ store, faults }, a) => {
    faults.inject("conflict409", 1, "put");
    await store.put("c409", "x", { ifNoneMatch: "*" });
    a.is((await store.get("c409")).body.toString(), "x");
  }, { retry: FAST_RETRY });

  t("throttling is retried, with a bounded number of attempts", async ({ store, faults }, a) => {
    faults.inject("throttle", 2, "put");
    await store.put("slow", "x");
    faults.inject("throttle", 100, "get");
    const before = faults.requests();
    a.is(await codeOf(store.get("slow")), "ERR_THROTTLED");
    a.is(faults.requests() - before, FAST_RETRY.maxAttempts);
  }, { retry: FAST_RETRY });

  t("a request that never answers surfaces as ERR_TIMEOUT", async ({ store, faults }, a) => {
    await store.put("stall", "x");
    faults.inject("stall", 100, "get");
    a.is(await codeOf(store.get("stall")), "ERR_TIMEOUT");
  }, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: 1500 });

}
