/**
 * The accepted schema ("catalog"): what the validator produces from `.pg` source and
 * what the rest of the engine (query type checker, planner, mutations, load) reads.
 * It is stored in the graph as JSON and versioned with commits.
 *
 * Identity: every type and property has a stable `id` that survives renames. Lance
 * datasets are named by type id and columns by property id, so a rename is a pure
 * catalog change (no data rewrite). Ids are assigned by the migration planner
 * (`schema/migrate.ts`) and never reused within a graph.
 */

export type ScalarBase =
  | "String" | "Blob" | "Bool"
  | "I32" | "I64" | "U32" | "U64"
  | "F32" | "F64"
  | "Date" | "DateTime";

export type PropType =
  | { kind: "scalar"; base: ScalarBase }
  | { kind: "list"; base: ScalarBase }
  | { kind: "enum"; values: string[] } // sorted, de-duplicated
  | { kind: "vector"; dim: number };

/** A literal argument of an annotation (`@embed("abstract", model="x")`). */
export type AnnotationValue = string | number | boolean | null;

/** An annotation the engine does not interpret, kept as metadata. */
export interface Annotation {
  name: string;
  args: AnnotationValue[];
  named: Record<string, AnnotationValue>;
}

export interface Property {
  /** Stable identity; also the Lance column name. */
  id: string;
  name: string;
  type: PropType;
  nullable: boolean;
  description?: string | undefined;
  renameFrom?: string | undefined;
  /** `@embed("src", model=…)`: metadata only, no model call. */
  embed?: { source: string; model?: string | undefined } | undefined;
  /** Annotations kept verbatim (anything not interpreted above). */
  annotations: Annotation[];
}

/** `@range(p, min..max)`; either bound may be open. Bounds are inclusive. */
export interface RangeConstraint {
  property: string;
  min?: number | undefined;
  max?: number | undefined;
}

/** `@check(p, "regex")`. */
export interface CheckConstraint {
  property: string;
  pattern: string;
}

interface TypeCommon {
  /** Stable identity; also names the Lance dataset. */
  id: string;
  name: string;
  properties: Property[];
  /** `@unique` property lists (property names; edges may use `src`/`dst`). */
  uniques: string[][];
  /** `@index` property lists. */
  indexes: string[][];
  description?: string | undefined;
  instruction?: string | undefined;
  renameFrom?: string | undefined;
  annotations: Annotation[];
}

export interface NodeType extends TypeCommon {
  kind: "node";
  /** `@key` property names; empty when ids are generated (ULID). */
  key: string[];
  ranges: RangeConstraint[];
  checks: CheckConstraint[];
  /** Interfaces this type implements (their properties are already injected). */
  implements: string[];
}

export interface EdgeType extends TypeCommon {
  kind: "edge";
  from: string;
  to: string;
  /** `@card(min..max?)`: outgoing edges per source node; default 0..∞. */
  card: { min: number; max?: number | undefined };
}

export interface InterfaceType {
  name: string;
  properties: Omit<Property, "id">[];
}

export interface Catalog {
  /** Format version of this JSON document. */
  format: 1;
  interfaces: InterfaceType[];
  nodes: NodeType[];
  edges: EdgeType[];
  /** The `.pg` source that produced this catalog, verbatim. */
  source: string;
  /** Next unused numeric suffix for type / property ids (ids are never reused). */
  nextId: number;
}

/** Reserved property and column names (the contract's list plus our implicit columns). */
export const RESERVED_PROPERTY_NAMES = new Set([
  "_rowid", "_rowaddr", "_rowoffset", "_row_created_at_version", "_row_last_updated_at_version",
  "id", "src", "dst",
]);

export function findNode(catalog: Catalog, name: string): NodeType | undefined {
  return catalog.nodes.find((n) => n.name === name);
}

/** Edge lookup is case-insensitive: `knows` in a query names edge type `Knows`. */
export function findEdge(catalog: Catalog, name: string): EdgeType | undefined {
  const lower = name.toLowerCase();
  return catalog.edges.find((e) => e.name.toLowerCase() === lower);
}

export function findProperty(type: NodeType | EdgeType, name: string): Property | undefined {
  return type.properties.find((p) => p.name === name);
}
