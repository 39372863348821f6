// Idempotency keys through the engine: a repeated mutate / load / schema apply / merge
// with the same key returns the original response and commits nothing new.
import test from "ava";
import { storeTargets } from "../store/support.ts";
import { engineWith, rowsOf } from "./support.ts";

const SCHEMA = `
node Note { text: String }
`;
const notes = `query q() { match { $n: Note } return { $n.text } order { $n.text } }`;
const insert = `query q($t: String) { insert Note { text: $t } }`;

for (const target of storeTargets().filter((x) => x.name !== "rgw")) {
  test(`${target.name}: a repeated mutate with the same idempotency key returns the original response and inserts once`, async (t) => {
    const e = await engineWith(target, SCHEMA);
    const first = await e.mutate({ query: insert, params: { t: "hello" }, actor: "alice", idempotencyKey: "m-1" });
    const second = await e.mutate({ query: insert, params: { t: "hello" }, actor: "alice", idempotencyKey: "m-1" });
    t.deepEqual(second, first);
    t.deepEqual(await rowsOf(e, notes), [{ "n.text": "hello" }]);
    const other = await e.mutate({ query: insert, params: { t: "hello" }, actor: "alice", idempotencyKey: "m-2" });
    t.not(other.commit, first.commit, "another key is another request");
    t.is((await rowsOf(e, notes)).length, 2);
  });

  test(`${target.name}: a repeated load and schema apply with the same key commit once`, async (t) => {
    const e = await engineWith(target, SCHEMA);
    const input = `{"type":"Note","data":{"text":"x"}}\n`;
    const a = await e.load({ input, strict: true, actor: "bob", idempotencyKey: "l-1" });
    const b = await e.load({ input, strict: true, actor: "bob", idempotencyKey: "l-1" });
    t.deepEqual(b, a);
    t.is((await rowsOf(e, notes)).length, 1);
    const source = `${SCHEMA}\nnode Tag { name: String }\n`;
    const s1 = await e.applySchema({ source, actor: "bob", idempotencyKey: "s-1" });
    const s2 = await e.applySchema({ source, actor: "bob", idempotencyKey: "s-1" });
    t.deepEqual(s2, s1);
    t.true(s1.applied);
  });
}
