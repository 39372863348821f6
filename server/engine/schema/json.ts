/**
 * The stored form of a catalog: canonical JSON out, validated JSON in. A
 * stored catalog is read back on every graph open, so a corrupted or
 * hand-edited one must fail loudly here rather than deep inside a query.
 */
import { z } from "zod";
import { EngineError } from "../errors.ts";
import type { Catalog } from "./catalog.ts";
import { canonicalJson } from "../../store/fingerprint.ts";

const scalarBase = z.enum(["String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "Date", "DateTime"]);
const propType = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("scalar"), base: scalarBase }),
  z.strictObject({ kind: z.literal("list"), base: scalarBase }),
  z.strictObject({ kind: z.literal("enum"), values: z.array(z.string()).min(1) }),
  z.strictObject({ kind: z.literal("vector"), dim: z.number().int().min(1) }),
]);
const annotationValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const annotation = z.strictObject({
  name: z.string(),
  args: z.array(annotationValue),
  named: z.record(z.string(), annotationValue),
});
const propertyFields = {
  name: z.string(),
  type: propType,
  nullable: z.boolean(),
  description: z.string().optional(),
  renameFrom: z.string().optional(),
  embed: z.strictObject({ source: z.string(), model: z.string().optional() }).optional(),
  annotations: z.array(annotation),
};
const typeId = z.string().regex(/^T[0-9]+$/);
const property = z.strictObject({ id: z.string().regex(/^P[0-9]+$/), ...propertyFields });
const typeCommon = {
  id: typeId,
  name: z.string(),
  properties: z.array(property),
  uniques: z.array(z.array(z.string()).min(1)),
  indexes: z.array(z.array(z.string()).min(1)),
  description: z.string().optional(),
  instruction: z.string().optional(),
  renameFrom: z.string().optional(),
  annotations: z.array(annotation),
};
const nodeType = z.strictObject({
  kind: z.literal("node"),
  ...typeCommon,
  key: z.array(z.string()),
  ranges: z.array(
    z.strictObject({ property: z.string(), min: z.number().optional(), max: z.number().optional() }),
  ),
  checks: z.array(z.strictObject({ property: z.string(), pattern: z.string() })),
  implements: z.array(z.string()),
});
const edgeType = z.strictObject({
  kind: z.literal("edge"),
  ...typeCommon,
  from: z.string(),
  to: z.string(),
  card: z.strictObject({ min: z.number().int().min(0), max: z.number().int().min(0).optional() }),
});
const catalogSchema = z.strictObject({
  format: z.literal(1),
  interfaces: z.array(z.strictObject({ name: z.string(), properties: z.array(z.strictObject(propertyFields)) })),
  nodes: z.array(nodeType),
  edges: z.array(edgeType),
  source: z.string(),
  nextId: z.number().int().min(1),
});

/**
 * Serialises a catalog as JSON with object keys sorted at every level and
 * `undefined` fields left out, so equal catalogs give byte-equal documents.
 */
export function catalogToJson(catalog: Catalog): string {
  return canonicalJson(catalog);
}


/**
 * Parses and validates a stored catalog: JSON syntax, the exact shape of
 * `Catalog` (unknown fields refused), and internal consistency (unique ids
 * below `nextId`, unique names, edge endpoints and constraint properties that
 * exist).
 *
 * @throws EngineError `ERR_SCHEMA_INVALID`; `detail.issues` lists shape problems.
 */
export function catalogFromJson(text: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new EngineError("ERR_SCHEMA_INVALID", "stored catalog is not valid JSON", { cause });
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    const first = issues[0];
    throw new EngineError(
      "ERR_SCHEMA_INVALID",
      `stored catalog has the wrong shape${first ? ` at '${first.path}': ${first.message}` : ""}`,
      { detail: { issues } },
    );
  }
  const catalog: Catalog = parsed.data;
  checkConsistency(catalog);
  return catalog;
}

function checkConsistency(c: Catalog): void {
  const broken = (why: string): never => {
    throw new EngineError("ERR_SCHEMA_INVALID", `stored catalog is inconsistent: ${why}`);
  };
  const ids = new Set<string>();
  const names = new Set<string>();
  const useId = (id: string): void => {
    if (ids.has(id)) broken(`id ${id} is used twice`);
    if (Number(id.slice(1)) >= c.nextId) broken(`id ${id} is not below nextId ${c.nextId}`);
    ids.add(id);
  };
  for (const t of [...c.nodes, ...c.edges]) {
    if (names.has(t.name)) broken(`type name ${t.name} is used twice`);
    names.add(t.name);
    useId(t.id);
    const props = new Set<string>();
    for (const p of t.properties) {
      if (props.has(p.name)) broken(`${t.name}.${p.name} is declared twice`);
      props.add(p.name);
      useId(p.id);
    }
    const endpointOk = (n: string): boolean => props.has(n) || (t.kind === "edge" && (n === "src" || n === "dst"));
    const refs = [...t.uniques.flat(), ...t.indexes.flat()];
    if (t.kind === "node") refs.push(...t.key, ...t.ranges.map((r) => r.property), ...t.checks.map((k) => k.property));
    for (const r of refs) if (!endpointOk(r)) broken(`a constraint of ${t.name} names unknown property ${r}`);
  }
  const nodeNames = new Set(c.nodes.map((n) => n.name));
  for (const e of c.edges) {
    if (!nodeNames.has(e.from) || !nodeNames.has(e.to)) broken(`edge ${e.name} connects a missing node type`);
  }
}

