/**
 * Entry points of the type checker: `checkQuery` for one parsed declaration and
 * `compileQuery` for source text plus a query name.
 */
import { EngineError, type SourceLocation } from "../errors.ts";
import type { Catalog } from "../schema/catalog.ts";
import type { QueryAst } from "./ast.ts";
import { CheckContext } from "./context.ts";
import { checkMutation } from "./check-mutation.ts";
import { checkRead } from "./check-read.ts";
import { parseQueries } from "./parser.ts";
import type { ParamDecl, TypedQuery } from "./typed.ts";
import { WILDCARD } from "./typed.ts";

function declareParams(ctx: CheckContext, q: QueryAst): ParamDecl[] {
  return q.params.map((p) => {
    if (p.name === WILDCARD) ctx.fail("`$_` is the wildcard and cannot name a parameter", p.loc);
    if (ctx.params.has(p.name)) ctx.fail(`parameter \`$${p.name}\` is declared twice`, p.loc);
    if (p.type.kind === "vector" && p.type.dim < 1) ctx.fail("a vector parameter needs a dimension of at least 1", p.loc);
    const decl: ParamDecl = { name: p.name, type: p.type, nullable: p.nullable, location: p.loc };
    ctx.params.set(p.name, decl);
    return decl;
  });
}

/**
 * Checks one parsed query against the catalog and returns its typed IR.
 * `source` (the text `ast` was parsed from) only adds excerpts to errors.
 *
 * @throws EngineError `ERR_TYPE` (or `ERR_D2_MIXED_MUTATION`) with the location.
 */
export function checkQuery(ast: QueryAst, catalog: Catalog, source?: string): TypedQuery {
  const ctx = new CheckContext(catalog, source);
  const params = declareParams(ctx, ast);
  return ast.body.kind === "read"
    ? checkRead(ctx, ast, ast.body, params)
    : checkMutation(ctx, ast, ast.body, params);
}

/**
 * Parses `source`, selects the query named `name` (required when the source
 * declares several) and checks it.
 *
 * @throws EngineError `ERR_PARSE`, `ERR_QUERY_NAME_REQUIRED`, `ERR_QUERY_NOT_FOUND`,
 *   `ERR_TYPE`, `ERR_D2_MIXED_MUTATION`.
 * @example
 * const q = compileQuery(source, catalog, "friends_of");
 * if (q.kind === "mutation") throw new EngineError("ERR_MUTATION_IN_READ", "…");
 */
export function compileQuery(source: string, catalog: Catalog, name?: string): TypedQuery {
  const queries = parseQueries(source);
  const start: SourceLocation = { line: 1, column: 1 };
  let ast: QueryAst | undefined;
  if (name !== undefined) {
    ast = queries.find((q) => q.name === name);
    if (!ast) {
      const known = queries.map((q) => q.name).join(", ") || "none";
      throw new EngineError("ERR_QUERY_NOT_FOUND", `query \`${name}\` is not declared in the source (declared: ${known})`, { detail: { name } });
    }
  } else if (queries.length === 1) {
    ast = queries[0];
  } else if (queries.length === 0) {
    throw new EngineError("ERR_PARSE", "the source declares no query; expected `query name(…) { … }`", { location: start });
  } else {
    throw new EngineError("ERR_QUERY_NAME_REQUIRED", `the source declares ${queries.length} queries (${queries.map((q) => q.name).join(", ")}); name the one to run`, {
      detail: { names: queries.map((q) => q.name) },
    });
  }
  return checkQuery(ast as QueryAst, catalog, source);
}
