/**
 * Syntax tree of a `.pg` schema file, exactly as written: no desugaring, no
 * interface injection, no name checks. `parseSchema` produces it and
 * `compileSchema` turns it into a `Catalog`. Every node carries the 1-based
 * line:column where it starts so validation errors can point at the source.
 */
import type { SourceLocation } from "../errors.ts";

/** A name as written (type name, property name, annotation name…) and where. */
export interface NameAst {
  name: string;
  loc: SourceLocation;
}

export type LiteralAst =
  | { kind: "string"; value: string; loc: SourceLocation }
  /** `raw` keeps the digits as written (checks on integer-ness and precision). */
  | { kind: "number"; value: number; raw: string; loc: SourceLocation }
  | { kind: "bool"; value: boolean; loc: SourceLocation };

/** The positional argument of an annotation: `literal_or_ident`. */
export type AnnotationArgAst = LiteralAst | { kind: "ident"; value: string; loc: SourceLocation };

/** `@name`, `@name(arg)` or `@name(arg, key=literal, …)`. */
export interface AnnotationAst {
  name: string;
  loc: SourceLocation;
  /** Undefined for a bare annotation (`@key`). */
  arg?: AnnotationArgAst | undefined;
  named: { name: string; value: LiteralAst; loc: SourceLocation }[];
}

export type CoreTypeAst =
  | { kind: "base"; base: BaseTypeName; loc: SourceLocation }
  /** `[T]`; the element is parsed as any type so the validator can say why nesting is refused. */
  | { kind: "list"; element: CoreTypeAst; loc: SourceLocation }
  | { kind: "enum"; values: { value: string; loc: SourceLocation }[]; loc: SourceLocation }
  | { kind: "vector"; dim: number; loc: SourceLocation };

export const BASE_TYPE_NAMES = [
  "String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "DateTime", "Date",
] as const;
export type BaseTypeName = (typeof BASE_TYPE_NAMES)[number];

export interface TypeRefAst {
  core: CoreTypeAst;
  nullable: boolean;
  loc: SourceLocation;
}

export interface PropDeclAst {
  name: string;
  loc: SourceLocation;
  type: TypeRefAst;
  annotations: AnnotationAst[];
}

/** Body constraints `@key(…)`, `@unique(…)`, `@index(…)`, `@range(p, a..b)`, `@check(p, "re")`. */
export type ConstraintAst =
  | { kind: "key" | "unique" | "index"; properties: NameAst[]; loc: SourceLocation }
  | {
      kind: "range";
      property: NameAst;
      min?: Extract<LiteralAst, { kind: "number" }> | undefined;
      max?: Extract<LiteralAst, { kind: "number" }> | undefined;
      loc: SourceLocation;
    }
  | { kind: "check"; property: NameAst; pattern: Extract<LiteralAst, { kind: "string" }>; loc: SourceLocation };

export interface InterfaceDeclAst {
  kind: "interface";
  name: NameAst;
  loc: SourceLocation;
  properties: PropDeclAst[];
}

export interface NodeDeclAst {
  kind: "node";
  name: NameAst;
  loc: SourceLocation;
  annotations: AnnotationAst[];
  implements: NameAst[];
  properties: PropDeclAst[];
  constraints: ConstraintAst[];
}

export interface CardinalityAst {
  min: number;
  max?: number | undefined;
  loc: SourceLocation;
}

export interface EdgeDeclAst {
  kind: "edge";
  name: NameAst;
  loc: SourceLocation;
  from: NameAst;
  to: NameAst;
  card?: CardinalityAst | undefined;
  annotations: AnnotationAst[];
  properties: PropDeclAst[];
  constraints: ConstraintAst[];
}

export type DeclAst = InterfaceDeclAst | NodeDeclAst | EdgeDeclAst;

export interface SchemaAst {
  declarations: DeclAst[];
}
