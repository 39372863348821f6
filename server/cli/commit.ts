/** `omnigraph commit list [--branch b]` (newest first) and `commit show <id>`. */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT } from "./errors.ts";

const COLUMNS = ["graph_commit_id", "graph_branch", "graph_manifest_version", "actor_id", "created_at", "parent_commit_id", "merged_parent_commit_id"];

export async function run(argv: string[]): Promise<number> {
  return runProgram("commit", (program, done) => {
    program.description("inspect commits");
    withGlobalOptions(program.command("list").description("list a branch's commits, newest first"))
      .option("--branch <name>", "branch (default main)")
      .action(action("commit list", done, async (inv) => {
        const o = inv.opts as { branch?: string };
        const out = await (await inv.client(inv.address("any"), { write: false })).listCommits(o.branch);
        inv.print({ json: out, rows: out.commits as Record<string, unknown>[], columns: COLUMNS });
        return EXIT.ok;
      }));
    withGlobalOptions(program.command("show").description("show one commit").argument("<id>", "graph commit id"))
      .action(action("commit show", done, async (inv, id: string) => {
        const out = await (await inv.client(inv.address("any"), { write: false })).showCommit(id);
        inv.print({ json: out, columns: COLUMNS });
        return EXIT.ok;
      }));
  }, argv);
}
