/**
 * The migration planner behind `/schema/apply`: compiles the next schema
 * against the current catalog (so ids carry over) and lists the steps that
 * turn one into the other. It never sees data, so changes that existing rows
 * might violate are refused as `unsupported_change` unless the caller says the
 * type is empty (`rowCounts`).
 */
import { EngineError } from "../errors.ts";
import type { Catalog, EdgeType, NodeType, Property } from "./catalog.ts";
import { canonicalJson } from "../../store/fingerprint.ts";
import { propTypeEquals } from "./prop-type.ts";
import {
  isDropStep,
  type ConstraintSpec,
  type MigrationStep,
  type PropertyMetadataField,
  type StepTarget,
  type TypeMetadataField,
  type UnsupportedChangeKind,
} from "./steps.ts";
import { compileSchema } from "./validate.ts";

export interface PlanOptions {
  /** Make every `drop_type`/`drop_property` hard (prior data purged); without it drops are soft. */
  allowDataLoss: boolean;
  /**
   * Rows currently stored for a type (by type id). When it returns 0 the
   * planner also accepts changes that existing rows could violate: adding a
   * required property, making a property required, adding `@unique`,
   * `@range`, `@check` or a tighter `@card`. Without it those are unsupported.
   */
  rowCounts?: ((typeId: string) => number) | undefined;
}

export interface MigrationPlan {
  /** The next catalog, with ids carried over from the current one. */
  catalog: Catalog;
  steps: MigrationStep[];
  /** False when any step is `unsupported_change`: the plan must not be applied. */
  supported: boolean;
}

type AnyType = NodeType | EdgeType;

/**
 * Plans the migration from `current` (undefined for a graph without a schema)
 * to `nextSource`. Planning a catalog's own source against it yields no steps.
 *
 * @example
 * const plan = planMigration(current, nextSource, { allowDataLoss: false });
 * if (!plan.supported) throw unsupportedError(plan);
 * @throws EngineError `ERR_PARSE` / `ERR_SCHEMA_INVALID` from compiling the
 *   source.
 */
export function planMigration(current: Catalog | undefined, nextSource: string, opts: PlanOptions): MigrationPlan {
  const catalog = compileSchema(nextSource, current);
  const steps = current
    ? new Planner(current, catalog, opts).plan()
    : [...catalog.nodes, ...catalog.edges].map((t): MigrationStep => ({ kind: "add_type", ...target(t) }));
  // Soft by default: the drop leaves the current schema, earlier snapshots keep the data.
  if (opts.allowDataLoss) for (const s of steps) if (isDropStep(s)) s.mode = "hard";
  return { catalog, steps, supported: !steps.some((s) => s.kind === "unsupported_change") };
}

/** The error to report when a plan is not supported (`ERR_SCHEMA_UNSUPPORTED_CHANGE`, steps in `detail`). */
export function unsupportedError(plan: MigrationPlan): EngineError {
  const reasons = plan.steps.flatMap((s) => (s.kind === "unsupported_change" ? [s.reason] : []));
  return new EngineError("ERR_SCHEMA_UNSUPPORTED_CHANGE", `schema change not supported: ${reasons.join("; ")}`, {
    detail: { steps: plan.steps },
  });
}

class Planner {
  private readonly steps: MigrationStep[] = [];
  private readonly oldById: Map<string, AnyType>;

  constructor(
    private readonly current: Catalog,
    private readonly next: Catalog,
    private readonly opts: PlanOptions,
  ) {
    this.oldById = new Map([...current.nodes, ...current.edges].map((t) => [t.id, t]));
  }

  plan(): MigrationStep[] {
    for (const t of [...this.next.nodes, ...this.next.edges]) {
      const old = this.oldById.get(t.id);
      if (old) this.planType(old, t);
      else if (t.renameFrom !== undefined) {
        this.unsupported(t, undefined, "rename_source_missing",
          `${t.kind} ${t.name} has @rename_from("${t.renameFrom}") but the current schema has no other ${t.kind} of that name to rename; remove the annotation to add a new type`);
      } else this.steps.push({ kind: "add_type", ...target(t) });
    }
    this.planInterfaces();
    const kept = new Set([...this.next.nodes, ...this.next.edges].map((t) => t.id));
    // Edges before nodes: an edge type depends on its endpoint node types.
    for (const t of [...this.current.edges, ...this.current.nodes]) {
      if (!kept.has(t.id)) this.steps.push({ kind: "drop_type", mode: "soft", ...target(t) });
    }
    return this.steps;
  }

