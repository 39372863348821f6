/**
 * `omnigraph` command line. One entry point; each subcommand lives in its own module
 * and returns the process exit code.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

type Command = { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  init: { summary: "create a graph with a schema (direct: --schema <file.pg> <store url>)", load: () => import("./init.ts") },
  load: { summary: "load an NDJSON file as one commit (--data <file> --mode overwrite|append|merge)", load: () => import("./load.ts") },
  query: { summary: "run a read query (--query <file.gq> | -e <gq>) and print its rows", load: () => import("./query.ts") },
  read: { summary: "deprecated name of query", load: () => import("./read.ts") },
  mutate: { summary: "run a mutation as one commit (--if-commit <id>: exit 4 if the head moved)", load: () => import("./mutate.ts") },
  change: { summary: "deprecated name of mutate", load: () => import("./change.ts") },
  snapshot: { summary: "print a branch's datasets, versions and entity counts", load: () => import("./snapshot.ts") },
  export: { summary: "dump a branch or snapshot as NDJSON on stdout", load: () => import("./export.ts") },
  branch: { summary: "create | list | delete | merge branches", load: () => import("./branch.ts") },
  commit: { summary: "list | show commits", load: () => import("./commit.ts") },
  schema: { summary: "plan | apply | show the schema", load: () => import("./schema.ts") },
  lint: { summary: "check .pg and .gq files offline", load: () => import("./lint.ts") },
  check: { summary: "alias of lint", load: () => import("./check.ts") },
  graphs: { summary: "list a server's graphs (--server)", load: () => import("./graphs.ts") },
  optimize: { summary: "compact a branch's datasets (direct)", load: () => import("./optimize.ts") },
  cleanup: { summary: "remove old versions and unreferenced storage (direct; --confirm)", load: () => import("./cleanup.ts") },
  version: { summary: "print the CLI (and --server's) version", load: () => import("./version.ts") },
  doctor: { summary: "probe a store for the conditional writes the commit protocol needs", load: () => import("./doctor.ts") },
  policy: { summary: "validate, test and explain Cedar policy bundles (policy.yaml or .cedar)", load: () => import("./policy.ts") },
  render: { summary: "render a stage's Kubernetes manifests (plain YAML + kustomization) from the deployment kit", load: () => import("./render.ts") },
  repair: { summary: "inspect and repair a graph's manifest log (dry run unless --confirm)", load: () => import("./repair.ts") },
  serve: { summary: "run the data plane (all-in-one on a local directory by default)", load: () => import("./serve.ts") },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    "usage: omnigraph <command> [options]",
    "",
    "commands:",
    ...rows,
    "",
    "Address a graph directly with --store <storage url> [--graph <id>] (graph id default: 'default'),",
    "or through a server with --server <name|url> --graph <id>. Global flags (after the command):",
    "--json, --format json|jsonl|csv|table|kv, --quiet, --yes, --as <actor>, --profile <name>, --timeout <duration>.",
    "Exit codes: 0 ok, 1 failed, 2 refused (bad input/usage), 3 partial, 4 precondition lost / recovery required,",
    "5 timeout, 6 cancelled.",
    "",
    "Run `omnigraph <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  // The AWS SDK warns on every run that its releases after January 2027 need Node 22;
  // this build pins Node 20 and an SDK that supports it (DESIGN.md §9), so the warning
  // is noise nobody running the CLI or the server can act on. An explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") return main(["version", ...rest]);
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`omnigraph: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  return (await cmd.load()).run(rest);
}

// Run directly (`node --import=tsx server/cli/main.ts …`, as `npm start` does).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
