import test from "ava";
import fc from "fast-check";
import type {
  AggregateFn, AssignmentAst, ClauseAst, CompareOp, ExprAst, LiteralAst, MutationStatementAst, ParamAst, QueryAst, SearchFn, ValueAst,
} from "../../../server/engine/query/ast.ts";
import { parseQueries } from "../../../server/engine/query/parser.ts";
import { printQueries } from "../../../server/engine/query/print.ts";
import { stripLocs } from "./helpers.ts";

const loc = { line: 1, column: 1 };
/** Words the grammar gives a meaning to somewhere; generated names avoid them. */
const KEYWORDS = new Set([
  "query", "match", "return", "order", "limit", "not", "as", "asc", "desc", "insert", "update", "delete", "set", "where",
  "and", "contains", "starts_with", "true", "false", "now", "date", "datetime", "count", "sum", "avg", "min", "max",
  "nearest", "search", "fuzzy", "match_text", "bm25", "rrf",
]);
const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((s) => !KEYWORDS.has(s));
const varName = fc.oneof(ident, fc.constant("_"));
const typeName = fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,6}$/);
const bases = ["String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "Date", "DateTime"] as const;
const ops: CompareOp[] = ["=", "!=", "<", "<=", ">", ">=", "contains", "starts_with"];

const scalarLiteral: fc.Arbitrary<LiteralAst> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 8 }).map((value) => ({ kind: "string" as const, value, loc })),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map((value) => ({ kind: "int" as const, value, loc })),
  fc.tuple(fc.nat(99999), fc.stringMatching(/^[0-9]{1,4}$/)).map(([i, f]) => {
    const raw = `${i}.${f}`;
    return { kind: "float" as const, value: Number(raw), raw, loc };
  }),
  fc.boolean().map((value) => ({ kind: "bool" as const, value, loc })),
  fc.string({ maxLength: 10 }).map((value) => ({ kind: "date" as const, value, loc })),
  fc.string({ maxLength: 10 }).map((value) => ({ kind: "datetime" as const, value, loc })),
);
const literal: fc.Arbitrary<LiteralAst> = fc.oneof(
  { weight: 4, arbitrary: scalarLiteral },
  { weight: 1, arbitrary: fc.array(fc.oneof(scalarLiteral, fc.array(scalarLiteral, { maxLength: 2 }).map((items) => ({ kind: "list" as const, items, loc }))), { maxLength: 3 }).map((items) => ({ kind: "list" as const, items, loc })) },
);
const value: fc.Arbitrary<ValueAst> = fc.oneof(
  literal,
  fc.constant({ kind: "now" as const, loc }),
  varName.map((name) => ({ kind: "var" as const, name, loc })),
);

const leafExpr: fc.Arbitrary<ExprAst> = fc.oneof(
  literal,
  fc.constant({ kind: "now" as const, loc }),
  fc.tuple(varName, ident).map(([v, prop]) => ({ kind: "prop" as const, var: v, prop, loc })),
  varName.map((name) => ({ kind: "var" as const, name, loc })),
  ident.map((name) => ({ kind: "alias" as const, name, loc })),
);
function expr(depth: number): fc.Arbitrary<ExprAst> {
  if (depth <= 0) return leafExpr;
  const sub = expr(depth - 1);
  const arity: Record<SearchFn, number[]> = { search: [2], fuzzy: [2, 3], match_text: [2], bm25: [2], rrf: [2, 3] };
  return fc.oneof(
    { weight: 4, arbitrary: leafExpr },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom<AggregateFn>("count", "sum", "avg", "min", "max"), sub).map(([fn, arg]) => ({ kind: "agg" as const, fn, arg, loc })) },
    { weight: 1, arbitrary: fc.tuple(varName, ident, sub).map(([v, prop, query]) => ({ kind: "nearest" as const, var: v, prop, query, loc })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<SearchFn>("search", "fuzzy", "match_text", "bm25", "rrf").chain((fn) =>
        fc.constantFrom(...arity[fn]).chain((n) => fc.array(sub, { minLength: n, maxLength: n }).map((args) => ({ kind: "call" as const, fn, args, loc })))),
    },
  );
}

const assignment: fc.Arbitrary<AssignmentAst> = fc.tuple(ident, value).map(([name, v]) => ({ name, value: v, loc }));
const filter = fc.tuple(expr(1), fc.constantFrom(...ops), expr(1))
  // `$a < name` would read as the start of `$a <edge> $b`; that filter is meaningless in match anyway
  .filter(([l, op, r]) => !(l.kind === "var" && op === "<" && r.kind === "alias"))
  .map(([left, op, right]) => ({ kind: "filter" as const, left, op, right, loc }));

