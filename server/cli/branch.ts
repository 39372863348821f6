/**
 * `omnigraph branch create|list|delete|merge`.
 *
 * @example
 * omnigraph branch create feature --from main --store ./.data --graph social
 * omnigraph branch merge feature --into main --delete-branch --store ./.data --graph social
 */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT, exitCodeForCode } from "./errors.ts";

export async function run(argv: string[]): Promise<number> {
  return runProgram("branch", (program, done) => {
    program.description("create, list, delete and merge branches");
    withGlobalOptions(program.command("create").description("create a branch (forks lazily, on first write)").argument("<name>"))
      .option("--from <branch>", "branch to fork (default main)")
      .action(action("branch create", done, async (inv, name: string) => {
        const o = inv.opts as { from?: string };
        const address = inv.address("any");
        inv.echoTarget(address);
        const out = await (await inv.client(address, { write: true })).createBranch(name, o.from);
        inv.print({ json: out, human: `created branch ${out.name} from ${out.from}` });
        return EXIT.ok;
      }));
    withGlobalOptions(program.command("list").description("list branches"))
      .action(action("branch list", done, async (inv) => {
        const out = await (await inv.client(inv.address("any"), { write: false })).listBranches();
        const names = out.branches as string[];
        inv.print({ json: out, rows: names.map((name) => ({ name })), human: names.join("\n") });
        return EXIT.ok;
      }));
    withGlobalOptions(program.command("delete").description("delete a branch (irreversible)").argument("<name>"))
      .action(action("branch delete", done, async (inv, name: string) => {
        const address = inv.address("any");
        inv.confirmDestructive(address, `branch delete ${name}`);
        inv.echoTarget(address);
        const out = await (await inv.client(address, { write: true })).deleteBranch(name);
        inv.print({ json: out, human: `deleted branch ${out.name}` });
        return EXIT.ok;
      }));
    withGlobalOptions(program.command("merge").description("merge a branch into another (default main)").argument("<source>"))
      .option("--into <target>", "target branch (default main)")
      .option("--delete-branch", "delete the source after a successful merge")
      .action(action("branch merge", done, async (inv, source: string) => {
        const o = inv.opts as { into?: string; deleteBranch?: boolean };
        const address = inv.address("any");
        inv.echoTarget(address);
        const out = await (await inv.client(address, { write: true })).merge(source, o.into, o.deleteBranch === true);
        const deleted = out.branch_deleted === true ? "; source deleted" : "";
        inv.print({ json: out, human: `merged ${out.source} into ${out.target}: ${out.outcome}${deleted}` });
        if (out.branch_deleted === false) {
          process.stderr.write(`omnigraph branch merge: ERR_PARTIAL: merged, but deleting ${source} failed: ${String(out.branch_delete_error ?? "unknown reason")}\n`);
          return exitCodeForCode("ERR_PARTIAL");
        }
        return EXIT.ok;
      }));
  }, argv);
}
