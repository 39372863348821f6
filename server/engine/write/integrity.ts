import { EngineError } from "../errors.ts";
import type { EdgeType, NodeType, Property } from "../schema/catalog.ts";
import { findNode } from "../schema/catalog.ts";
import type { Value } from "../query/value.ts";
import { valuesEqual } from "../query/value.ts";
import type { EntityRow, GraphType } from "../storage/columns.ts";
import { column, literal } from "../storage/sql.ts";
import type { WorkingSet } from "./working-set.ts";

export type ViolationKind = "key_conflict" | "orphan_edge" | "unique_violation" | "cardinality_violation" | "value_constraint_violation";

/** One integrity problem of a pending write, in the shape merge conflicts use. */
export interface Violation {
  kind: ViolationKind;
  entityKind: "node" | "edge";
  typeName: string;
  entityId: string | null;
  message: string;
}

function v(kind: ViolationKind, t: GraphType, id: string | null, message: string): Violation {
  return { kind, entityKind: t.kind, typeName: t.name, entityId: id, message };
}

function cell(r: EntityRow, col: string): Value {
  if (col === "id") return r.id;
  if (col === "src") return r.src ?? null;
  if (col === "dst") return r.dst ?? null;
  return r.props[col] ?? null;
}

/** Value rules of one property: required, enum membership, vector length, @range, @check. */
function checkValue(t: GraphType, r: EntityRow, p: Property): string | undefined {
  const val = r.props[p.name] ?? null;
  if (val === null) return p.nullable ? undefined : `property ${p.name} is required`;
  if (p.type.kind === "enum" && !p.type.values.includes(val as string)) {
    return `property ${p.name}: ${JSON.stringify(val)} is not one of ${p.type.values.join(", ")}`;
  }
  if (p.type.kind === "vector" && (val as Float32Array).length !== p.type.dim) {
    return `property ${p.name}: a Vector(${p.type.dim}) needs ${p.type.dim} values, got ${(val as Float32Array).length}`;
  }
  if (t.kind === "node") {
    for (const rg of t.ranges.filter((x) => x.property === p.name)) {
      const n = Number(val);
      if ((rg.min !== undefined && n < rg.min) || (rg.max !== undefined && n > rg.max)) {
        return `property ${p.name}: ${n} is outside @range(${rg.min ?? ""}..${rg.max ?? ""})`;
      }
    }
    for (const ck of t.checks.filter((x) => x.property === p.name)) {
      if (!new RegExp(ck.pattern, "u").test(val as string)) return `property ${p.name}: ${JSON.stringify(val)} does not match @check(${JSON.stringify(ck.pattern)})`;
    }
  }
  return undefined;
}

/**
 * Everything that must hold before a write is published: strict inserts do not
 * collide with existing ids; values satisfy their property rules; edges end at
 * existing nodes (and no edge is left pointing at a deleted node); `@unique` holds
 * across the whole type; `@card` holds for every source node the write touches.
 * Reads only what the write touches (ids, unique values, affected sources).
 */
export async function findViolations(ws: WorkingSet, limit = 100): Promise<Violation[]> {
  const out: Violation[] = [];
  const full = () => out.length >= limit;
  for (const c of ws.changed()) {
    const t = c.type;
    // Strict inserts: the id must be new.
    // (A type with no dataset on this branch yet cannot hold any of them.)
    if (c.strict.size && ws.reader.has(t)) {
      for (const id of await ws.reader.existingIds(t, c.strict)) {
        out.push(v("key_conflict", t, id, `${t.kind} ${t.name} '${id}' already exists`));
        if (full()) return out;
      }
    }
    for (const r of c.upserts.values()) {
      for (const p of t.properties) {
        const problem = checkValue(t, r, p);
        if (problem) {
          out.push(v("value_constraint_violation", t, r.id, `${t.name} '${r.id}': ${problem}`));
          if (full()) return out;
        }
      }
    }
    if (t.kind === "edge") await checkEndpoints(ws, t, [...c.upserts.values()], out);
    else if (c.deletes.size) await checkDanglingEdges(ws, t, c.deletes, out);
    await checkUniques(ws, t, [...c.upserts.values()], out);
    if (full()) return out;
  }
  await checkCardinality(ws, out);
  return out.slice(0, limit);
}

async function checkEndpoints(ws: WorkingSet, e: EdgeType, rows: EntityRow[], out: Violation[]): Promise<void> {
  for (const [side, typeName] of [["src", e.from], ["dst", e.to]] as const) {
    const nt = findNode(ws.catalog, typeName);
    if (!nt || rows.length === 0) continue;
    const ids = rows.map((r) => r[side]!);
    const present = await ws.existing(nt, ids);
    for (const r of rows) {
      if (!present.has(r[side]!)) out.push(v("orphan_edge", e, r.id, `${e.name} '${r.id}': ${side === "src" ? "from" : "to"} node ${typeName} '${r[side]}' does not exist`));
    }
  }
}

async function checkDanglingEdges(ws: WorkingSet, n: NodeType, deleted: Set<string>, out: Violation[]): Promise<void> {
  for (const e of ws.edgeTypesTouching(n)) {
    for (const side of ["src", "dst"] as const) {
      if ((side === "src" ? e.from : e.to) !== n.name) continue;
      for (const r of await ws.rowsWhere(e, undefined, () => true, { name: side, values: deleted })) {
        out.push(v("orphan_edge", e, r.id, `${e.name} '${r.id}' would point at deleted node ${n.name} '${r[side]}'`));
      }
    }
  }
}

