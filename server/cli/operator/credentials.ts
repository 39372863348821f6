/**
 * Bearer tokens for served mode. Chain (OmniGraph's): `OMNIGRAPH_TOKEN_<NAME>` →
 * the `[<name>]` section of `~/.omnigraph/credentials` (INI, `token = …`, mode 0600)
 * → `OMNIGRAPH_BEARER_TOKEN`. A keyed token is only ever sent to the server it is
 * keyed to: a URL matching no named server gets the default token alone.
 */
import { readFile, stat } from "node:fs/promises";
import type { CliEnvironment } from "../environment.ts";
import { CliError } from "../errors.ts";

/** Where a resolved token came from (printed by `--verbose`-free diagnostics, never the token). */
export type TokenSource = "env-keyed" | "credentials-file" | "env-default" | "none";

/** The `token` of section `[server]` in an INI credentials file, if any. */
export function credentialFromIni(text: string, server: string): string | undefined {
  let section: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || section !== server) continue;
    if (line.slice(0, eq).trim() === "token") {
      const value = line.slice(eq + 1).trim();
      if (value !== "") return value;
    }
  }
  return undefined;
}

async function fromCredentialsFile(path: string, server: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError("ERR_OPERATOR_CONFIG", `cannot read the credentials file ${path}: ${(e as Error).message}`);
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new CliError("ERR_CREDENTIALS_INSECURE", `${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  }
  return credentialFromIni(await readFile(path, "utf8"), server);
}

/**
 * The bearer token for a server. `serverName` is the operator-config name the
 * address resolved to (undefined for a literal URL that matches no named server).
 */
export async function resolveToken(env: CliEnvironment, serverName: string | undefined): Promise<{ token: string | undefined; source: TokenSource }> {
  if (serverName !== undefined) {
    const keyed = env.tokenFor(serverName);
    if (keyed) return { token: keyed, source: "env-keyed" };
    const filed = await fromCredentialsFile(env.credentialsPath, serverName);
    if (filed) return { token: filed, source: "credentials-file" };
  }
  if (env.defaultToken) return { token: env.defaultToken, source: "env-default" };
  return { token: undefined, source: "none" };
}
