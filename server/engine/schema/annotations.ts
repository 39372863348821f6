/**
 * Interprets annotations on types and properties: `@description`,
 * `@instruction`, `@rename_from`, `@embed` and the `@key`/`@unique`/`@index`
 * shorthands. Everything else is kept verbatim as metadata.
 */
import type { SourceLocation } from "../errors.ts";
import type { AnnotationAst } from "./ast.ts";
import type { Annotation, AnnotationValue, PropType } from "./catalog.ts";
import { IDENT, TYPE_NAME } from "./names.ts";
import type { FailAt } from "./prop-type.ts";

/** A bare `@key`, `@unique` or `@index` on a property: a one-property constraint. */
export interface ShorthandUse {
  kind: "key" | "unique" | "index";
  loc: SourceLocation;
}

export interface PropertyAnnotations {
  description?: string | undefined;
  renameFrom?: string | undefined;
  embed?: { source: string; model?: string | undefined; loc: SourceLocation } | undefined;
  shorthands: ShorthandUse[];
  /** Annotations not interpreted above, verbatim. */
  annotations: Annotation[];
}

export interface TypeAnnotations {
  description?: string | undefined;
  instruction?: string | undefined;
  renameFrom?: string | undefined;
  annotations: Annotation[];
}

const BODY_ONLY = new Set(["range", "check"]);

/**
 * Reads the annotations of one property. `owner` is the declaration holding
 * it; `type` is its resolved type (for `@embed` and the shorthands).
 */
export function readPropertyAnnotations(
  anns: AnnotationAst[],
  owner: "node" | "edge" | "interface",
  type: PropType,
  fail: FailAt,
): PropertyAnnotations {
  const out: PropertyAnnotations = { shorthands: [], annotations: [] };
  const seen = new Set<string>();
  for (const ann of anns) {
    checkAnnotationNames(ann, fail);
    const once = (): void => {
      if (seen.has(ann.name)) fail(`@${ann.name} appears twice on the same property`, ann.loc);
      seen.add(ann.name);
    };
    switch (ann.name) {
      case "description":
        once();
        out.description = nonEmptyStringArg(ann, fail);
        break;
      case "rename_from": {
        once();
        const old = stringArg(ann, fail, true);
        if (!IDENT.test(old)) fail(`@rename_from("${old}") must name a property ([a-z_][A-Za-z0-9_]*)`, ann.loc);
        out.renameFrom = old;
        break;
      }
      case "embed":
        once();
        out.embed = readEmbed(ann, owner, type, fail);
        break;
      case "key":
      case "unique":
      case "index":
        once();
        // Always bare here: with parentheses the parser reads it as a body constraint.
        out.shorthands.push({ kind: ann.name, loc: ann.loc });
        break;
      case "instruction":
        fail("@instruction goes on node and edge types, not on properties (use @description)", ann.loc);
        break;
      case "card":
        fail("@card goes on an edge declaration, directly after its endpoints", ann.loc);
        break;
      default:
        if (BODY_ONLY.has(ann.name)) {
          fail(`@${ann.name} is a body constraint: write @${ann.name}(property, ...) inside the type body`, ann.loc);
        }
        out.annotations.push(toAnnotation(ann));
    }
  }
  return out;
}

