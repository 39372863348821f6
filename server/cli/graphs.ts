/** `omnigraph graphs list --server <name|url>`: the graphs a server serves (`GET /graphs`). */
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT } from "./errors.ts";

export async function run(argv: string[]): Promise<number> {
  return runProgram("graphs", (program, done) => {
    program.description("the graphs a server serves");
    withGlobalOptions(program.command("list").description("list a server's graphs (and quarantined ones)"))
      .action(action("graphs list", done, async (inv) => {
        if (inv.opts.graph !== undefined) throw new CliError("ERR_USAGE", "graphs list addresses the server itself; drop --graph");
        const address = inv.address("served");
        if (address.kind !== "served") throw new CliError("ERR_TARGET", "graphs list needs --server");
        const client = await inv.httpClient(address.baseUrl, address.serverName, undefined);
        const out = await client.listGraphs();
        const quarantined = (out.quarantined as { graph_id: string; code: string }[] | undefined) ?? [];
        const rows = [
          ...(out.graphs as { graph_id: string; uri: string }[]).map((g) => ({ graph_id: g.graph_id, uri: g.uri, status: "serving" })),
          ...quarantined.map((g) => ({ graph_id: g.graph_id, uri: "", status: `quarantined (${g.code})` })),
        ];
        inv.print({ json: out, rows });
        return EXIT.ok;
      }));
  }, argv);
}
