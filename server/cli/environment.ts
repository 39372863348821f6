/**
 * Everything the CLI reads from its process environment, in one place: the operator
 * directory, the config and profile overrides, bearer tokens, and whether stdout /
 * stderr are terminals. No other CLI module touches `process.env` (the storage
 * drivers read their own `AWS_*` variables, as the server's do).
 */
import { homedir } from "node:os";
import { join } from "node:path";

export interface CliEnvironment {
  /** `OMNIGRAPH_HOME`, else `~/.omnigraph`. */
  readonly home: string;
  /** `OMNIGRAPH_CONFIG`, else `<home>/config.yaml`. */
  readonly configPath: string;
  /** `<home>/credentials`. */
  readonly credentialsPath: string;
  /** `OMNIGRAPH_PROFILE`, when set and not blank. */
  readonly profile: string | undefined;
  /** `OMNIGRAPH_BEARER_TOKEN`, the default token when no keyed one applies. */
  readonly defaultToken: string | undefined;
  /** `OMNIGRAPH_TOKEN_<NAME>` for a server name (`prod-eu` → `OMNIGRAPH_TOKEN_PROD_EU`). */
  tokenFor(serverName: string): string | undefined;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  /** OmniGraph's S3 variables (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_S3_FORCE_PATH_STYLE`) for direct mode; the URL's own parameters win. */
  readonly s3Defaults: { endpoint?: string | undefined; region?: string | undefined; forcePathStyle?: boolean | undefined };
}

function nonBlank(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** The env variable holding a server's keyed token. */
export function tokenVariableFor(serverName: string): string {
  return `OMNIGRAPH_TOKEN_${serverName.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** Reads the CLI's environment (`env` defaults to `process.env`; tests pass their own). */
export function readCliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const home = nonBlank(env.OMNIGRAPH_HOME) ?? join(nonBlank(env.HOME) ?? homedir(), ".omnigraph");
  return {
    home,
    configPath: nonBlank(env.OMNIGRAPH_CONFIG) ?? join(home, "config.yaml"),
    credentialsPath: join(home, "credentials"),
    profile: nonBlank(env.OMNIGRAPH_PROFILE),
    defaultToken: nonBlank(env.OMNIGRAPH_BEARER_TOKEN),
    tokenFor: (name) => nonBlank(env[tokenVariableFor(name)]),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    s3Defaults: {
      endpoint: nonBlank(env.AWS_ENDPOINT_URL_S3) ?? nonBlank(env.AWS_ENDPOINT_URL),
      region: nonBlank(env.AWS_REGION) ?? nonBlank(env.AWS_DEFAULT_REGION),
      forcePathStyle: nonBlank(env.AWS_S3_FORCE_PATH_STYLE) === undefined ? undefined : /^(1|true|yes)$/i.test(env.AWS_S3_FORCE_PATH_STYLE!.trim()),
    },
  };
}
