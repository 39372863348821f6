/**
 * `omnigraph lint` (alias `check`): checks `.pg` schemas and `.gq` queries offline.
 * Files come from `--schema`, `--query` (repeatable) or positionally (by extension).
 * Queries are type-checked against the schema given (or, with `--store`, against the
 * graph's current schema); without one they are only parsed. Exits 2 when any file
 * has an error, printing each error's code, file, line and column.
 *
 * @example omnigraph lint examples/social/schema.pg examples/social/queries.gq
 */
import { EMPTY_CATALOG } from "../engine/engine.ts";
import { isEngineError } from "../engine/errors.ts";
import { checkQuery, parseQueries } from "../engine/query/index.ts";
import { compileSchema, type Catalog } from "../engine/schema/index.ts";
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT, exitCodeForCode } from "./errors.ts";
import { readInputFile } from "./inputs.ts";

interface Problem {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

interface FileReport {
  file: string;
  kind: "schema" | "query";
  ok: boolean;
  /** Query names checked (queries) or type count (schema). */
  queries?: { name: string; kind: "read" | "mutation" | "unchecked"; ok: boolean; error?: Problem }[];
  types?: number;
  error?: Problem;
}

function problem(e: unknown): Problem {
  if (!isEngineError(e)) throw e;
  return { code: e.code, message: e.message.split("\n")[0]!, ...(e.location ? { line: e.location.line, column: e.location.column } : {}) };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function lintQueries(file: string, source: string, catalog: Catalog | undefined): FileReport {
  let asts;
  try {
    asts = parseQueries(source);
  } catch (e) {
    return { file, kind: "query", ok: false, error: problem(e) };
  }
  const queries = asts.map((ast) => {
    if (!catalog) return { name: ast.name, kind: "unchecked" as const, ok: true };
    try {
      return { name: ast.name, kind: checkQuery(ast, catalog, source).kind, ok: true };
    } catch (e) {
      return { name: ast.name, kind: ast.body.kind === "read" ? ("read" as const) : ("mutation" as const), ok: false, error: problem(e) };
    }
  });
  return { file, kind: "query", ok: queries.every((q) => q.ok), queries };
}

function human(reports: FileReport[], checkedAgainst: string): string {
  const out: string[] = [];
  const at = (p: Problem) => (p.line !== undefined ? `:${p.line}:${p.column}` : "");
  for (const r of reports) {
    if (r.error) out.push(`${r.file}${at(r.error)}: ${r.error.code}: ${r.error.message}`);
    else if (r.kind === "schema") out.push(`${r.file}: ok (${r.types} types)`);
    for (const q of r.queries ?? []) out.push(q.error ? `${r.file}${at(q.error)}: ${q.error.code}: query ${q.name}: ${q.error.message}` : `${r.file}: ${q.name}: ok (${q.kind})`);
  }
  out.push(reports.every((r) => r.ok) ? `lint: ok (queries checked against ${checkedAgainst})` : "lint: errors found");
  return out.join("\n");
}

export async function run(argv: string[], verb = "lint"): Promise<number> {
  return runProgram(verb, (program, done) => {
    withGlobalOptions(program.description("check .pg and .gq files offline").argument("[files...]", ".pg and .gq files"))
      .option("--schema <file.pg>", "schema to check (and to type-check queries against)")
      .option("--query <file.gq>", "query file to check (repeatable)", collect, [])
      .action(action(verb, done, async (inv, files: string[]) => {
        const o = inv.opts as { schema?: string; query: string[] };
        const schemas = [...(o.schema ? [o.schema] : []), ...files.filter((f) => f.endsWith(".pg"))];
        const queries = [...o.query, ...files.filter((f) => f.endsWith(".gq"))];
        const other = files.filter((f) => !f.endsWith(".pg") && !f.endsWith(".gq"));
        if (other.length) throw new CliError("ERR_USAGE", `lint checks .pg and .gq files; not: ${other.join(", ")}`);
        if (schemas.length + queries.length === 0) throw new CliError("ERR_USAGE", "lint needs files: --schema <file.pg>, --query <file.gq>, or paths");
        if (schemas.length > 1) throw new CliError("ERR_USAGE", `give one schema to check queries against (got ${schemas.join(", ")})`);
        const reports: FileReport[] = [];
        let catalog: Catalog | undefined;
        let against = "nothing (parsed only)";
        if (schemas[0]) {
          try {
            catalog = compileSchema(await readInputFile(schemas[0], "--schema"));
            reports.push({ file: schemas[0], kind: "schema", ok: true, types: catalog.nodes.length + catalog.edges.length });
            against = schemas[0];
          } catch (e) {
            if (e instanceof CliError) throw e;
            reports.push({ file: schemas[0], kind: "schema", ok: false, error: problem(e) });
          }
        } else if (inv.opts.store !== undefined || inv.opts.profile !== undefined) {
          const address = inv.address("direct");
          const client = await inv.client(address, { write: false });
          const src = String((await client.showSchema()).schema_source);
          catalog = src ? compileSchema(src) : EMPTY_CATALOG;
          against = `graph '${address.kind === "direct" ? address.graphId : ""}'`;
        }
        for (const q of queries) reports.push(lintQueries(q, await readInputFile(q, "--query"), catalog));
        const ok = reports.every((r) => r.ok);
        inv.print({ json: { ok, files: reports }, human: human(reports, against) });
        if (!ok) {
          const first = reports.find((r) => !r.ok)!;
          const code = first.error?.code ?? first.queries?.find((q) => !q.ok)?.error?.code ?? "ERR_PARSE";
          return exitCodeForCode(code);
        }
        return EXIT.ok;
      }));
  }, argv);
}

