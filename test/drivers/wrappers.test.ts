import test from "ava";
import { CountingStore } from "../../drivers/counting.ts";
import { isStorageError } from "../../drivers/errors.ts";
import { FaultyStore } from "../../drivers/faulty.ts";
import { MemoryStore } from "../../drivers/memory.ts";
import { RetryingStore } from "../../drivers/retry.ts";

const fast = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };

test("counting records requests by operation, LIST pages included", async (t) => {
  const c = new CountingStore(new MemoryStore("count-ops"));
  await c.put("a/1", "x", { ifNoneMatch: "*" });
  await c.put("a/1", "y", { ifMatch: (await c.head("a/1")).version });
  await c.get("a/1");
  for (let i = 0; i < 5; i++) await c.put(`a/k${i}`, "x");
  for await (const _ of c.list("a/", {})) void _;
  t.deepEqual(c.counts(), { get: 1, head: 1, list: 1, put: 7, delete: 0 });
  t.is(c.kinds()["put:create"], 1);
  t.is(c.kinds()["put:cas"], 1);
});

test("counting measures parallel requests as one round trip", async (t) => {
  const c = new CountingStore(new FaultyStore(new MemoryStore("count-rt"), [{ action: { kind: "latency", ms: 20 } }]));
  await c.put("x", "1");
  c.reset();
  const m = await c.measure(() => Promise.all([c.get("x"), c.head("x")]));
  t.is(m.total, 2);
  t.is(m.roundTrips, 1);
  const seq = await c.measure(async () => {
    await c.get("x");
    await c.get("x");
  });
  t.is(seq.roundTrips, 2);
});

test("retries stop after maxAttempts and surface the last typed error", async (t) => {
  const counting = new CountingStore(new FaultyStore(new MemoryStore("retry-bound"), [{ ops: ["get"], action: { kind: "throttle" } }]));
  const r = new RetryingStore(counting, fast);
  await r.put("k", "v");
  const err = await t.throwsAsync(r.get("k"));
  t.true(isStorageError(err, "ERR_THROTTLED"));
  t.is(counting.counts().get, 3);
});

test("terminal errors are not retried", async (t) => {
  const counting = new CountingStore(new MemoryStore("retry-terminal"));
  const r = new RetryingStore(counting, fast);
  const err = await t.throwsAsync(r.get("missing"));
  t.true(isStorageError(err, "ERR_NOT_FOUND"));
  t.is(counting.counts().get, 1);
});

test("faults are repeatable for a seed", async (t) => {
  const run = async (seed: number) => {
    const f = new FaultyStore(new MemoryStore(`seeded-${seed}-${Math.random()}`), [{ ops: ["put"], probability: 0.5, action: { kind: "error", code: "ERR_UNAVAILABLE" } }], seed);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 32; i++) outcomes.push(await f.put(`k${i}`, "x").then(() => true, () => false));
    return outcomes;
  };
  t.deepEqual(await run(7), await run(7));
  t.notDeepEqual(await run(7), await run(8));
});

test("a lost response on a store without writer tokens is resolved by comparing bytes", async (t) => {
  // FsStore-like store: memory with the writer-token capability switched off.
  const mem = new MemoryStore("bytes-resolve");
  Object.defineProperty(mem, "capabilities", { value: { writerToken: false, conditionalDelete: true } });
  const r = new RetryingStore(new FaultyStore(mem, [{ ops: ["put"], times: 1, action: { kind: "lost-response" } }]), fast);
  await r.put("k", "unique-body-123", { ifNoneMatch: "*" });
  t.is((await r.get("k")).body.toString(), "unique-body-123");
});