  /**
   * Interfaces (matched by name; they have no ids or data): added, dropped, and their
   * properties added or dropped, as in OmniGraph's plan. Types that implement them
   * carry the injected properties and get their own steps.
   */
  private planInterfaces(): void {
    const step = (name: string) => ({ entity: "interface" as const, typeId: `interface:${name}`, typeName: name });
    const before = new Map(this.current.interfaces.map((i) => [i.name, i]));
    const after = new Map(this.next.interfaces.map((i) => [i.name, i]));
    for (const [name, i] of after) {
      const old = before.get(name);
      if (!old) {
        this.steps.push({ kind: "add_type", ...step(name) });
        continue;
      }
      for (const p of i.properties) {
        if (!old.properties.some((x) => x.name === p.name)) {
          this.steps.push({ kind: "add_property", ...step(name), propertyId: `interface:${name}.${p.name}`, propertyName: p.name, propertyType: p.type, nullable: p.nullable });
        }
      }
      for (const p of old.properties) {
        if (!i.properties.some((x) => x.name === p.name)) this.steps.push({ kind: "drop_property", mode: "soft", ...step(name), propertyId: `interface:${name}.${p.name}`, propertyName: p.name });
      }
    }
    for (const name of before.keys()) if (!after.has(name)) this.steps.push({ kind: "drop_type", mode: "soft", ...step(name) });
  }

  private planType(old: AnyType, t: AnyType): void {
    if (old.name !== t.name) this.steps.push({ kind: "rename_type", ...target(t), from: old.name, to: t.name });
    const meta: UpdateTypeMeta = { fields: [], removed: [], loosened: [] };
    if (old.description !== t.description) meta.fields.push("description");
    if (old.instruction !== t.instruction) meta.fields.push("instruction");
    if (!sameJson(old.annotations, t.annotations)) meta.fields.push("annotations");
    if (old.kind === "node" && t.kind === "node" && !sameJson(old.implements, t.implements)) meta.fields.push("implements");
    if (old.kind === "edge" && t.kind === "edge") this.planEdgeShape(old, t, meta);

    this.planProperties(old, t);
    this.planConstraints(old, t, meta);

    if (meta.fields.length > 0) {
      this.steps.push({
        kind: "update_type_metadata",
        ...target(t),
        fields: meta.fields,
        removedConstraints: meta.removed,
        loosenedConstraints: meta.loosened,
      });
    }
  }

  private planEdgeShape(old: EdgeType, t: EdgeType, meta: UpdateTypeMeta): void {
    const oldIds = [nodeId(this.current, old.from), nodeId(this.current, old.to)];
    const newIds = [nodeId(this.next, t.from), nodeId(this.next, t.to)];
    if (oldIds[0] !== newIds[0] || oldIds[1] !== newIds[1]) {
      this.unsupported(t, undefined, "edge_endpoints_changed",
        `edge ${t.name} changes endpoints from ${old.from} -> ${old.to} to ${t.from} -> ${t.to}; existing edges would dangle, so add a new edge type instead`);
    }
    const a = old.card;
    const b = t.card;
    if (a.min === b.min && a.max === b.max) return;
    const loosened = b.min <= a.min && (b.max === undefined || (a.max !== undefined && b.max >= a.max));
    const spec: ConstraintSpec = { kind: "card", min: b.min, ...(b.max !== undefined && { max: b.max }) };
    if (loosened) {
      if (!meta.fields.includes("card")) meta.fields.push("card");
      meta.loosened.push(spec);
    } else this.addRiskyConstraint(t, spec, []);
  }