async function checkUniques(ws: WorkingSet, t: GraphType, rows: EntityRow[], out: Violation[]): Promise<void> {
  if (rows.length === 0) return;
  for (const cols of t.uniques) {
    const tuple = (r: EntityRow) => cols.map((c) => cell(r, c));
    const withValues = rows.filter((r) => tuple(r).every((x) => x !== null)); // nulls never collide
    // Within the write itself.
    for (let i = 0; i < withValues.length; i++) {
      for (let j = i + 1; j < withValues.length; j++) {
        if (tuple(withValues[i]!).every((x, k) => valuesEqual(x, tuple(withValues[j]!)[k]!))) {
          out.push(v("unique_violation", t, withValues[j]!.id, `${t.name}: @unique(${cols.join(", ")}) is violated by '${withValues[i]!.id}' and '${withValues[j]!.id}'`));
        }
      }
    }
    // Against what is stored: candidates share the first column's value.
    const first = cols[0]!;
    const prop = t.properties.find((p) => p.name === first);
    const firstValues = withValues.map((r) => cell(r, first));
    if (firstValues.length === 0) continue;
    const mine = new Set(rows.map((r) => r.id));
    let candidates: EntityRow[] = [];
    if (first === "id" || first === "src" || first === "dst") {
      candidates = await ws.rowsWhere(t, undefined, () => true, { name: first, values: firstValues as string[] });
    } else {
      const prop = t.properties.find((p) => p.name === first)!;
      const matchesFirst = (r: EntityRow) => firstValues.some((fv) => valuesEqual(cell(r, first), fv));
      const lits = firstValues.map((fv) => literal(fv, prop.type));
      if (lits.every((l) => l !== undefined)) {
        for (let i = 0; i < lits.length; i += 256) {
          const sql = lits.slice(i, i + 256).map((l) => `${column(prop.id)} = ${l}`).join(" OR ");
          candidates.push(...(await ws.rowsWhere(t, sql, matchesFirst)));
        }
      } else {
        candidates = await ws.rowsWhere(t, undefined, matchesFirst);
      }
    }
    for (const r of withValues) {
      const clash = candidates.find((c) => !mine.has(c.id) && tuple(c).every((x, k) => valuesEqual(x, tuple(r)[k]!)));
      if (clash) out.push(v("unique_violation", t, r.id, `${t.name} '${r.id}': @unique(${cols.join(", ")}) already held by '${clash.id}'`));
    }
  }
}

/**
 * `@card` for every source node whose outgoing edge count the write changes: the
 * source of each written edge, the previous source of an edge the write moves or
 * deletes. As in OmniGraph, a node-only write is not checked (load nodes, then
 * edges): the minimum binds once an edge write touches the node.
 */
async function checkCardinality(ws: WorkingSet, out: Violation[]): Promise<void> {
  for (const e of ws.catalog.edges) {
    if (e.card.min === 0 && e.card.max === undefined) continue;
    const from = findNode(ws.catalog, e.from);
    const ec = ws.pending(e);
    if (!from || !ec) continue;
    const sources = new Set<string>();
    for (const r of ec.upserts.values()) sources.add(r.src!);
    if (e.card.min > 0) {
      // An edge that leaves its stored source (moved or deleted) may take it below the minimum.
      const leaving = new Set([...ec.deletes, ...ec.upserts.keys()]);
      if (leaving.size && ws.reader.has(e)) {
        for (const r of await ws.reader.where(e, "id", leaving, undefined, new Set())) {
          if (ec.deletes.has(r.id) || ec.upserts.get(r.id)?.src !== r.src) sources.add(r.src!);
        }
      }
    }
    if (sources.size === 0) continue;
    const alive = await ws.getMany(from, sources);
    const counts = new Map<string, number>();
    for (const r of await ws.rowsWhere(e, undefined, () => true, { name: "src", values: sources })) counts.set(r.src!, (counts.get(r.src!) ?? 0) + 1);
    for (const s of sources) {
      if (!alive.has(s)) continue;
      const n = counts.get(s) ?? 0;
      if (n < e.card.min || (e.card.max !== undefined && n > e.card.max)) {
        out.push(v("cardinality_violation", e, s, `${from.name} '${s}' has ${n} outgoing ${e.name} edges; @card(${e.card.min}..${e.card.max ?? ""}) allows ${e.card.min}${e.card.max === undefined ? " or more" : e.card.max === e.card.min ? "" : `..${e.card.max}`}`));
      }
    }
  }
}

/** Throws the first violation as a typed error (mutations and loads). */
export function throwIfViolated(violations: Violation[]): void {
  const first = violations[0];
  if (!first) return;
  const detail = { entity_kind: first.entityKind, type_name: first.typeName, entity_id: first.entityId, kind: first.kind, violations: violations.slice(0, 20) };
  if (first.kind === "key_conflict") throw new EngineError("ERR_KEY_CONFLICT", first.message, { detail });
  throw new EngineError("ERR_INTEGRITY", first.message, { detail });
}
