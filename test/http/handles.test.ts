/** The graph handle cache: bounded, warm reuse, idle eviction and reopen, shared opens, quarantine. */
import test from "ava";
import { openStore } from "../../drivers/open.ts";
import { GraphHandles } from "../../server/runtime/handles.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { codeOf } from "../support/codes.ts";

async function setup(name: string, ids: string[]) {
  const store = openStore(`memory://${name}-${Date.now()}`);
  for (const id of ids) (await Graph.open(new GraphLocation(store, `graphs/${id}`, id, undefined), { mode: "read-write", create: true })).close();
  const events: string[] = [];
  const handles = new GraphHandles({
    layout: { kind: "prefix-per-tenant", store }, mode: "read-write", maxOpen: 2, idleMs: 60_000, openConcurrency: 2,
    events: { opened: (h) => events.push(`open:${h.graphId}`), closed: (h, why) => events.push(`${why}:${h.graphId}`) },
  });
  return { store, handles, events };
}

test("warm handles are reused; concurrent opens share one open; the cache stays within max_open", async (t) => {
  const { handles, events } = await setup("reuse", ["a", "b", "c"]);
  t.teardown(() => handles.close());
  const [l1, l2] = await Promise.all([handles.acquire(null, "a"), handles.acquire(null, "a")]);
  t.is(l1.handle, l2.handle);
  l1.release();
  l2.release();
  await handles.use(null, "b", async () => undefined);
  await handles.use(null, "c", async () => undefined);
  t.is(handles.size, 2);
  t.deepEqual(events, ["open:a", "open:b", "evicted:a", "open:c"]);
  t.deepEqual(await handles.discover(null), ["a", "b", "c"]);
  t.is(await codeOf(handles.acquire(null, "zz")), "ERR_GRAPH_NOT_FOUND");
});

test("idle handles close after idle_seconds and reopen on demand; busy ones stay", async (t) => {
  const { handles, events } = await setup("idle", ["a", "b"]);
  t.teardown(() => handles.close());
  await handles.use(null, "a", async () => undefined);
  const busy = await handles.acquire(null, "b");
  t.is(handles.evictIdle(Date.now() + 61_000), 1);
  t.deepEqual(events.filter((e) => e.startsWith("idle")), ["idle:a"]);
  t.is(handles.size, 1);
  busy.release();
  await handles.use(null, "a", async (h) => t.is(h.graphId, "a"));
  t.is(events.filter((e) => e === "open:a").length, 2);
});

test("a graph whose open-time recovery fails is quarantined, not served; others are", async (t) => {
  const { store, handles } = await setup("quar", ["good", "bad"]);
  t.teardown(() => handles.close());
  await store.put("graphs/bad/__recovery/01TX.json", "{}", { contentType: "application/json" });
  t.is(await codeOf(handles.acquire(null, "bad")), "ERR_GRAPH_QUARANTINED");
  t.is(await codeOf(handles.acquire(null, "bad")), "ERR_GRAPH_QUARANTINED");
  t.deepEqual(handles.quarantined.map((q) => [q.graphId, q.code]), [["bad", "ERR_MANIFEST_CORRUPT"]]);
  const listed = await handles.list(null);
  t.deepEqual(listed.graphs.map((g) => g.graphId), ["good"]);
  t.is(await codeOf(handles.use(null, "good", async () => undefined)), "ok");
});