  private planProperties(old: AnyType, t: AnyType): void {
    const oldProps = new Map(old.properties.map((p) => [p.id, p]));
    for (const p of t.properties) {
      const op = oldProps.get(p.id);
      if (!op) {
        this.planNewProperty(t, p);
        continue;
      }
      const propTarget = { ...target(t), propertyId: p.id };
      if (op.name !== p.name) this.steps.push({ kind: "rename_property", ...propTarget, from: op.name, to: p.name });
      const fields: PropertyMetadataField[] = [];
      if (!propTypeEquals(op.type, p.type)) {
        if (op.type.kind === "enum" && p.type.kind === "enum") {
          const newValues = new Set(p.type.values);
          const removed = op.type.values.filter((v) => !newValues.has(v));
          if (removed.length > 0) {
            this.unsupported(t, p.name, "enum_values_removed",
              `${t.name}.${p.name} drops enum values ${removed.join(", ")}; stored rows may hold them, so keep the values`);
          } else {
            const oldValues = new Set(op.type.values);
            const added = p.type.values.filter((v) => !oldValues.has(v));
            this.steps.push({ kind: "extend_enum", ...propTarget, propertyName: p.name, added, values: p.type.values });
          }
        } else {
          this.unsupported(t, p.name, "property_type_changed",
            `${t.name}.${p.name} changes type; stored values cannot be converted in place, so add a new property (or rename this one away) and reload`);
        }
      }
      if (op.nullable && !p.nullable) {
        this.addRiskyConstraint(t, { kind: "required", property: p.name }, [p.id], "property_made_required",
          `${t.name}.${p.name} becomes required but stored rows may hold null; keep it nullable (it can only be made required while ${t.name} is empty)`);
      } else if (!op.nullable && p.nullable) fields.push("nullable");
      if (op.description !== p.description) fields.push("description");
      if (!sameJson(op.embed, p.embed)) fields.push("embed");
      if (!sameJson(op.annotations, p.annotations)) fields.push("annotations");
      if (fields.length > 0) this.steps.push({ kind: "update_property_metadata", ...propTarget, propertyName: p.name, fields });
    }
    const kept = new Set(t.properties.map((p) => p.id));
    for (const op of old.properties) {
      if (!kept.has(op.id)) {
        this.steps.push({ kind: "drop_property", mode: "soft", ...target(t), propertyId: op.id, propertyName: op.name });
      }
    }
  }

  private planNewProperty(t: AnyType, p: Property): void {
    if (p.renameFrom !== undefined) {
      this.unsupported(t, p.name, "rename_source_missing",
        `${t.name}.${p.name} has @rename_from("${p.renameFrom}") but ${t.name} has no other property of that name to rename; remove the annotation to add a new property`);
    } else if (p.nullable || this.isEmpty(t)) {
      this.steps.push({ kind: "add_property", ...target(t), propertyId: p.id, propertyName: p.name, propertyType: p.type, nullable: p.nullable });
    } else {
      this.unsupported(t, p.name, "required_property_added",
        `${t.name}.${p.name} is added as required but existing rows have no value (the language has no defaults); add it as nullable`);
    }
  }

  /** Constraints are compared through property ids, so renames alone never count as changes. */
  private planConstraints(old: AnyType, t: AnyType, meta: UpdateTypeMeta): void {
    const oldCols = columnIds(old);
    const newCols = columnIds(t);
    const newNames = new Map(t.properties.map((p) => [p.id, p.name]));
    const nameOf = (id: string, fallback: string): string => newNames.get(id) ?? fallback;

    if (old.kind === "node" && t.kind === "node" && !sameJson(old.key.map(oldCols), t.key.map(newCols))) {
      this.unsupported(t, undefined, "key_changed",
        `${t.name} changes its @key; ids of stored nodes derive from it, so keep the key or create a new type and reload`);
    }

    const listDiff = (kind: "unique" | "index", oldLists: string[][], newLists: string[][]): void => {
      const sig = (ids: string[]): string => (kind === "unique" ? [...ids].sort() : ids).join(",");
      const oldSigs = new Map(oldLists.map((l) => [sig(l.map(oldCols)), l]));
      const newSigs = new Set<string>();
      for (const l of newLists) {
        const ids = l.map(newCols);
        newSigs.add(sig(ids));
        if (oldSigs.has(sig(ids))) continue;
        const spec: ConstraintSpec = { kind, properties: l };
        if (kind === "index") this.steps.push({ kind: "add_constraint", ...target(t), constraint: spec, columns: ids });
        else this.addRiskyConstraint(t, spec, ids);
      }
      for (const [s, l] of oldSigs) {
        if (!newSigs.has(s)) meta.removed.push({ kind, properties: l.map((n) => nameOf(oldCols(n), n)) });
      }
    };
    listDiff("unique", old.uniques, t.uniques);
    listDiff("index", old.indexes, t.indexes);

    if (old.kind !== "node" || t.kind !== "node") return this.finishMeta(meta);
    for (const r of t.ranges) {
      const id = newCols(r.property);
      const before = old.ranges.find((o) => oldCols(o.property) === id);
      if (before && before.min === r.min && before.max === r.max) continue;
      const spec: ConstraintSpec = { kind: "range", ...r };
      const loosened = before !== undefined &&
        (r.min === undefined || (before.min !== undefined && r.min <= before.min)) &&
        (r.max === undefined || (before.max !== undefined && r.max >= before.max));
      if (loosened) meta.loosened.push(spec);
      else this.addRiskyConstraint(t, spec, [id]);
      if (before && !loosened) meta.removed.push({ kind: "range", ...before, property: nameOf(id, before.property) });
    }
    for (const o of old.ranges) {
      const id = oldCols(o.property);
      if (!t.ranges.some((r) => newCols(r.property) === id)) meta.removed.push({ kind: "range", ...o, property: nameOf(id, o.property) });
    }
    const checkSig = (cols: (n: string) => string, k: { property: string; pattern: string }): string => `${cols(k.property)}\u0000${k.pattern}`;
    const oldChecks = new Set(old.checks.map((k) => checkSig(oldCols, k)));
    const newChecks = new Set(t.checks.map((k) => checkSig(newCols, k)));
    for (const k of t.checks) {
      if (!oldChecks.has(checkSig(newCols, k))) this.addRiskyConstraint(t, { kind: "check", ...k }, [newCols(k.property)]);
    }
    for (const k of old.checks) {
      if (!newChecks.has(checkSig(oldCols, k))) {
        meta.removed.push({ kind: "check", property: nameOf(oldCols(k.property), k.property), pattern: k.pattern });
      }
    }
    this.finishMeta(meta);
  }

