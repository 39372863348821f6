import type { DifferenceId } from "./case.ts";

/**
 * Every deliberate difference between our engine and OmniGraph v0.10's semantics, in
 * one place (rendered into docs/conformance.md). Extensions are differences too.
 */
export const DIFFERENCES: Record<DifferenceId, { title: string; ours: string; omnigraph: string; why: string }> = {
  "affected-nodes-distinct": {
    title: "`affected_nodes` counts distinct rows",
    ours: "A mutation that inserts a node and then updates it reports `affected_nodes: 1`: the count is of distinct rows the commit writes, for inserts, updates and deletes alike.",
    omnigraph: "Reports 2 for an insert plus an update of the same node (one per statement), yet counts distinct rows for overlapping deletes.",
    why: "One rule for every statement kind; the number then says how many rows the commit changed.",
  },
  "schema-apply-with-branches": {
    title: "Schema apply while other branches exist",
    ours: "Applies the schema to the target branch; other branches keep their schema, and merging an old-schema branch afterwards works (its rows are read through the new catalog).",
    omnigraph: "Refuses schema apply while any branch other than `main` exists.",
    why: "Long-lived branches are common in a hosted service; requiring every branch to be merged or deleted before a schema change blocks teams for no safety gain, since each commit records its own schema.",
  },
  "composite-key-order": {
    title: "A composite key's order is part of each node's id",
    ours: "A composite `@key(a, b)` gives the id `[a, b]` in declaration order, so a schema change that reorders the key's properties (even through `@rename_from`) is refused as `unsupported_change` (`key_changed`).",
    omnigraph: "Keys a composite id by stable property identity, so renames that reorder the key keep every row's id.",
    why: "Ids are visible, stored in edges and exported; we never rewrite them in a schema apply. Declare the renamed key in its old order to keep the ids.",
  },
  "bare-edge-variable": {
    title: "`return { $e }` on an edge variable (extension)",
    ours: "A bare edge variable projects the whole edge as an object (`id`, `src`, `dst` and its properties), like a bare node variable.",
    omnigraph: "Refuses a bare edge variable at type check (T23) and asks for property access.",
    why: "An extension: it is the edge analogue of `return { $p }`, and refusing it buys nothing.",
  },
  "node-edge-namespace": {
    title: "Node and edge types share one namespace",
    ours: "A schema may not declare a node type and an edge type with the same name (ERR_SCHEMA_INVALID).",
    omnigraph: "Keeps node and edge names in separate namespaces, so `node Shared` and `edge Shared` may coexist.",
    why: "One name, one type keeps NDJSON, export, error messages and policies unambiguous; renaming one of the two is always possible.",
  },
  "id-property-reserved": {
    title: "`id` is not a property name",
    ours: "Every type has an implicit `id` (edges also `src`, `dst`), so a declared property named `id` is refused (ERR_SCHEMA_INVALID).",
    omnigraph: "Its parser accepts `id: U64 @key` as a property declaration.",
    why: "The implicit id is the row's identity in storage, NDJSON (`data.id`) and results; a second `id` would be ambiguous everywhere.",
  },
  "row-prefix-reserved": {
    title: "Every `_row*` property name is reserved",
    ours: "Refuses any property name starting with `_row` (and `_tombstone`), not only Lance's five virtual columns.",
    omnigraph: "Reserves exactly `_rowid`, `_rowaddr`, `_rowoffset`, `_row_created_at_version`, `_row_last_updated_at_version`; its NDJSON loader nevertheless refuses every `_row*` field.",
    why: "A property that no load can ever write is a trap; refusing it in the schema says so up front.",
  },
  "error-class": {
    title: "Error classes are our typed codes",
    ours: "Each failure is a stable `ERR_…` code (ERR_PARSE for syntax, ERR_SCHEMA_INVALID for schema rules, ERR_TYPE for query type errors, ERR_INTEGRITY for constraint violations, …).",
    omnigraph: "Rust error enums whose text carries a class tag (e.g. `T15`, `parse error:`); some schema rule violations surface as parse errors.",
    why: "Clients branch on codes, never on message text; a rule violation in a well-formed schema is ERR_SCHEMA_INVALID even where OmniGraph reports it from its parser.",
  },
};
