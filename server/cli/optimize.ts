/**
 * `omnigraph optimize [uri] [--branch b]` (direct): compacts every dataset of a
 * branch (default main), each as one maintenance commit. Non-destructive: old
 * versions stay until `cleanup`.
 */
import { compactTable } from "../store/maintenance.ts";
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT } from "./errors.ts";

export async function run(argv: string[]): Promise<number> {
  return runProgram("optimize", (program, done) => {
    withGlobalOptions(program.description("compact a branch's datasets (direct)").argument("[uri]", "storage URL (or --store)"))
      .option("--branch <name>", "branch (default main)")
      .action(action("optimize", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { branch?: string };
        const address = inv.address("direct", uri);
        if (address.kind !== "direct") throw new CliError("ERR_TARGET", "optimize needs a storage URL");
        inv.echoTarget(address);
        const { DirectGraphClient } = await import("./client/direct.ts");
        const client = (await inv.client(address, { write: true })) as InstanceType<typeof DirectGraphClient>;
        const branch = o.branch ?? "main";
        const snap = await client.graph.snapshot({ branch });
        const datasets: { dataset: string; committed: boolean; version: number | null }[] = [];
        for (const table of snap.tableKeys()) {
          const r = await compactTable(client.graph, branch, table);
          datasets.push({ dataset: table, committed: r.committed, version: r.version ?? null });
        }
        const out = { branch, datasets };
        inv.print({ json: out, rows: datasets, human: `optimized ${datasets.length} dataset(s) on ${branch}; ${datasets.filter((d) => d.committed).length} compacted` });
        return EXIT.ok;
      }));
  }, argv);
}
