/**
 * `omnigraph export [--type T]… [--branch b | --snapshot c]`: the graph as NDJSON on
 * stdout, in the load envelope, streamed (served: `POST /export`). A progress bar on
 * stderr for large exports when stderr is a terminal and stdout is not.
 *
 * @example omnigraph export --store ./.data --graph social > social.ndjson
 */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT } from "./errors.ts";
import { EXPORT_PROGRESS_MIN_ENTITIES, startProgress } from "./progress.ts";

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Writes a line to stdout, waiting when the pipe is full (backpressure). */
function writeLine(line: string): Promise<void> | undefined {
  if (process.stdout.write(`${line}\n`)) return undefined;
  return new Promise((resolve) => process.stdout.once("drain", resolve));
}

export async function run(argv: string[]): Promise<number> {
  return runProgram("export", (program, done) => {
    withGlobalOptions(program.description("dump a branch (or a snapshot) as NDJSON on stdout").argument("[uri]", "storage URL (direct mode; same as --store)"))
      .option("--type <T>", "only this node or edge type (repeatable)", collect, [])
      .option("--branch <name>", "branch (default main)")
      .option("--snapshot <commit>", "a pinned commit (direct mode)")
      .action(action("export", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { type: string[]; branch?: string; snapshot?: string };
        if (o.branch !== undefined && o.snapshot !== undefined) throw new CliError("ERR_USAGE", "--branch and --snapshot are mutually exclusive; pass one");
        const f = inv.format();
        if (f !== undefined && f !== "jsonl" && f !== "json") throw new CliError("ERR_USAGE", `export always writes NDJSON (jsonl); --format ${f} does not apply`);
        const client = await inv.client(inv.address("any", uri), { write: false });
        let total = 0;
        const showBar = inv.env.stderrIsTty && !inv.env.stdoutIsTty && !inv.opts.quiet;
        if (showBar && o.snapshot === undefined) {
          const snap = await client.snapshot({ branch: o.branch });
          for (const d of snap.datasets as { type_name: string; entity_count: number }[]) if (o.type.length === 0 || o.type.includes(d.type_name)) total += d.entity_count;
        }
        const bar = startProgress({ enabled: showBar, total, threshold: EXPORT_PROGRESS_MIN_ENTITIES, label: "export", unit: "entities" });
        let n = 0;
        try {
          for await (const line of client.exportLines({ branch: o.branch, snapshot: o.snapshot, typeNames: o.type })) {
            const wait = writeLine(line);
            if (wait) await wait;
            if (++n % 1000 === 0) bar.update(n);
          }
        } finally {
          bar.stop();
        }
        return EXIT.ok;
      }));
  }, argv);
}