/** Reads the annotations written on a node or edge declaration. */
export function readTypeAnnotations(anns: AnnotationAst[], entity: "node" | "edge", fail: FailAt): TypeAnnotations {
  const out: TypeAnnotations = { annotations: [] };
  const seen = new Set<string>();
  for (const ann of anns) {
    checkAnnotationNames(ann, fail);
    const once = (): void => {
      if (seen.has(ann.name)) fail(`@${ann.name} appears twice on ${entity}`, ann.loc);
      seen.add(ann.name);
    };
    switch (ann.name) {
      case "description":
        once();
        out.description = nonEmptyStringArg(ann, fail);
        break;
      case "instruction":
        once();
        out.instruction = nonEmptyStringArg(ann, fail);
        break;
      case "rename_from": {
        once();
        const old = stringArg(ann, fail, true);
        if (!TYPE_NAME.test(old)) fail(`@rename_from("${old}") must name a type ([A-Z][A-Za-z0-9_]*)`, ann.loc);
        out.renameFrom = old;
        break;
      }
      case "key":
      case "unique":
      case "index":
      case "range":
      case "check":
        fail(`@${ann.name} is not a type annotation: put it on a property or write @${ann.name}(...) inside the body`, ann.loc);
        break;
      case "embed":
        fail("@embed goes on a Vector property, not on a type", ann.loc);
        break;
      case "card":
        fail("@card goes on edges only, directly after the endpoints", ann.loc);
        break;
      default:
        out.annotations.push(toAnnotation(ann));
    }
  }
  return out;
}

function readEmbed(
  ann: AnnotationAst,
  owner: "node" | "edge" | "interface",
  type: PropType,
  fail: FailAt,
): NonNullable<PropertyAnnotations["embed"]> {
  // Edge inserts carry no embedding source semantics in OmniGraph; keep @embed to node data.
  if (owner === "edge") fail("@embed is not supported on edge properties", ann.loc);
  if (type.kind !== "vector") fail("@embed goes on a Vector(n) property", ann.loc);
  if (ann.arg === undefined) fail('@embed needs its source property: @embed("text_property")', ann.loc);
  const arg = ann.arg;
  if (arg.kind !== "string" && arg.kind !== "ident") fail("@embed takes the name of a String property", arg.loc);
  if (!IDENT.test(arg.value)) fail(`@embed source '${arg.value}' is not a property name`, arg.loc);
  let model: string | undefined;
  for (const n of ann.named) {
    if (n.name !== "model") fail(`@embed has no argument '${n.name}=' (only model= is supported)`, n.loc);
    if (n.value.kind !== "string") fail('@embed model= takes a string: model="name"', n.value.loc);
    model = n.value.value;
  }
  return { source: arg.value, ...(model !== undefined && { model }), loc: ann.loc };
}

function checkAnnotationNames(ann: AnnotationAst, fail: FailAt): void {
  if (!IDENT.test(ann.name)) fail(`annotation name '@${ann.name}' must match [a-z_][A-Za-z0-9_]*`, ann.loc);
  const names = new Set<string>();
  for (const n of ann.named) {
    if (!IDENT.test(n.name)) fail(`argument name '${n.name}' must match [a-z_][A-Za-z0-9_]*`, n.loc);
    if (names.has(n.name)) fail(`argument '${n.name}=' is given twice`, n.loc);
    names.add(n.name);
  }
}

function stringArg(ann: AnnotationAst, fail: FailAt, allowIdent: boolean): string {
  const arg = ann.arg;
  const shape = `@${ann.name}("…")`;
  if (arg === undefined) return fail(`@${ann.name} needs one string argument: ${shape}`, ann.loc);
  if (arg.kind !== "string" && !(allowIdent && arg.kind === "ident")) {
    return fail(`@${ann.name} takes one string argument: ${shape}`, arg.loc);
  }
  const first = ann.named[0];
  if (first) fail(`@${ann.name} takes no named arguments`, first.loc);
  return String(arg.value);
}

function nonEmptyStringArg(ann: AnnotationAst, fail: FailAt): string {
  const value = stringArg(ann, fail, false);
  if (value.trim() === "") fail(`@${ann.name} must not be empty`, ann.arg?.loc ?? ann.loc);
  return value;
}

/** An uninterpreted annotation as catalog metadata; identifiers become strings. */
function toAnnotation(ann: AnnotationAst): Annotation {
  // fromEntries defines own properties, so an argument named `__proto__` stays data.
  const named: Record<string, AnnotationValue> = Object.fromEntries(ann.named.map((n) => [n.name, n.value.value]));
  return { name: ann.name, args: ann.arg === undefined ? [] : [ann.arg.value], named };
}