function clause(depth: number): fc.Arbitrary<ClauseAst> {
  const options: fc.Arbitrary<ClauseAst>[] = [
    fc.tuple(varName, typeName, fc.array(assignment, { maxLength: 3 })).map(([v, t, props]) => ({ kind: "binding" as const, var: v, typeName: t, props, loc })),
    fc.record({
      src: varName,
      edgeVar: fc.option(varName, { nil: undefined }),
      edge: ident,
      undirected: fc.boolean(),
      bounds: fc.option(fc.record({ min: fc.nat(9), max: fc.option(fc.nat(9), { nil: undefined }) }), { nil: undefined }),
      dst: varName,
    }).map((r) => ({ kind: "traversal" as const, ...r, loc })),
    filter,
    fc.tuple(fc.constantFrom<SearchFn>("search", "fuzzy", "match_text"), fc.array(expr(0), { minLength: 2, maxLength: 2 }))
      .map(([fn, args]) => ({ kind: "predicate" as const, call: { kind: "call" as const, fn, args, loc }, loc })),
  ];
  if (depth > 0) {
    options.push(fc.array(clause(depth - 1), { minLength: 1, maxLength: 3 }).map((clauses) => ({ kind: "not" as const, clauses, loc })));
  }
  return fc.oneof(...options);
}

const param: fc.Arbitrary<ParamAst> = fc.record({
  name: varName,
  type: fc.oneof(
    fc.constantFrom(...bases).map((base) => ({ kind: "scalar" as const, base })),
    fc.constantFrom(...bases).map((base) => ({ kind: "list" as const, base })),
    fc.nat(4096).map((dim) => ({ kind: "vector" as const, dim })),
  ),
  nullable: fc.boolean(),
}).map((p) => ({ ...p, loc }));

const where = fc.array(fc.tuple(ident, fc.constantFrom(...ops), value).map(([name, op, v]) => ({ name, op, value: v, loc })), { minLength: 1, maxLength: 2 });
const statement: fc.Arbitrary<MutationStatementAst> = fc.oneof(
  fc.tuple(typeName, fc.array(assignment, { minLength: 1, maxLength: 3 })).map(([t, values]) => ({ kind: "insert" as const, typeName: t, values, loc })),
  fc.tuple(typeName, fc.array(assignment, { minLength: 1, maxLength: 3 }), where).map(([t, set, w]) => ({ kind: "update" as const, typeName: t, set, where: w, loc })),
  fc.tuple(typeName, where).map(([t, w]) => ({ kind: "delete" as const, typeName: t, where: w, loc })),
);

const readBody = fc.record({
  match: fc.array(clause(2), { minLength: 1, maxLength: 4 }),
  returns: fc.array(fc.record({ expr: expr(2), alias: fc.option(ident, { nil: undefined }) }).map((p) => ({ ...p, loc })), { minLength: 1, maxLength: 4 }),
  order: fc.array(fc.record({ expr: expr(2), direction: fc.option(fc.constantFrom("asc" as const, "desc" as const), { nil: undefined }) }).map((o) => ({ ...o, loc })), { maxLength: 3 }),
  limit: fc.option(fc.nat(), { nil: undefined }),
}).map((b) => ({ kind: "read" as const, ...b }));

const query = (name: string): fc.Arbitrary<QueryAst> => fc.record({
  params: fc.array(param, { maxLength: 4 }),
  description: fc.option(fc.string({ unit: "binary", maxLength: 12 }), { nil: undefined }),
  instruction: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  body: fc.oneof(readBody, fc.array(statement, { minLength: 1, maxLength: 3 }).map((statements) => ({ kind: "mutation" as const, statements }))),
}).map((q) => ({ name, ...q, loc }));

const queries = fc.uniqueArray(ident, { minLength: 1, maxLength: 3 }).chain((names) => fc.tuple(...names.map(query)));

test("printing a generated syntax tree and parsing it again yields the same tree", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(queries, (qs) => {
        const source = printQueries(qs);
        t.deepEqual(stripLocs(parseQueries(source)), stripLocs(qs), source);
      }),
      { numRuns: 500 },
    ),
  );
});

test("printing is stable: print(parse(print(q))) equals print(q)", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(queries, (qs) => {
        const once = printQueries(qs);
        return printQueries(parseQueries(once)) === once;
      }),
      { numRuns: 200 },
    ),
  );
});
