import { fixture } from "../../support.ts";
import type { Graph } from "../case.ts";

/** OmniGraph's test fixture (test.pg + test.jsonl), byte-identical to upstream's `tests/fixtures/`. */
export const SOCIAL: Graph = { schema: fixture("test.pg"), data: fixture("test.jsonl") };
export const SOCIAL_SCHEMA: Graph = { schema: fixture("test.pg") };
export const TEST_GQ = fixture("test.gq");

/** Upstream's chain fixture in traversal.rs: A→B→C→D over Knows. */
export const CHAIN: Graph = {
  schema: "node Person { name: String @key }\nedge Knows: Person -> Person\n",
  data: ["A", "B", "C", "D"].map((n) => `{"type":"Person","data":{"name":"${n}"}}`).concat(["A>B", "B>C", "C>D"].map((p) => `{"edge":"Knows","from":"${p[0]}","to":"${p[2]}"}`)).join("\n"),
};

/** NDJSON lines from compact specs: `P:name[:age]` persons, `C:name` companies, `K:a>b` knows, `W:a>b` worksAt. */
export function social(...specs: string[]): string {
  return specs
    .map((s) => {
      const [kind, rest] = [s.slice(0, 1), s.slice(2)];
      if (kind === "P") {
        const [name, age] = rest.split(":");
        return `{"type":"Person","data":{"name":"${name}"${age ? `,"age":${age}` : ""}}}`;
      }
      if (kind === "C") return `{"type":"Company","data":{"name":"${rest}"}}`;
      const [a, b] = rest.split(">");
      return `{"edge":"${kind === "K" ? "Knows" : "WorksAt"}","from":"${a}","to":"${b}"}`;
    })
    .join("\n");
}
