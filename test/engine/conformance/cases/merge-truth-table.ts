import { col, count, entries, mutate, q, type Entry, type Graph, type Step } from "../case.ts";

const { ported } = entries("merge_truth_table");

/** Upstream's truth-table graph: four people, one edge Bob→Carol. */
const TRUTH: Graph = {
  schema: "node Person {\n    name: String @key\n    age: I32?\n}\n\nedge Knows: Person -> Person\n",
  data: `{"type":"Person","data":{"name":"Alice","age":30}}\n{"type":"Person","data":{"name":"Bob","age":25}}\n{"type":"Person","data":{"name":"Carol","age":40}}\n{"type":"Person","data":{"name":"Dan","age":50}}\n{"edge":"Knows","from":"Bob","to":"Carol"}`,
};

type Op = "noop" | "addNode" | "removeNode" | "addEdge" | "removeEdge" | "setProperty" | "netZeroEdge";
const INSERT = `query q($name: String, $age: I32) { insert Person { name: $name, age: $age } }`;
const DELETE = `query q($name: String) { delete Person where name = $name }`;
const KNOWS = `query q($from: String, $to: String) { insert Knows { from: $from, to: $to } }`;
const UNKNOW = `query q($from: String) { delete Knows where from = $from }`;
const SET = `query q($name: String, $age: I32) { update Person set { age: $age } where name = $name }`;

/** The writes one side makes (on `branch`); `eveAge`/`aliceAge` pick the values a cell needs. */
function apply(op: Op, branch: string, v: { eveAge?: number; aliceAge?: number } = {}): Step[] {
  const b = { branch };
  switch (op) {
    case "noop": return [];
    case "addNode": return [mutate(INSERT, { name: "Eve", age: v.eveAge ?? 22 }, b)];
    case "removeNode": return [mutate(DELETE, { name: "Alice" }, b)];
    case "addEdge": return [mutate(KNOWS, { from: "Alice", to: "Carol" }, b)];
    case "removeEdge": return [mutate(UNKNOW, { from: "Bob" }, b)];
    case "setProperty": return [mutate(SET, { name: "Alice", age: v.aliceAge ?? 31 }, b)];
    case "netZeroEdge": return [mutate(KNOWS, { from: "Alice", to: "Carol" }, b), mutate(UNKNOW, { from: "Alice" }, b)];
  }
}

/** The graph state on main after a successful merge. */
interface State { persons: string[]; knows: number; aliceAge?: number }
const BASE: State = { persons: ["Alice", "Bob", "Carol", "Dan"], knows: 1, aliceAge: 30 };
const st = (f: { eve?: boolean; noAlice?: boolean; edge?: number; aliceAge?: number }): State => {
  const persons = BASE.persons.filter((p) => !(f.noAlice && p === "Alice"));
  if (f.eve) persons.push("Eve");
  const aliceAge = f.noAlice ? undefined : (f.aliceAge ?? 30);
  return { persons, knows: 1 + (f.edge ?? 0), ...(aliceAge === undefined ? {} : { aliceAge }) };
};
function check(s: State): Step[] {
  const out: Step[] = [
    q(`query q() { match { $p: Person } return { $p.name } }`, undefined, col("p.name", ...s.persons)),
    q(`query q() { match { $a $k:knows $b } return { $k.id } }`, undefined, count(s.knows)),
  ];
  if (s.aliceAge !== undefined) out.push(q(`query q() { match { $p: Person { name: "Alice" } } return { $p.age } }`, undefined, { rows: [{ "p.age": s.aliceAge }] }));
  return out;
}

