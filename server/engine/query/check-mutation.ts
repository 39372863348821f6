/**
 * Types a mutation query: its `insert`, `update` and `delete` statements.
 *
 * - D2: inserts/updates and deletes cannot share a query (`ERR_D2_MIXED_MUTATION`).
 * - insert: known properties only, each at most once; every non-nullable property
 *   supplied except an `@embed` vector whose source property is supplied. Edges take
 *   `from`/`to` (String node ids, both required). `id` may be given for an unkeyed
 *   node or an edge (a keyed node's id is its key).
 * - update: nodes only; key properties and `id` are immutable.
 * - update/delete `where`: exactly one comparison on a property, `id`, or (edges)
 *   `from`/`to`.
 */
import { findNode, findProperty, type Catalog, type EdgeType, type NodeType, type PropType } from "../schema/catalog.ts";
import type { AssignmentAst, MutationBodyAst, MutationStatementAst, QueryAst, WhereAst } from "./ast.ts";
import type { CheckContext } from "./context.ts";
import { resolveComparison } from "./compare.ts";
import type { ParamDecl, PropertyRef, TypedAssignment, TypedMutation, TypedStatement, TypedWhere } from "./typed.ts";
import { STRING, isBlob } from "./type-rules.ts";
import { assignedValue, valueOperand } from "./values.ts";

function findType(catalog: Catalog, name: string): NodeType | EdgeType | undefined {
  return findNode(catalog, name) ?? catalog.edges.find((e) => e.name === name);
}

function checkD2(ctx: CheckContext, q: QueryAst, statements: MutationStatementAst[]): void {
  const first = statements[0];
  if (!first) return;
  const isDelete = (s: MutationStatementAst) => s.kind === "delete";
  const odd = statements.find((s) => isDelete(s) !== isDelete(first));
  if (odd) {
    ctx.fail(
      `mutation \`${q.name}\` mixes inserts/updates and deletes; split it into two queries`,
      odd.loc,
      "ERR_D2_MIXED_MUTATION",
    );
  }
}

/** Resolves an assignment name on `type` to its target and value type. */
function assignmentTarget(
  ctx: CheckContext,
  type: NodeType | EdgeType,
  a: AssignmentAst,
  mode: "insert" | "update",
): { target: TypedAssignment["target"]; propType: PropType; nullable: boolean } {
  if (a.name === "id") {
    if (mode === "update") ctx.fail("`id` is immutable", a.loc);
    if (type.kind === "node" && type.key.length > 0) {
      ctx.fail(`\`${type.name}\` is keyed by ${type.key.join(", ")}; its id is its key and cannot be set`, a.loc);
    }
    return { target: "id", propType: STRING, nullable: false };
  }
  if (type.kind === "edge" && (a.name === "from" || a.name === "to") && mode === "insert") {
    return { target: a.name, propType: STRING, nullable: false };
  }
  const p = findProperty(type, a.name);
  if (!p) ctx.fail(`${type.kind} type \`${type.name}\` has no property \`${a.name}\``, a.loc);
  if (mode === "update" && type.kind === "node" && type.key.includes(p.name)) {
    ctx.fail(`key property \`${p.name}\` of \`${type.name}\` is immutable`, a.loc);
  }
  return { target: p, propType: p.type, nullable: p.nullable };
}

function checkAssignments(ctx: CheckContext, type: NodeType | EdgeType, items: AssignmentAst[], mode: "insert" | "update"): TypedAssignment[] {
  const seen = new Set<string>();
  return items.map((a) => {
    if (seen.has(a.name)) ctx.fail(`\`${a.name}\` is assigned twice`, a.loc);
    seen.add(a.name);
    const { target, propType, nullable } = assignmentTarget(ctx, type, a, mode);
    const value = assignedValue(ctx, a.value, propType, nullable, `\`${a.name}\``);
    return { target, value, location: a.loc };
  });
}

function checkRequired(ctx: CheckContext, type: NodeType | EdgeType, s: MutationStatementAst & { kind: "insert" }): void {
  const given = new Set(s.values.map((a) => a.name));
  if (type.kind === "edge") {
    for (const end of ["from", "to"]) {
      if (!given.has(end)) ctx.fail(`an insert of edge \`${type.name}\` must give \`${end}\``, s.loc);
    }
  }
  for (const p of type.properties) {
    if (p.nullable || given.has(p.name)) continue;
    if (p.type.kind === "vector" && p.embed && given.has(p.embed.source)) continue;
    ctx.fail(`an insert of \`${type.name}\` must give non-nullable property \`${p.name}\``, s.loc);
  }
}

function checkWhere(ctx: CheckContext, type: NodeType | EdgeType, where: WhereAst[]): TypedWhere {
  const [w, extra] = where;
  if (!w) throw new Error("unreachable: the parser requires a where comparison");
  if (extra) ctx.fail("`where` takes exactly one comparison", extra.loc);
  const base = { kind: "property" as const, var: type.name, owner: type, location: w.loc };
  let left: PropertyRef;
  if (w.name === "id" || (type.kind === "edge" && (w.name === "from" || w.name === "to"))) {
    left = { ...base, property: "id", type: STRING, nullable: false };
  } else {
    const p = findProperty(type, w.name);
    if (!p) {
      const implicit = type.kind === "edge" ? "`id`, `from`, `to`" : "`id`";
      ctx.fail(`${type.kind} type \`${type.name}\` has no property \`${w.name}\` (implicit: ${implicit})`, w.loc);
    }
    if (isBlob(p.type)) ctx.fail(`Blob property \`${p.name}\` cannot be compared`, w.loc);
    left = { ...base, property: p, type: p.type, nullable: p.nullable };
  }
  const cmp = resolveComparison(ctx, { typed: left }, w.op, valueOperand(ctx, undefined, w.value), w.loc);
  const target: TypedWhere["target"] = w.name === "from" || w.name === "to" ? w.name : left.property === "id" ? "id" : (left.property as TypedWhere["target"]);
  return { target, op: cmp.op, value: cmp.right, location: w.loc };
}

function checkStatement(ctx: CheckContext, s: MutationStatementAst): TypedStatement {
  const type = findType(ctx.catalog, s.typeName);
  if (!type) ctx.fail(`unknown type \`${s.typeName}\``, s.loc);
  switch (s.kind) {
    case "insert": {
      const values = checkAssignments(ctx, type, s.values, "insert");
      checkRequired(ctx, type, s);
      return { op: "insert", type, values, location: s.loc };
    }
    case "update": {
      if (type.kind !== "node") ctx.fail(`\`update\` works on nodes only; \`${type.name}\` is an edge type`, s.loc);
      const set = checkAssignments(ctx, type, s.set, "update");
      return { op: "update", type, set, where: checkWhere(ctx, type, s.where), location: s.loc };
    }
    case "delete":
      return { op: "delete", type, where: checkWhere(ctx, type, s.where), location: s.loc };
  }
}

/** Types a mutation query whose parameters are already declared in `ctx`. */
export function checkMutation(ctx: CheckContext, q: QueryAst, body: MutationBodyAst, params: ParamDecl[]): TypedMutation {
  checkD2(ctx, q, body.statements);
  return {
    kind: "mutation",
    name: q.name,
    params,
    description: q.description,
    instruction: q.instruction,
    statements: body.statements.map((s) => checkStatement(ctx, s)),
    location: q.loc,
  };
}
