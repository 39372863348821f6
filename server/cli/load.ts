/**
 * `omnigraph load --data <file.ndjson> --mode overwrite|append|merge`: one strict
 * NDJSON batch as one commit (served: `POST /load/ndjson`). Both flags are required.
 * Without `--from` the branch must exist; `--from <base>` creates a missing `--branch`
 * from `<base>` first. `--mode overwrite` on a non-local target needs `--yes`.
 *
 * @example omnigraph load --data examples/social/data.ndjson --mode merge --store ./.data --graph social
 */
import { Option } from "commander";
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT } from "./errors.ts";
import { inputFileSize } from "./inputs.ts";
import { LOAD_PROGRESS_MIN_BYTES, startProgress } from "./progress.ts";

type Loaded = { name: string; entities_loaded: number }[];

function summary(out: Record<string, unknown>): string {
  const per = [...(out.nodes as Loaded), ...(out.edges as Loaded)].map((t) => `${t.name} ${t.entities_loaded}`).join(", ");
  const commit = out.commit as { graph_commit_id?: string } | null;
  return `loaded ${out.total_entities} entities (${per || "none"}) into ${out.branch}${out.branch_created ? ` (created from ${out.base_branch})` : ""} with mode ${out.mode}; ${commit ? `commit ${commit.graph_commit_id}` : "nothing changed, no commit"}`;
}

export async function run(argv: string[]): Promise<number> {
  return runProgram("load", (program, done) => {
    withGlobalOptions(program.description("load an NDJSON file as one commit").argument("[uri]", "storage URL (direct mode; same as --store)"))
      .requiredOption("--data <file>", "NDJSON file: {\"type\":…,\"data\":{…}} and {\"edge\":…,\"from\":…,\"to\":…} lines")
      .addOption(new Option("--mode <mode>", "overwrite | append | merge").choices(["overwrite", "append", "merge"]).makeOptionMandatory())
      .option("--branch <name>", "target branch (default main)")
      .option("--from <base>", "create a missing --branch from this branch first")
      .action(action("load", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { data: string; mode: "overwrite" | "append" | "merge"; branch?: string; from?: string };
        const size = await inputFileSize(o.data, "--data");
        const address = inv.address("any", uri);
        if (o.mode === "overwrite") inv.confirmDestructive(address, "load --mode overwrite");
        inv.echoTarget(address);
        const client = await inv.client(address, { write: true });
        const bar = startProgress({ enabled: inv.env.stderrIsTty && !inv.opts.quiet, total: size, threshold: LOAD_PROGRESS_MIN_BYTES, label: "load", unit: "bytes" });
        try {
          const out = await client.load({ file: o.data, mode: o.mode, branch: o.branch, from: o.from, onBytes: (n) => bar.update(n) });
          bar.stop();
          inv.print({ json: out, human: summary(out) });
        } finally {
          bar.stop();
        }
        return EXIT.ok;
      }));
  }, argv);
}
