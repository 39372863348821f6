/**
 * Property types: resolving a parsed type reference into a catalog `PropType`
 * (with the type rules of §2), comparing two types, and writing one back as
 * `.pg` text.
 */
import type { SourceLocation } from "../errors.ts";
import type { TypeRefAst } from "./ast.ts";
import type { PropType, ScalarBase } from "./catalog.ts";

/** Throws `ERR_SCHEMA_INVALID` at a location; supplied by `compileSchema`. */
export type FailAt = (message: string, loc: SourceLocation) => never;

/** Largest `Vector(n)`: Arrow fixed-size lists are sized by a signed 32-bit int. */
export const MAX_VECTOR_DIM = 2 ** 31 - 1;

const NUMERIC: ReadonlySet<ScalarBase> = new Set(["I32", "I64", "U32", "U64", "F32", "F64"]);

/** Resolves `T`, `T?`, `[T]`, `enum(...)` and `Vector(n)`; enum values come out sorted (a repeated value is an error). */
export function resolvePropType(ref: TypeRefAst, fail: FailAt): { type: PropType; nullable: boolean } {
  const core = ref.core;
  switch (core.kind) {
    case "base":
      return { type: { kind: "scalar", base: core.base }, nullable: ref.nullable };
    case "enum": {
      // OmniGraph refuses a repeated value rather than silently collapsing it.
      const seen = new Set<string>();
      for (const v of core.values) {
        if (seen.has(v.value)) fail(`enum value '${v.value}' appears twice; list each value once`, v.loc);
        seen.add(v.value);
      }
      const values = [...seen].sort();
      return { type: { kind: "enum", values }, nullable: ref.nullable };
    }
    case "vector":
      if (core.dim < 1) fail(`Vector(${core.dim}) is invalid: a vector needs at least 1 dimension`, core.loc);
      if (core.dim > MAX_VECTOR_DIM) fail(`Vector(${core.dim}) is too large: at most ${MAX_VECTOR_DIM} dimensions`, core.loc);
      return { type: { kind: "vector", dim: core.dim }, nullable: ref.nullable };
    case "list": {
      const el = core.element;
      if (el.kind === "list") fail("nested lists are not allowed: a list holds scalars", el.loc);
      if (el.kind === "vector") fail("lists of vectors are not allowed: a list holds scalars", el.loc);
      if (el.kind === "enum") fail("lists of enums are not allowed: use [String]", el.loc);
      // A managed Blob is addressed per (entity, property) by the /blob route; an element of a list is not.
      if (el.base === "Blob") fail("lists of Blob are not allowed: use a Blob property per value", el.loc);
      return { type: { kind: "list", base: el.base }, nullable: ref.nullable };
    }
  }
}

/** Structural equality of two property types (enum values compared in order; they are sorted). */
export function propTypeEquals(a: PropType, b: PropType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "scalar":
    case "list":
      return a.base === (b as typeof a).base;
    case "vector":
      return a.dim === (b as typeof a).dim;
    case "enum": {
      const bv = (b as typeof a).values;
      return a.values.length === bv.length && a.values.every((v, i) => v === bv[i]);
    }
  }
}

export function isNumericScalar(t: PropType): boolean {
  return t.kind === "scalar" && NUMERIC.has(t.base);
}

/** The type as `.pg` text: `String`, `[I32]?`, `enum(a, b)`, `Vector(4)`. */
export function formatPropType(t: PropType, nullable: boolean): string {
  const q = nullable ? "?" : "";
  switch (t.kind) {
    case "scalar":
      return t.base + q;
    case "list":
      return `[${t.base}]${q}`;
    case "enum":
      return `enum(${t.values.join(", ")})${q}`;
    case "vector":
      return `Vector(${t.dim})${q}`;
  }
}
