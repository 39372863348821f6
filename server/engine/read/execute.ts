import type { Snapshot } from "../../store/snapshot.ts";
import type { Catalog } from "../schema/catalog.ts";
import type { TypedExpr, TypedMatch, TypedRead } from "../query/typed.ts";
import { compareValues, formatOutputValue, valuesEqual, type JsonValue, type Value } from "../query/value.ts";
import type { GraphType } from "../storage/columns.ts";
import { SnapshotReader } from "../storage/reader.ts";
import { evalExpr, type EvalContext, type Solution } from "./eval.ts";
import { evalMatch, type MatchEnv } from "./match.ts";
import type { QueryBudget } from "./budget.ts";
import { nearestPushdown } from "./nearest.ts";

export interface ReadResult {
  columns: string[];
  rows: Record<string, JsonValue>[];
  /** Rows before formatting (for tests and the reference model). */
  values: Value[][];
  stats: SnapshotReader["stats"];
}

/** Properties each variable needs, by name; "all" when the variable itself is projected. */
export function propertyNeeds(q: TypedRead): Map<string, Set<string> | "all"> {
  const needs = new Map<string, Set<string> | "all">();
  const add = (v: string, p: string | "all") => {
    const cur = needs.get(v);
    if (cur === "all") return;
    if (p === "all") needs.set(v, "all");
    else (cur ?? needs.set(v, new Set()).get(v) as Set<string>).add(p);
  };
  const walk = (e: TypedExpr, projected: boolean) => {
    switch (e.kind) {
      case "property":
        if (typeof e.property !== "string") add(e.var, e.property.name);
        else needs.has(e.var) || needs.set(e.var, new Set());
        break;
      case "var":
        add(e.var, projected ? "all" : "id");
        break;
      case "nearest":
        add(e.var, e.property.name);
        walk(e.query, false);
        break;
      case "cast":
      case "aggregate":
        walk(e.arg, projected);
        break;
      default:
        break;
    }
  };
  const walkMatch = (m: TypedMatch) => {
    for (const b of m.bindings) for (const i of b.inline) if (i.property !== "id") add(b.var, i.property.name);
    for (const f of m.filters) {
      walk(f.left, false);
      walk(f.right, false);
    }
    for (const n of m.negations) walkMatch(n);
  };
  walkMatch(q.match);
  for (const p of q.projections) walk(p.expr, true);
  for (const o of q.order) walk(o.expr, false);
  return needs;
}

/** The whole entity as a JSON object: id (src/dst for edges) and every property by name. */
function entityJson(type: GraphType, row: { id: string; src?: string | undefined; dst?: string | undefined; props: Record<string, Value> }): JsonValue {
  const out: Record<string, JsonValue> = { id: row.id };
  if (type.kind === "edge") {
    out.src = row.src ?? null;
    out.dst = row.dst ?? null;
  }
  for (const p of type.properties) {
    if (p.type.kind === "scalar" && p.type.base === "Blob") continue; // blobs are never projected
    out[p.name] = formatOutputValue(row.props[p.name] ?? null, p.type);
  }
  return out;
}

interface OutRow {
  values: Value[];
  json: JsonValue[];
  /** Order keys, then the tie-break (ids of every bound variable, or the group values). */
  sortKeys: Value[];
  tie: Value[];
}

function aggregate(fn: string, vals: Value[]): Value {
  const present = vals.filter((v) => v !== null);
  switch (fn) {
    case "count":
      return BigInt(present.length);
    case "sum": {
      if (present.length === 0) return null;
      // Integers sum exactly as bigint; the projection's type then decides the output.
      if (present.every((v) => typeof v === "bigint" || Number.isInteger(v))) return present.reduce<bigint>((a, b) => a + BigInt(b as number | bigint), 0n);
      return present.reduce<number>((a, b) => a + Number(b), 0);
    }
    case "avg":
      return present.length === 0 ? null : present.reduce<number>((a, b) => a + Number(b), 0) / present.length;
    case "min":
      return present.length === 0 ? null : present.reduce((a, b) => (compareValues(b, a) < 0 ? b : a));
    case "max":
      return present.length === 0 ? null : present.reduce((a, b) => (compareValues(b, a) > 0 ? b : a));
    default:
      throw new Error(`unknown aggregate ${fn}`);
  }
}

/** Converts an aggregate result to the projection's declared type (sum over I32 is I64, …). */
function fitAggregate(v: Value, e: TypedExpr): Value {
  if (v === null) return null;
  const t = e.type;
  if (t.kind === "scalar") {
    if ((t.base === "I64" || t.base === "U64") && typeof v !== "bigint") return BigInt(v as number);
    if ((t.base === "F64" || t.base === "F32" || t.base === "I32" || t.base === "U32") && typeof v === "bigint") return Number(v);
  }
  return v;
}