type Outcome = { up: true } | { ff: State } | { merged: State } | { conflict: string };
/** (source op, target op) → OmniGraph's outcome; cells with value choices carry them. */
const CELLS: [Op, Op, Outcome, { left?: { eveAge?: number; aliceAge?: number }; right?: { eveAge?: number; aliceAge?: number } }?][] = [
  ...(["noop", "addNode", "removeNode", "addEdge", "removeEdge", "setProperty", "netZeroEdge"] as Op[]).map((r): [Op, Op, Outcome] => ["noop", r, { up: true }]),
  ["addNode", "noop", { ff: st({ eve: true }) }],
  ["addNode", "addNode", { conflict: "divergent_insert" }, { left: { eveAge: 21 }, right: { eveAge: 22 } }],
  ["addNode", "removeNode", { merged: st({ eve: true, noAlice: true }) }],
  ["addNode", "addEdge", { merged: st({ eve: true, edge: 1 }) }],
  ["addNode", "removeEdge", { merged: st({ eve: true, edge: -1 }) }],
  ["addNode", "setProperty", { merged: st({ eve: true, aliceAge: 31 }) }],
  ["addNode", "netZeroEdge", { merged: st({ eve: true }) }],
  ["removeNode", "noop", { ff: st({ noAlice: true }) }],
  ["removeNode", "addNode", { merged: st({ noAlice: true, eve: true }) }],
  ["removeNode", "removeNode", { merged: st({ noAlice: true }) }],
  ["removeNode", "addEdge", { conflict: "orphan_edge" }],
  ["removeNode", "removeEdge", { merged: st({ noAlice: true, edge: -1 }) }],
  ["removeNode", "setProperty", { conflict: "delete_vs_update" }],
  ["removeNode", "netZeroEdge", { merged: st({ noAlice: true }) }],
  ["addEdge", "noop", { ff: st({ edge: 1 }) }],
  ["addEdge", "addNode", { merged: st({ edge: 1, eve: true }) }],
  ["addEdge", "removeNode", { conflict: "orphan_edge" }],
  ["addEdge", "addEdge", { merged: st({ edge: 2 }) }],
  ["addEdge", "removeEdge", { merged: st({}) }],
  ["addEdge", "setProperty", { merged: st({ edge: 1, aliceAge: 31 }) }],
  ["addEdge", "netZeroEdge", { merged: st({ edge: 1 }) }],
  ["removeEdge", "noop", { ff: st({ edge: -1 }) }],
  ["removeEdge", "addNode", { merged: st({ edge: -1, eve: true }) }],
  ["removeEdge", "removeNode", { merged: st({ edge: -1, noAlice: true }) }],
  ["removeEdge", "addEdge", { merged: st({}) }],
  ["removeEdge", "removeEdge", { merged: st({ edge: -1 }) }],
  ["removeEdge", "setProperty", { merged: st({ edge: -1, aliceAge: 31 }) }],
  ["removeEdge", "netZeroEdge", { merged: st({ edge: -1 }) }],
  ["setProperty", "noop", { ff: st({ aliceAge: 31 }) }],
  ["setProperty", "addNode", { merged: st({ aliceAge: 31, eve: true }) }],
  ["setProperty", "removeNode", { conflict: "delete_vs_update" }],
  ["setProperty", "addEdge", { merged: st({ aliceAge: 31, edge: 1 }) }],
  ["setProperty", "removeEdge", { merged: st({ aliceAge: 31, edge: -1 }) }],
  ["setProperty", "setProperty", { conflict: "divergent_update" }, { right: { aliceAge: 32 } }],
  ["setProperty", "netZeroEdge", { merged: st({ aliceAge: 31 }) }],
  ["netZeroEdge", "noop", { ff: st({}) }],
  ["netZeroEdge", "addNode", { merged: st({ eve: true }) }],
  ["netZeroEdge", "removeNode", { merged: st({ noAlice: true }) }],
  ["netZeroEdge", "addEdge", { merged: st({ edge: 1 }) }],
  ["netZeroEdge", "removeEdge", { merged: st({ edge: -1 }) }],
  ["netZeroEdge", "setProperty", { merged: st({ aliceAge: 31 }) }],
  ["netZeroEdge", "netZeroEdge", { merged: st({}) }],
];

function cellSteps([left, right, outcome, values]: (typeof CELLS)[number]): Step[] {
  const steps: Step[] = [{ op: "branch", create: "source" }, ...apply(left, "source", values?.left), ...apply(right, "main", values?.right)];
  if ("up" in outcome) steps.push({ op: "merge", source: "source", target: "main", outcome: "already_up_to_date" });
  else if ("conflict" in outcome) steps.push({ op: "merge", source: "source", target: "main", error: "ERR_MERGE_CONFLICT", conflicts: [outcome.conflict] });
  else if ("ff" in outcome) steps.push({ op: "merge", source: "source", target: "main", outcome: "fast_forward" }, ...check(outcome.ff));
  else steps.push({ op: "merge", source: "source", target: "main", outcome: "merged" }, ...check(outcome.merged));
  return steps;
}

/**
 * One upstream test function (`merge_pair_truth_table`) holding 49 executable cells
 * (plus 51 cells of ops not in the mutation grammar, which upstream marks
 * unsupported); each cell is its own entry here, `test[source×target]`.
 */
export const mergeTruthTable: Entry[] = CELLS.map((cell) =>
  ported(1027, `merge_pair_truth_table[${cell[0]}×${cell[1]}]`, `source ${cell[0]}, target ${cell[1]}: ${Object.keys(cell[2])[0] === "up" ? "already up to date" : Object.keys(cell[2])[0] === "ff" ? "fast-forward" : Object.keys(cell[2])[0] === "merged" ? "merged" : `conflict ${(cell[2] as { conflict: string }).conflict}`}`, TRUTH, cellSteps(cell)),
);
