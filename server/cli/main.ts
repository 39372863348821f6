/**
 * `omnigraph` command line. One entry point; each subcommand lives in its own module
 * and returns the process exit code.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

type Command = { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  doctor: { summary: "probe a store for the conditional writes the commit protocol needs", load: () => import("./doctor.ts") },
  render: { summary: "render a stage's Kubernetes manifests (plain YAML + kustomization) from the deployment kit", load: () => import("./render.ts") },
  serve: { summary: "run the data plane (all-in-one on a local directory by default)", load: () => import("./serve.ts") },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ["usage: omnigraph <command> [options]", "", "commands:", ...rows, "", "Run `omnigraph <command> --help` for a command's options."].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