/**
 * Runs a type-checked read over one snapshot: match → projection (grouped when there
 * are aggregates) → total order (keys, then ids; nulls first ascending, last
 * descending) → limit. `nearest` is answered by LanceDB's vector search when the
 * match is a single, fully pushable binding, otherwise ranked here exactly.
 */
export async function executeRead(q: TypedRead, _catalog: Catalog, snapshot: Snapshot, params: Map<string, Value>, budget?: QueryBudget): Promise<ReadResult> {
  const reader = new SnapshotReader(snapshot, budget);
  const ctx: EvalContext = { params, now: Date.now() };
  const needs = propertyNeeds(q);
  const env: MatchEnv = { reader, ctx, needs: (v) => needs.get(v) ?? new Set() };

  const pushed = await nearestPushdown(q, env);
  const sols: Solution[] = pushed ?? (await evalMatch(q.match, [new Map()], env));

  budget?.check(); // the in-memory join may have used the time up
  const boundVars = sols.length ? [...sols[0]!.keys()].sort() : [];
  let out: OutRow[];
  if (!q.aggregate) {
    out = sols.map((s) => {
      const values = q.projections.map((p) => (p.expr.kind === "var" ? s.get(p.expr.var)?.row.id ?? null : evalExpr(p.expr, s, ctx)));
      const json = q.projections.map((p, i) => {
        if (p.expr.kind === "var") {
          const b = s.get(p.expr.var);
          return b ? entityJson(b.type, b.row) : null;
        }
        return formatOutputValue(values[i]!, p.expr.type);
      });
      const octx: EvalContext = { ...ctx, projections: values };
      return { values, json, sortKeys: q.order.map((o) => evalExpr(o.expr, s, octx)), tie: boundVars.map((v) => s.get(v)?.row.id ?? "") };
    });
  } else {
    const groups: { key: Value[]; sols: Solution[] }[] = [];
    for (const s of sols) {
      const key = q.groupBy.map((i) => evalExpr(q.projections[i]!.expr, s, ctx));
      const g = groups.find((x) => x.key.every((v, i) => valuesEqual(v, key[i]!)));
      if (g) g.sols.push(s);
      else groups.push({ key, sols: [s] });
    }
    // A global aggregate over no rows still yields one row (count 0), as in SQL.
    if (groups.length === 0 && q.groupBy.length === 0) groups.push({ key: [], sols: [] });
    out = groups.map((g) => {
      const values = q.projections.map((p) => {
        if (p.expr.kind === "aggregate") {
          const arg = p.expr.arg;
          return fitAggregate(aggregate(p.expr.fn, g.sols.map((s) => evalExpr(arg, s, ctx))), p.expr);
        }
        return g.sols.length ? evalExpr(p.expr, g.sols[0]!, ctx) : null;
      });
      // A grouped `$v` is the whole entity, as without aggregates (it groups by id).
      const json = q.projections.map((p, i) => {
        if (p.expr.kind === "var") {
          const b = g.sols[0]?.get(p.expr.var);
          return b ? entityJson(b.type, b.row) : null;
        }
        return formatOutputValue(values[i]!, p.expr.type);
      });
      const octx: EvalContext = { ...ctx, projections: values };
      return { values, json, sortKeys: q.order.map((o) => evalExpr(o.expr, new Map(), octx)), tie: values };
    });
  }

  // Ranking by `nearest` only ranks rows that have a vector (LanceDB skips null vectors too).
  const nearestKeys = q.order.map((o, i) => (o.expr.kind === "nearest" ? i : -1)).filter((i) => i >= 0);
  if (nearestKeys.length) out = out.filter((r) => nearestKeys.every((i) => r.sortKeys[i] !== null));
  {
    out.sort((a, b) => {
      for (let i = 0; i < q.order.length; i++) {
        const desc = q.order[i]!.direction === "desc";
        const x = a.sortKeys[i] ?? null;
        const y = b.sortKeys[i] ?? null;
        if (x === null || y === null) {
          if (x === y) continue;
          // Nulls first ascending, last descending.
          return x === null ? (desc ? 1 : -1) : desc ? -1 : 1;
        }
        const c = compareValues(x, y);
        if (c !== 0) return desc ? -c : c;
      }
      for (let i = 0; i < a.tie.length; i++) {
        const c = compareValues(a.tie[i]!, b.tie[i]!);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  if (q.limit !== undefined) out = out.slice(0, q.limit);
  const columns = q.projections.map((p) => p.column);
  return {
    columns,
    rows: out.map((r) => Object.fromEntries(columns.map((c, i) => [c, r.json[i]!]))),
    values: out.map((r) => r.values),
    stats: reader.stats,
  };
}
