import { entries, load, q, rows, type Entry } from "../case.ts";
import { SOCIAL, SOCIAL_SCHEMA } from "./graphs.ts";

const { ported } = entries("ordering");
const TIED = `{"type":"Person","data":{"name":"Bob","age":30}}\n{"type":"Person","data":{"name":"Alice","age":30}}\n{"type":"Person","data":{"name":"Charlie","age":25}}`;
const names = (...n: string[]) => rows(...n.map((x) => ({ "p.name": x })));
const ordered = (order: string) => `query q() { match { $p: Person } return { $p.name } order { ${order} } }`;

export const ordering: Entry[] = [
  ported(46, "ordering_descending", "order by age descending", SOCIAL, [q(ordered("$p.age desc"), undefined, names("Charlie", "Alice", "Diana", "Bob"))]),
  ported(62, "ordering_multi_key_age_desc_name_asc", "a second key breaks ties of the first", { schema: SOCIAL_SCHEMA.schema, data: TIED }, [
    q(ordered("$p.age desc, $p.name asc"), undefined, names("Alice", "Bob", "Charlie")),
  ]),
  ported(83, "ordering_tiebreak_by_key_is_deterministic", "ties break by the entity key ascending, not load order", { schema: SOCIAL_SCHEMA.schema, data: TIED }, [
    q(ordered("$p.age asc"), undefined, names("Charlie", "Alice", "Bob")),
  ]),
  ported(105, "ordering_parallel_edge_tie_breaks_by_physical_edge_id", "parallel edges tied on every key order by edge id", { schema: SOCIAL_SCHEMA.schema.replace("    since: Date?\n", "    since: Date?\n    label: String?\n") }, [
    load(`{"type":"Person","data":{"name":"Alice","age":30}}\n{"type":"Person","data":{"name":"Bob","age":25}}\n{"edge":"Knows","from":"Alice","to":"Bob","data":{"id":"edge-b","label":"loaded-first"}}`, { mode: "overwrite" }),
    load(`{"edge":"Knows","from":"Alice","to":"Bob","data":{"id":"edge-a","label":"id-first"}}`),
    q(`query q() { match { $p: Person { name: "Alice" }  $p $w:knows $f } return { $w.label } order { $p.age asc } }`, undefined, rows({ "w.label": "id-first" }, { "w.label": "loaded-first" })),
  ]),
  ported(153, "ordering_nulls_placement_asc_and_desc", "nulls first ascending, last descending", { schema: SOCIAL_SCHEMA.schema, data: `{"type":"Person","data":{"name":"Alice","age":30}}\n{"type":"Person","data":{"name":"Bob","age":null}}\n{"type":"Person","data":{"name":"Charlie","age":25}}` }, [
    q(ordered("$p.age asc"), undefined, names("Bob", "Charlie", "Alice")),
    q(ordered("$p.age desc"), undefined, names("Alice", "Charlie", "Bob")),
  ]),
];
