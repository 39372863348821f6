/**
 * `omnigraph query <name>` (alias `read`): runs a read query and prints `ReadOutput`
 * in the asked format (default `table`, or `defaults.output`).
 *
 * @example omnigraph query friends_of --query examples/social/queries.gq --params '{"name":"Alice"}' --store ./.data --graph social
 */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT } from "./errors.ts";
import { readParams } from "./inputs.ts";
import { querySource, withQuerySourceOptions, type QuerySourceOptions } from "./query-source.ts";

export async function run(argv: string[], verb = "query"): Promise<number> {
  return runProgram(verb, (program, done) => {
    withGlobalOptions(withQuerySourceOptions(program.description("run a read query").argument("[name]", "which query of the source to run")))
      .option("--snapshot <commit>", "read a pinned commit instead of the branch head")
      .action(action(verb, done, async (inv, name: string | undefined) => {
        if (verb === "read") inv.warn("'read' is the deprecated name of 'query'");
        const o = inv.opts as QuerySourceOptions & { snapshot?: string };
        if (o.branch !== undefined && o.snapshot !== undefined) throw new CliError("ERR_USAGE", "--branch and --snapshot are mutually exclusive; pass one");
        const { source, name: selected } = await querySource(name, o, verb);
        const params = await readParams(o);
        const client = await inv.client(inv.address("any"), { write: false });
        const out = await client.query({ query: source, name: selected, params, branch: o.branch, snapshot: o.snapshot });
        inv.print({ json: out, rows: out.rows as Record<string, unknown>[], columns: out.columns as string[] | undefined }, true);
        return EXIT.ok;
      }));
  }, argv);
}
