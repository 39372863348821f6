import test from "ava";
import { storeTargets } from "../store/support.ts";
import { engineWith, fixture, rowsOf } from "./support.ts";

// Regression: a fractional bound on an integer column was pushed down to LanceDB, which
// refused it with its raw error text (build paths included). The engine now keeps such
// filters itself and answers the exact rows.
for (const target of storeTargets().filter((t) => t.name === "memory")) {
  test(`${target.name}: a fractional bound on an I32 column answers the exact rows`, async (t) => {
    const e = await engineWith(target, fixture("test.pg"), fixture("test.jsonl"));
    const q = (op: string, v: string) => rowsOf(e, `query q() { match { $p: Person $p.age ${op} ${v} } return { $p.name } order { $p.name asc } }`);
    t.deepEqual(await q(">=", "29.5"), [{ "p.name": "Alice" }, { "p.name": "Charlie" }]);
    t.deepEqual(await q("<", "25.5"), [{ "p.name": "Bob" }]);
    t.deepEqual(await q("=", "30.5"), []);
    t.deepEqual(await q("!=", "30.5"), [{ "p.name": "Alice" }, { "p.name": "Bob" }, { "p.name": "Charlie" }, { "p.name": "Diana" }]);
  });
}
