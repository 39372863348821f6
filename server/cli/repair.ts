import { Command, CommanderError } from "commander";
import { openStore } from "../../drivers/open.ts";
import { locateGraph } from "../store/layout.ts";
import { repairGraph } from "../store/repair.ts";

/**
 * `omnigraph repair --store <uri> --graph <id> [--tenant t] [--confirm]`: inspects a
 * graph's manifest log (corrupt or truncated entries, holes, the head hint) and prints
 * what it found and would do, as JSON. Dry run by default; `--confirm` takes the
 * graph's writer lease and applies the plan (quarantine a corrupt tail entry, or
 * restore it from the hint's copy; fill a hole nothing references; rewrite the hint).
 * Exit 0: clean or repaired. 1: findings remain (a dry run, or something repair will
 * not touch). 2: bad usage.
 */
export async function run(argv: string[]): Promise<number> {
  const program = new Command("omnigraph repair")
    .description("inspect and repair a graph's manifest log (dry run unless --confirm)")
    .requiredOption("--store <uri>", "storage URL (fs:///path, s3://bucket/prefix?endpoint=…, …)")
    .requiredOption("--graph <id>", "graph id")
    .option("--tenant <id>", "tenant (prefix-per-tenant layout)")
    .option("--confirm", "apply the repair (takes the writer lease)", false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let opts: { store: string; graph: string; tenant?: string; confirm: boolean };
  try {
    program.parse(argv, { from: "user" });
    opts = program.opts();
  } catch (e) {
    if (e instanceof CommanderError && (e.code === "commander.helpDisplayed" || e.code === "commander.help")) return 0;
    return 2;
  }
  let loc;
  try {
    loc = locateGraph({ kind: "prefix-per-tenant", store: openStore(opts.store) }, opts.tenant, opts.graph);
  } catch (e) {
    process.stderr.write(`omnigraph repair: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const report = await repairGraph(loc, { confirm: opts.confirm });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (report.applied) return report.findings.some((f) => f.action === "none") ? 1 : 0;
    return report.findings.length === 0 ? 0 : 1;
  } catch (e) {
    const code = (e as { code?: string }).code ?? "ERR_UNEXPECTED";
    process.stderr.write(`omnigraph repair: ${code}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await loc.store.close();
  }
}
