/**
 * `omnigraph init --schema <file.pg> <uri> [--graph id] [--force]`: creates a graph
 * under a store root (at `graphs/<id>`, as the server lays graphs out) and applies
 * its schema as the first commit after `init`. The schema is checked before anything
 * is written. A graph that already has a schema is never overwritten
 * (`ERR_GRAPH_EXISTS`); `--force` accepts a prefix that holds objects but no schema
 * (an empty graph a server created, or leftovers of an interrupted init).
 *
 * @example omnigraph init --schema examples/social/schema.pg --graph social ./.data
 */
import { compileSchema } from "../engine/schema/index.ts";
import { Graph } from "../store/graph.ts";
import { isStoreError } from "../store/errors.ts";
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT } from "./errors.ts";
import { readInputFile } from "./inputs.ts";

export async function run(argv: string[]): Promise<number> {
  return runProgram("init", (program, done) => {
    withGlobalOptions(program.description("create a graph with a schema (direct)").argument("[uri]", "storage URL of the store root (or --store)"))
      .requiredOption("--schema <file.pg>", "the graph's schema")
      .option("--force", "also initialize a prefix that holds objects but no schema")
      .action(action("init", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { schema: string; force?: boolean };
        const source = await readInputFile(o.schema, "--schema");
        compileSchema(source); // a bad schema fails here, before any write
        const address = inv.address("direct", uri);
        if (address.kind !== "direct") throw new CliError("ERR_TARGET", "init needs a storage URL");
        const { locateDirect, openDirectClient } = await import("./client/direct.ts");
        const { store, loc } = await locateDirect(address, inv.env);
        try {
          const existing = await Graph.open(loc, { mode: "read-only" }).catch((e: unknown) => {
            if (isStoreError(e, "ERR_GRAPH_NOT_FOUND")) return undefined;
            throw e;
          });
          if (existing) {
            const hasSchema = (await existing.snapshot({ branch: "main" })).schemaHash !== null;
            await existing.close();
            if (hasSchema) throw new CliError("ERR_GRAPH_EXISTS", `graph '${address.graphId}' already exists with a schema at ${loc.description()}; change it with 'omnigraph schema apply', or pick another --graph`);
            if (!o.force) throw new CliError("ERR_GRAPH_EXISTS", `graph '${address.graphId}' exists at ${loc.description()} without a schema; pass --force to apply this schema to it`);
          } else if (!o.force) {
            const page = await store.listPage(`${loc.prefix}/`, { maxKeys: 1 });
            if (page.items.length > 0) throw new CliError("ERR_GRAPH_EXISTS", `${loc.description()} holds objects but no graph (an interrupted init?); pass --force to initialize it anyway`);
          }
        } finally {
          await store.close();
        }
        inv.echoTarget(address);
        const client = await openDirectClient(address, { write: true, create: true, actor: inv.actor, env: inv.env });
        try {
          const out = await client.applySchema(source, false);
          inv.print({ json: out, human: `initialized graph '${address.graphId}' at ${out.uri} (${out.step_count} schema step(s))` });
        } finally {
          await client.close();
        }
        return EXIT.ok;
      }));
  }, argv);
}