  private finishMeta(meta: UpdateTypeMeta): void {
    if ((meta.removed.length > 0 || meta.loosened.some((c) => c.kind !== "card")) && !meta.fields.includes("constraints")) {
      meta.fields.push("constraints");
    }
  }

  /** A constraint existing rows may violate: accepted only on a type known to be empty. */
  private addRiskyConstraint(
    t: AnyType,
    constraint: ConstraintSpec,
    columns: string[],
    change: UnsupportedChangeKind = "constraint_needs_empty_type",
    reason = `${t.name} gains ${describe(constraint)}, which stored rows may violate; it can only be added while ${t.name} is empty`,
  ): void {
    if (this.isEmpty(t)) this.steps.push({ kind: "add_constraint", ...target(t), constraint, columns });
    else this.unsupported(t, "property" in constraint ? constraint.property : undefined, change, reason);
  }

  private isEmpty(t: AnyType): boolean {
    return this.oldById.has(t.id) && this.opts.rowCounts?.(t.id) === 0;
  }

  private unsupported(t: AnyType, propertyName: string | undefined, change: UnsupportedChangeKind, reason: string): void {
    this.steps.push({
      kind: "unsupported_change",
      entity: t.kind,
      typeName: t.name,
      ...(this.oldById.has(t.id) && { typeId: t.id }),
      ...(propertyName !== undefined && { propertyName }),
      change,
      reason,
    });
  }
}

interface UpdateTypeMeta {
  fields: TypeMetadataField[];
  removed: ConstraintSpec[];
  loosened: ConstraintSpec[];
}

function target(t: AnyType): StepTarget {
  return { entity: t.kind, typeId: t.id, typeName: t.name };
}

/** Maps a constraint's property name to its storage column: the property id, or `src`/`dst`. */
function columnIds(t: AnyType): (name: string) => string {
  const ids = new Map(t.properties.map((p) => [p.name, p.id]));
  return (name) => ids.get(name) ?? name;
}

function nodeId(c: Catalog, name: string): string | undefined {
  return c.nodes.find((n) => n.name === name)?.id;
}

/** Key-order-insensitive: a catalog read back from JSON has sorted keys, a compiled one has not. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function describe(c: ConstraintSpec): string {
  switch (c.kind) {
    case "unique":
    case "index":
      return `@${c.kind}(${c.properties.join(", ")})`;
    case "range":
      return `@range(${c.property}, ${c.min ?? ""}..${c.max ?? ""})`;
    case "check":
      return `@check(${c.property}, ${JSON.stringify(c.pattern)})`;
    case "card":
      return `@card(${c.min}..${c.max ?? ""})`;
    case "required":
      return `a required ${c.property}`;
  }
}
