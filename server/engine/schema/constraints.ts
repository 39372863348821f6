/**
 * Checks the constraints of one node or edge type — body constraints plus the
 * `@key`/`@unique`/`@index` property shorthands — against its final property
 * list (after interface injection), and returns them in catalog form.
 */
import type { SourceLocation } from "../errors.ts";
import type { ConstraintAst, LiteralAst, NameAst } from "./ast.ts";
import type { CheckConstraint, PropType, RangeConstraint } from "./catalog.ts";
import { isNumericScalar, type FailAt } from "./prop-type.ts";

/** What the constraint checker needs to know about each property. */
export interface ConstrainedProperty {
  name: string;
  type: PropType;
  nullable: boolean;
}

/** A constraint written as a property shorthand (`slug: String @key`). */
export interface ShorthandConstraint {
  kind: "key" | "unique" | "index";
  property: string;
  loc: SourceLocation;
}

export interface TypeConstraints {
  key: string[];
  uniques: string[][];
  indexes: string[][];
  ranges: RangeConstraint[];
  checks: CheckConstraint[];
}

/** Implicit edge columns that `@unique` and `@index` may name. */
const EDGE_ENDPOINT_COLUMNS = new Set(["src", "dst"]);

/**
 * Validates and collects constraints. Shorthands come first (in property
 * order), then body constraints in source order; repeated identical
 * `@unique`/`@index` lists are kept once.
 */
export function checkConstraints(
  entity: "node" | "edge",
  typeName: string,
  properties: ConstrainedProperty[],
  shorthands: ShorthandConstraint[],
  body: ConstraintAst[],
  fail: FailAt,
): TypeConstraints {
  const out: TypeConstraints = { key: [], uniques: [], indexes: [], ranges: [], checks: [] };
  const byName = new Map(properties.map((p) => [p.name, p]));
  let keyLoc: SourceLocation | undefined;

  const lookup = (ref: NameAst, what: string, allowEndpoints: boolean): ConstrainedProperty | undefined => {
    if (allowEndpoints && entity === "edge" && EDGE_ENDPOINT_COLUMNS.has(ref.name)) return undefined;
    const p = byName.get(ref.name);
    if (!p) return fail(`${what} names unknown property '${ref.name}' of ${typeName}`, ref.loc);
    return p;
  };
  const distinct = (refs: NameAst[], what: string): void => {
    const seen = new Set<string>();
    for (const r of refs) {
      if (seen.has(r.name)) fail(`${what} lists '${r.name}' twice`, r.loc);
      seen.add(r.name);
    }
  };
  const pushList = (lists: string[][], names: string[]): void => {
    if (!lists.some((l) => l.length === names.length && l.every((n, i) => n === names[i]))) lists.push(names);
  };

  const uses: ConstraintAst[] = [
    ...shorthands.map((s): ConstraintAst => ({ kind: s.kind, properties: [{ name: s.property, loc: s.loc }], loc: s.loc })),
    ...body,
  ];
  for (const c of uses) {
    switch (c.kind) {
      case "key": {
        if (entity === "edge") fail("@key is node-only: edges are identified by their id and endpoints", c.loc);
        if (keyLoc) {
          fail(`${typeName} already has a @key (at ${keyLoc.line}:${keyLoc.column}); write one composite @key(a, b) instead`, c.loc);
        }
        keyLoc = c.loc;
        distinct(c.properties, "@key");
        for (const ref of c.properties) {
          const p = lookup(ref, "@key", false);
          if (!p) continue;
          if (p.nullable) fail(`key property '${p.name}' must not be nullable`, ref.loc);
          refuseNonScalar(p, "@key", ref.loc, fail);
        }
        out.key = c.properties.map((r) => r.name);
        break;
      }
      case "unique":
        distinct(c.properties, "@unique");
        for (const ref of c.properties) {
          const p = lookup(ref, "@unique", true);
          if (p) refuseNonScalar(p, "@unique", ref.loc, fail);
        }
        pushList(out.uniques, c.properties.map((r) => r.name));
        break;
      case "index":
        distinct(c.properties, "@index");
        for (const ref of c.properties) {
          const p = lookup(ref, "@index", true);
          if (!p) continue;
          if (p.type.kind === "scalar" && p.type.base === "Blob") fail(`@index cannot be on Blob property '${p.name}'`, ref.loc);
          if (p.type.kind === "list") fail(`@index cannot be on list property '${p.name}'`, ref.loc);
        }
        pushList(out.indexes, c.properties.map((r) => r.name));
        break;
      case "range": {
        if (entity === "edge") fail("@range is node-only: edge bodies accept only @unique and @index", c.loc);
        const p = lookup(c.property, "@range", false);
        if (!p) break;
        if (!isNumericScalar(p.type)) fail(`@range needs a numeric property; '${p.name}' is not numeric`, c.property.loc);
        if (out.ranges.some((r) => r.property === p.name)) fail(`'${p.name}' already has a @range`, c.loc);
        const min = exactBound(c.min, fail);
        const max = exactBound(c.max, fail);
        if (min !== undefined && max !== undefined && min > max) {
          fail(`@range(${p.name}, ${min}..${max}) is empty: min must be ≤ max`, c.loc);
        }
        out.ranges.push({ property: p.name, ...(min !== undefined && { min }), ...(max !== undefined && { max }) });
        break;
      }
      case "check": {
        if (entity === "edge") fail("@check is node-only: edge bodies accept only @unique and @index", c.loc);
        const p = lookup(c.property, "@check", false);
        if (!p) break;
        if (p.type.kind !== "scalar" || p.type.base !== "String") {
          fail(`@check needs a String property; '${p.name}' is not String`, c.property.loc);
        }
        try {
          new RegExp(c.pattern.value, "u");
        } catch {
          fail(`@check pattern ${JSON.stringify(c.pattern.value)} is not a valid regular expression`, c.pattern.loc);
        }
        if (!out.checks.some((k) => k.property === p.name && k.pattern === c.pattern.value)) {
          out.checks.push({ property: p.name, pattern: c.pattern.value });
        }
        break;
      }
    }
  }
  return out;
}

/** Key and unique values must compare as scalars: no Blob, list or vector. */
function refuseNonScalar(p: ConstrainedProperty, what: string, loc: SourceLocation, fail: FailAt): void {
  if (p.type.kind === "list") fail(`${what} cannot be on list property '${p.name}'`, loc);
  if (p.type.kind === "vector") fail(`${what} cannot be on vector property '${p.name}'`, loc);
  if (p.type.kind === "scalar" && p.type.base === "Blob") fail(`${what} cannot be on Blob property '${p.name}'`, loc);
}

/** An integer bound beyond 2^53 would be silently rounded in a JS number; refuse it instead. */
function exactBound(lit: Extract<LiteralAst, { kind: "number" }> | undefined, fail: FailAt): number | undefined {
  if (lit === undefined) return undefined;
  if (!lit.raw.includes(".") && !Number.isSafeInteger(lit.value)) {
    fail(`range bound ${lit.raw} is outside the exactly representable integers (±2^53)`, lit.loc);
  }
  return lit.value;
}
