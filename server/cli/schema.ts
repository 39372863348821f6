/**
 * `omnigraph schema plan|apply|show`. `plan` (direct) lists the migration steps an
 * apply would run without writing; `apply` runs them as one commit on `main`
 * (`--allow-data-loss` makes drops hard); `show` (alias `get`) prints the source.
 */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT, exitCodeForCode } from "./errors.ts";
import { readInputFile } from "./inputs.ts";

function stepsHuman(out: Record<string, unknown>): string {
  const steps = out.steps as { kind: string }[];
  return [`${out.step_count} step(s)${out.applied === undefined ? "" : out.applied ? ", applied" : ", nothing to apply"}`, ...steps.map((s) => `  ${s.kind} ${JSON.stringify(Object.fromEntries(Object.entries(s).filter(([k]) => k !== "kind")))}`)].join("\n");
}

export async function run(argv: string[]): Promise<number> {
  return runProgram("schema", (program, done) => {
    program.description("plan, apply and show the schema");
    withGlobalOptions(program.command("plan").description("the migration steps apply would run (direct, read-only)").argument("[uri]"))
      .requiredOption("--schema <file.pg>", "the new schema")
      .option("--allow-data-loss", "plan drops as hard drops")
      .action(action("schema plan", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { schema: string; allowDataLoss?: boolean };
        const source = await readInputFile(o.schema, "--schema");
        const address = inv.address("direct", uri);
        const client = await inv.client(address, { write: false });
        const { DirectGraphClient } = await import("./client/direct.ts");
        const out = await (client as InstanceType<typeof DirectGraphClient>).planSchema(source, o.allowDataLoss === true);
        inv.print({ json: out, rows: out.steps as Record<string, unknown>[], human: stepsHuman(out) });
        return out.supported ? EXIT.ok : exitCodeForCode("ERR_SCHEMA_UNSUPPORTED_CHANGE");
      }));
    withGlobalOptions(program.command("apply").description("apply a new schema to main as one commit").argument("[uri]"))
      .requiredOption("--schema <file.pg>", "the new schema")
      .option("--allow-data-loss", "make drops hard (prior data becomes unreachable)")
      .action(action("schema apply", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { schema: string; allowDataLoss?: boolean };
        const source = await readInputFile(o.schema, "--schema");
        const address = inv.address("any", uri);
        inv.echoTarget(address);
        const out = await (await inv.client(address, { write: true })).applySchema(source, o.allowDataLoss === true);
        inv.print({ json: out, rows: out.steps as Record<string, unknown>[], human: stepsHuman(out) });
        return EXIT.ok;
      }));
    withGlobalOptions(program.command("show").alias("get").description("print the schema source").argument("[uri]"))
      .action(action("schema show", done, async (inv, uri: string | undefined) => {
        const out = await (await inv.client(inv.address("any", uri), { write: false })).showSchema();
        inv.print({ json: out, human: String(out.schema_source) });
        return EXIT.ok;
      }));
  }, argv);
}
