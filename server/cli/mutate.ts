/**
 * `omnigraph mutate <name>` (alias `change`): runs a mutation as one commit and
 * prints `ChangeOutput`. `--if-commit <id>` writes only if the branch head is still
 * that commit; losing that race exits 4 (`ERR_GRAPH_COMMIT_PRECONDITION`).
 *
 * @example omnigraph mutate add_person --query examples/social/queries.gq --params '{"name":"Eve","age":41}' --branch feature --store ./.data --graph social
 */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT } from "./errors.ts";
import { readParams } from "./inputs.ts";
import { querySource, withQuerySourceOptions, type QuerySourceOptions } from "./query-source.ts";

function summary(out: Record<string, unknown>): string {
  const commit = out.commit as { graph_commit_id?: string } | null;
  return `${out.query_name} on ${out.branch}: ${out.affected_nodes} node(s), ${out.affected_edges} edge(s) affected; ${commit ? `commit ${commit.graph_commit_id}` : "nothing changed, no commit"}`;
}

export async function run(argv: string[], verb = "mutate"): Promise<number> {
  return runProgram(verb, (program, done) => {
    withGlobalOptions(withQuerySourceOptions(program.description("run a mutation query (one commit)").argument("[name]", "which query of the source to run")))
      .option("--if-commit <commit>", "write only if the branch head is still this commit (exit 4 otherwise)")
      .action(action(verb, done, async (inv, name: string | undefined) => {
        if (verb === "change") inv.warn("'change' is the deprecated name of 'mutate'");
        const o = inv.opts as QuerySourceOptions & { ifCommit?: string };
        const { source, name: selected } = await querySource(name, o, verb);
        const params = await readParams(o);
        const client = await inv.client(inv.address("any"), { write: true });
        const out = await client.mutate({ query: source, name: selected, params, branch: o.branch, ifCommit: o.ifCommit });
        inv.print({ json: out, human: summary(out) });
        return EXIT.ok;
      }));
  }, argv);
}
