/**
 * The `.gq` query language: parsing, type checking into a typed IR, parameter
 * binding and runtime values. Pure: no I/O.
 *
 * @example
 * const q = compileQuery(source, catalog, name);   // TypedQuery (read or mutation)
 * const params = bindParams(q, body.params);        // Map<string, Value>
 */
export type * from "./ast.ts";
export type * from "./typed.ts";
export { WILDCARD } from "./typed.ts";
export { tokenize, type Token, type TokenKind } from "./lexer.ts";
export { parseQueries } from "./parser.ts";
export { printExpr, printQuery, printQueries } from "./print.ts";
export { checkQuery, compileQuery } from "./typecheck.ts";
export { bindParams } from "./params.ts";
export {
  castValue,
  compareValues,
  float32ToNumber,
  formatOutputValue,
  valuesEqual,
  type JsonValue,
  type Value,
} from "./value.ts";
export { typeName } from "./type-rules.ts";
export { MAX_NESTING } from "./parser.ts";
export { dateToDateTime, formatDateTime, parseDate, parseDateTime } from "./temporal.ts";
