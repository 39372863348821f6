/**
 * The query text of `query` / `mutate`: `--query <file.gq>` or `-e/--query-string`,
 * with the positional `<name>` selecting one query of the source. Stored queries by
 * name alone (OmniGraph's catalog lane) are tier B and not served here, so a bare
 * name is refused with the flags that work.
 */
import type { Command } from "commander";
import { CliError } from "./errors.ts";
import { readInputFile } from "./inputs.ts";

export interface QuerySourceOptions {
  query?: string;
  queryString?: string;
  params?: string;
  paramsFile?: string;
  branch?: string;
}

/** Adds the source and parameter flags shared by `query` and `mutate`. */
export function withQuerySourceOptions(cmd: Command): Command {
  return cmd
    .option("--query <file.gq>", "read the query source from a .gq file")
    .option("-e, --query-string <gq>", "the query source inline")
    .option("--params <json>", "parameters as a JSON object")
    .option("--params-file <file.json>", "parameters from a JSON file (--params keys win)")
    .option("--branch <name>", "branch to run on (default main)");
}

/** The source text and the selected name. */
export async function querySource(name: string | undefined, o: QuerySourceOptions, verb: string): Promise<{ source: string; name: string | undefined }> {
  if (o.query !== undefined && o.queryString !== undefined) throw new CliError("ERR_USAGE", "--query and -e/--query-string are mutually exclusive; pass one source");
  if (o.query !== undefined) return { source: await readInputFile(o.query, "--query"), name };
  if (o.queryString !== undefined) return { source: o.queryString, name };
  throw new CliError(
    "ERR_USAGE",
    name === undefined
      ? `${verb} needs a query: --query <file.gq> [name] or -e '<gq source>'`
      : `stored queries by name are not served yet; pass the source: ${verb} ${name} --query <file.gq> (or -e '<gq source>')`,
  );
}
