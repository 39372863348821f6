/**
 * The conformance case table: OmniGraph's own tests (ModernRelay/omnigraph, v0.10,
 * commit below), restated as data. Each entry names one upstream test function by
 * `path:line`; a ported entry carries the graph it starts from and the steps it
 * takes, each with the rows or error class OmniGraph's test asserts. Entries that
 * are not ported say why (tier B, or a test of OmniGraph's internals with no
 * user-visible behaviour). Facts are restated; no upstream code is copied.
 */
import type { LoadMode } from "../../../server/engine/load/load.ts";

/** The upstream commit the table was taken from (workspace version 0.10.0). */
export const UPSTREAM = { repo: "ModernRelay/omnigraph", commit: "62a9c3fe", version: "0.10.0" } as const;

export type Params = Record<string, unknown>;
export type Row = Record<string, unknown>;

/** What a read returns: exact rows in order, the sorted values of one column, or just a count. */
export type RowsExpect = { rows: Row[] } | { column: string; sorted: unknown[] } | { rowCount: number };

export type Step =
  | { op: "load"; data: string; mode?: LoadMode; branch?: string; from?: string; error?: string; total?: number }
  | { op: "mutate"; query: string; name?: string; params?: Params; branch?: string; affected?: [nodes: number, edges: number]; error?: string; viaSecond?: boolean; expectAt?: string }
  /** Counts the commits of `main` so far under `label`; `commitsSince` asserts how many were added since. */
  | { op: "countCommits"; label: string }
  | { op: "commitsSince"; label: string; n: number }
  /** The list of branches, sorted. */
  | { op: "branches"; names: string[] }
  /** Opens a second handle on the same graph (a second process, as far as the store knows). */
  | { op: "openSecond" }
  | ({ op: "query"; query: string; name?: string; params?: Params; branch?: string; at?: string } & (RowsExpect | { error: string }))
  | { op: "schema"; source: string; allowDataLoss?: boolean; applied?: boolean; steps?: string[]; error?: string }
  | { op: "branch"; create: string; from?: string; error?: string }
  | { op: "deleteBranch"; name: string; error?: string }
  | { op: "merge"; source: string; target?: string; outcome?: "already_up_to_date" | "fast_forward" | "merged"; error?: string; conflicts?: string[] }
  /** Remembers the head commit of `branch` under `label` (for `query.at`). */
  | { op: "mark"; label: string; branch?: string }
  | { op: "compileSchema"; source: string; error?: string }
  | { op: "compileQuery"; source: string; schema: string; name?: string; error?: string };

export interface Graph {
  schema: string;
  data?: string;
}

/** Ids of the deliberate differences (see differences.ts). */
export type DifferenceId = "affected-nodes-distinct" | "schema-apply-with-branches" | "composite-key-order" | "bare-edge-variable" | "node-edge-namespace" | "id-property-reserved" | "row-prefix-reserved" | "error-class";

export type Status =
  | { kind: "ported" }
  /** Ported, but our answer differs on purpose: the steps assert ours. */
  | { kind: "difference"; difference: DifferenceId; note: string }
  | { kind: "tier-b"; reason: string }
  | { kind: "internal"; reason: string };

export interface Entry {
  /** Upstream file, relative to the repository root. */
  file: string;
  /** Line of the test function. */
  line: number;
  test: string;
  status: Status;
  /** One sentence: the behaviour the upstream test asserts. */
  what?: string;
  graph?: Graph;
  steps?: Step[];
}

/** How many test functions each upstream file has at `UPSTREAM.commit` (the table must list each once). */
export const UPSTREAM_TEST_COUNTS: Record<UpstreamFile, number> = {
  end_to_end: 66, traversal: 28, aggregation: 8, ordering: 5, literal_filters: 13, consistency: 23, writes: 42,
  validators: 24, branching: 41, merge_truth_table: 1, schema_apply: 29, typecheck_tests: 83, schema_parser_tests: 58,
};

const FILES = {
  end_to_end: "crates/omnigraph/tests/end_to_end.rs",
  traversal: "crates/omnigraph/tests/traversal.rs",
  aggregation: "crates/omnigraph/tests/aggregation.rs",
  ordering: "crates/omnigraph/tests/ordering.rs",
  literal_filters: "crates/omnigraph/tests/literal_filters.rs",
  consistency: "crates/omnigraph/tests/consistency.rs",
  writes: "crates/omnigraph/tests/writes.rs",
  validators: "crates/omnigraph/tests/validators.rs",
  branching: "crates/omnigraph/tests/branching.rs",
  merge_truth_table: "crates/omnigraph/tests/merge_truth_table.rs",
  schema_apply: "crates/omnigraph/tests/schema_apply.rs",
  typecheck_tests: "crates/omnigraph-compiler/src/query/typecheck_tests.rs",
  schema_parser_tests: "crates/omnigraph-compiler/src/schema/parser_tests.rs",
} as const;
export type UpstreamFile = keyof typeof FILES;
export const UPSTREAM_FILES: Record<UpstreamFile, string> = FILES;

/** Builders that keep the case files short. */
export function entries(file: UpstreamFile) {
  const path = FILES[file];
  return {
    ported: (line: number, test: string, what: string, graph: Graph | undefined, steps: Step[]): Entry => ({ file: path, line, test, status: { kind: "ported" }, what, ...(graph ? { graph } : {}), steps }),
    differs: (line: number, test: string, what: string, difference: DifferenceId, note: string, graph: Graph | undefined, steps: Step[]): Entry => ({
      file: path, line, test, status: { kind: "difference", difference, note }, what, ...(graph ? { graph } : {}), steps,
    }),
    tierB: (line: number, test: string, reason: string): Entry => ({ file: path, line, test, status: { kind: "tier-b", reason } }),
    internal: (line: number, test: string, reason: string): Entry => ({ file: path, line, test, status: { kind: "internal", reason } }),
  };
}

export const q = (query: string, params: Params | undefined, expect: RowsExpect | { error: string }, extra: { name?: string; branch?: string; at?: string } = {}): Step =>
  ({ op: "query", query, ...(params ? { params } : {}), ...expect, ...extra }) as Step;
export const col = (column: string, ...sorted: unknown[]): RowsExpect => ({ column, sorted });
export const rows = (...r: Row[]): RowsExpect => ({ rows: r });
export const count = (n: number): RowsExpect => ({ rowCount: n });
export const err = (code: string) => ({ error: code });
export const load = (data: string, extra: Omit<Extract<Step, { op: "load" }>, "op" | "data"> = {}): Step => ({ op: "load", data, ...extra });
export const mutate = (query: string, params?: Params, extra: Omit<Extract<Step, { op: "mutate" }>, "op" | "query" | "params"> = {}): Step => ({ op: "mutate", query, ...(params ? { params } : {}), ...extra });
export const schemaOk = (source: string): Step => ({ op: "compileSchema", source });
export const schemaErr = (source: string, code: string): Step => ({ op: "compileSchema", source, error: code });
