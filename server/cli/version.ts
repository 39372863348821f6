/**
 * `omnigraph version`: this CLI's release and the storage-format (internal schema)
 * version it writes; with `--server`, the server's `/healthz` answer too.
 */
import { readFile } from "node:fs/promises";
import { action, runProgram, withGlobalOptions } from "./command.ts";
import { EXIT } from "./errors.ts";

/** The manifest entry format this build writes (server/store/manifest/entry.ts). */
export const INTERNAL_SCHEMA_VERSION = 1;

export async function cliVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export async function run(argv: string[]): Promise<number> {
  return runProgram("version", (program, done) => {
    withGlobalOptions(program.description("print the CLI (and server) version"))
      .action(action("version", done, async (inv) => {
        const out: Record<string, unknown> = { version: await cliVersion(), internal_schema_version: INTERNAL_SCHEMA_VERSION };
        if (inv.opts.server !== undefined) {
          const address = inv.address("served");
          if (address.kind === "served") out.server = await (await inv.httpClient(address.baseUrl, address.serverName, undefined)).health();
        }
        const server = out.server as { version?: string } | undefined;
        inv.print({ json: out, human: `omnigraph ${out.version} (internal schema ${INTERNAL_SCHEMA_VERSION})${server ? `\nserver ${server.version}` : ""}` });
        return EXIT.ok;
      }));
  }, argv);
}
