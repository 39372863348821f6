/**
 * `omnigraph snapshot [--branch b]`: the branch head's datasets, their published
 * versions and entity counts (`SnapshotOutput`).
 */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT } from "./errors.ts";

export async function run(argv: string[]): Promise<number> {
  return runProgram("snapshot", (program, done) => {
    withGlobalOptions(program.description("print the current snapshot of a branch").argument("[uri]", "storage URL (direct mode; same as --store)"))
      .option("--branch <name>", "branch (default main)")
      .action(action("snapshot", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { branch?: string };
        const client = await inv.client(inv.address("any", uri), { write: false });
        const out = await client.snapshot({ branch: o.branch });
        const datasets = out.datasets as Record<string, unknown>[];
        const human = `branch ${out.graph_branch} at manifest version ${out.graph_manifest_version}\n${datasets.length ? (await import("./output.ts")).renderTable(datasets, ["entity_kind", "type_name", "entity_count", "published_dataset_version", "dataset_path"]) : "(no datasets yet)\n"}`;
        inv.print({ json: out, rows: datasets, human });
        return EXIT.ok;
      }));
  }, argv);
}
