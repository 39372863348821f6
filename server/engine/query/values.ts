/**
 * Typing of `value` positions (`literal | $param | now()`): inline binding values,
 * insert/update assignments and mutation `where` operands.
 */
import type { PropType } from "../schema/catalog.ts";
import type { ValueAst } from "./ast.ts";
import type { CheckContext, VarScope } from "./context.ts";
import type { Operand } from "./compare.ts";
import { defaultLiteral, requireLiteral } from "./literals.ts";
import type { ParamRef, TypedExpr } from "./typed.ts";
import { DATETIME, assignability, scalarBase, typeName } from "./type-rules.ts";

function paramRef(ctx: CheckContext, scope: VarScope | undefined, v: ValueAst & { kind: "var" }): ParamRef {
  const param = ctx.params.get(v.name);
  if (param) return { kind: "param", name: v.name, type: param.type, nullable: param.nullable, location: v.loc };
  if (scope?.lookup(v.name)) {
    ctx.fail(`values here must be literals, parameters or now(); \`$${v.name}\` is a match variable`, v.loc);
  }
  return ctx.fail(`\`$${v.name}\` is not a declared parameter`, v.loc);
}

/** Types a value standing as one operand of a comparison (the literal is re-typed there). */
export function valueOperand(ctx: CheckContext, scope: VarScope | undefined, v: ValueAst): Operand {
  switch (v.kind) {
    case "var":
      return { typed: paramRef(ctx, scope, v) };
    case "now":
      return { typed: { kind: "now", type: DATETIME, nullable: false, location: v.loc } };
    default:
      return { typed: defaultLiteral(ctx, v), literal: v };
  }
}

/**
 * Types a value stored into a property of type `target` (insert/update). A
 * parameter must be assignable (`type-rules.ts`; widening inserts a `cast`), and a
 * nullable parameter cannot fill a non-nullable property.
 */
export function assignedValue(ctx: CheckContext, v: ValueAst, target: PropType, targetNullable: boolean, what: string): TypedExpr {
  switch (v.kind) {
    case "now":
      if (scalarBase(target) !== "DateTime") ctx.fail(`${what} expects ${typeName(target)}; \`now()\` is a DateTime`, v.loc);
      return { kind: "now", type: DATETIME, nullable: false, location: v.loc };
    case "var": {
      const ref = paramRef(ctx, undefined, v);
      const how = assignability(ref.type, target);
      if (how === undefined) ctx.fail(`${what} expects ${typeName(target)}; \`$${v.name}\` is ${typeName(ref.type)}`, v.loc);
      if (ref.nullable && !targetNullable) {
        ctx.fail(`${what} is not nullable but parameter \`$${v.name}\` is; declare it without \`?\``, v.loc);
      }
      if (how === "same") return ref;
      return { kind: "cast", arg: ref, type: target, nullable: ref.nullable, location: v.loc };
    }
    default:
      return requireLiteral(ctx, v, target, what);
  }
}
